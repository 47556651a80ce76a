import { join } from 'node:path';
import { TokenService } from '../../src/auth/token';
import { FakeClock } from '../../src/core/clock';
import { form } from './server';

/** A valid 32-byte test secret (never a default). */
export const TEST_SECRET = Buffer.from('batata-test-secret-key-32-bytes!!').toString('base64');
export const ADMIN_PASSWORD = 'Adm1n-test-pass';

/** Settings for an auth-enabled test server with the `nacos` admin created at start. */
export const AUTH_ON = {
  'nacos.core.auth.enabled': true,
  'nacos.core.auth.plugin.nacos.token.secret.key': TEST_SECRET,
  'nacos.core.auth.admin.password': ADMIN_PASSWORD,
};

export async function login(nacos: string, username: string, password: string): Promise<string> {
  const r = await form('POST', `${nacos}/v1/auth/login`, { username, password });
  if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${r.text}`);
  return JSON.parse(r.text).accessToken;
}

/** A token signed with the server key that expired an hour ago. */
export async function expiredToken(username: string, secret = TEST_SECRET): Promise<string> {
  const past = new TokenService(secret, 60, new FakeClock(Date.now() - 3_600_000));
  return (await past.issue(username)).token;
}

/** A well-formed token for `username` signed with a different key. */
export async function foreignToken(username: string): Promise<string> {
  const other = new TokenService(Buffer.alloc(32, 42).toString('base64'), 3600, new FakeClock(Date.now()));
  return (await other.issue(username)).token;
}

/** Self-signed cert + key for 127.0.0.1 (openssl is part of the build image). */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = Bun.spawnSync(
    [
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stderr: 'pipe' },
  );
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  return { cert, key };
}
