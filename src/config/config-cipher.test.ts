import { expect, test } from 'bun:test';
import { createDecipheriv } from 'node:crypto';
import { aesCipher } from './config-cipher';

test('aes cipher round-trips and matches the Nacos aes plugin format', () => {
  expect(aesCipher.applies('cipher-aes-db.properties')).toBe(true);
  expect(aesCipher.applies('cipher-db')).toBe(false);
  expect(aesCipher.applies('db')).toBe(false);
  const { content, encryptedDataKey } = aesCipher.encrypt('password=s3cret ✓');
  expect(content).toMatch(/^[0-9a-f]+$/);
  const hexKey = Buffer.from(encryptedDataKey, 'base64').toString('utf8');
  expect(hexKey).toMatch(/^[0-9a-f]{32}$/);
  // Independent decryption with the plugin's rules: key = hex bytes, IV = first 16 hex chars.
  const d = createDecipheriv('aes-128-cbc', Buffer.from(hexKey, 'hex'), Buffer.from(hexKey.slice(0, 16)));
  expect(Buffer.concat([d.update(Buffer.from(content, 'hex')), d.final()]).toString()).toBe(
    'password=s3cret ✓',
  );
  expect(aesCipher.decrypt(encryptedDataKey, content)).toBe('password=s3cret ✓');
  expect(aesCipher.decrypt('', 'plain')).toBe('plain');
  expect(aesCipher.decrypt(encryptedDataKey, 'zz-not-hex')).toBe('zz-not-hex');
});
