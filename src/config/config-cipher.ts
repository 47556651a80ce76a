import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Content encryption for dataIds prefixed `cipher-<algorithm>-`, compatible with Nacos' encryption
 * plugin contract (EncryptionHandler + the `aes` plugin of nacos-group/nacos-plugin): a fresh data
 * key per publish, content stored encrypted, the data key returned as `encryptedDataKey` so Java
 * clients with the same plugin decrypt on their side. HTTP reads are decrypted by the server.
 */
export interface ConfigCipher {
  /** Whether `dataId` is encrypted by this cipher. */
  applies(dataId: string): boolean;
  encrypt(content: string): { content: string; encryptedDataKey: string };
  /** Returns `content` unchanged when it cannot be decrypted (as the plugin does). */
  decrypt(encryptedDataKey: string, content: string): string;
}

/**
 * The `aes` plugin format: data key = Base64(hex(16 random bytes)); AES-128-CBC/PKCS5 with the
 * hex-decoded key and IV = first 16 characters of the hex string; ciphertext as lowercase hex.
 * compat(nacos-plugin): `encryptSecretKey` is the identity there, so the data key travels as is.
 */
export const aesCipher: ConfigCipher = {
  applies: (dataId) => dataId.startsWith('cipher-aes-'),
  encrypt(content) {
    const hexKey = randomBytes(16).toString('hex');
    const c = createCipheriv(
      'aes-128-cbc',
      Buffer.from(hexKey, 'hex'),
      Buffer.from(hexKey.slice(0, 16), 'utf8'),
    );
    const out = Buffer.concat([c.update(content, 'utf8'), c.final()]).toString('hex');
    return { content: out, encryptedDataKey: Buffer.from(hexKey, 'utf8').toString('base64') };
  },
  decrypt(encryptedDataKey, content) {
    if (!encryptedDataKey || !content) return content;
    try {
      const hexKey = Buffer.from(encryptedDataKey, 'base64').toString('utf8');
      const d = createDecipheriv(
        'aes-128-cbc',
        Buffer.from(hexKey, 'hex'),
        Buffer.from(hexKey.slice(0, 16), 'utf8'),
      );
      return Buffer.concat([d.update(Buffer.from(content, 'hex')), d.final()]).toString('utf8');
    } catch {
      return content;
    }
  },
};
