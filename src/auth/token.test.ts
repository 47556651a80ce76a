import { describe, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { FakeClock } from '../core/clock';
import { algorithmFor, TokenService } from './token';

const KEY32 = Buffer.alloc(32, 7).toString('base64');
const KEY48 = Buffer.alloc(48, 7).toString('base64');
const KEY64 = Buffer.alloc(64, 7).toString('base64');

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** Builds a token by hand exactly as Nacos' NacosJwtParser does (header constant, HMAC over the ASCII). */
function nacosToken(key: string, header: string, payload: object) {
  const body = `${header}.${b64url(JSON.stringify(payload))}`;
  const alg =
    header === 'eyJhbGciOiJIUzI1NiJ9' ? 'sha256' : header === 'eyJhbGciOiJIUzM4NCJ9' ? 'sha384' : 'sha512';
  const sig = createHmac(alg, Buffer.from(key, 'base64')).update(body).digest('base64url');
  return `${body}.${sig}`;
}

describe('Nacos JWT via jose', () => {
  test('algorithm by key length: <384 bits HS256, <512 HS384, else HS512', () => {
    expect(algorithmFor(new Uint8Array(32))).toBe('HS256');
    expect(algorithmFor(new Uint8Array(47))).toBe('HS256');
    expect(algorithmFor(new Uint8Array(48))).toBe('HS384');
    expect(algorithmFor(new Uint8Array(64))).toBe('HS512');
  });

  test('issued token has the constant header and a {sub, exp} payload', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    for (const [key, header] of [
      [KEY32, 'eyJhbGciOiJIUzI1NiJ9'],
      [KEY48, 'eyJhbGciOiJIUzM4NCJ9'],
      [KEY64, 'eyJhbGciOiJIUzUxMiJ9'],
    ] as const) {
      const t = new TokenService(key, 18000, clock);
      const { token, exp } = await t.issue('nacos');
      const [h, p] = token.split('.');
      expect(h).toBe(header);
      expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual({
        sub: 'nacos',
        exp: 1_700_018_000,
      });
      expect(exp).toBe(1_700_018_000);
      // The token is byte-identical to one Nacos would make for the same key and payload.
      expect(token).toBe(nacosToken(key, header, { sub: 'nacos', exp }));
      expect(await t.verify(token)).toEqual({ username: 'nacos', exp });
    }
  });

  test('accepts a token made the Nacos way', async () => {
    const t = new TokenService(KEY32, 60, new FakeClock(1_000_000));
    const tok = nacosToken(KEY32, 'eyJhbGciOiJIUzI1NiJ9', { sub: 'alice', exp: 2_000 });
    expect((await t.verify(tok)).username).toBe('alice');
  });

  test('rejects with Nacos messages: blank, wrong part count, other header, bad signature, expired', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const t = new TokenService(KEY32, 60, clock);
    const { token } = await t.issue('nacos');
    const reject = (tok: string) =>
      t.verify(tok).then(
        () => 'accepted',
        (e: Error) => e.message,
      );
    expect(await reject('')).toBe('user not found!');
    expect(await reject('a.b')).toBe('token invalid!');
    expect(await reject('not-a-token')).toBe('token invalid!');
    // alg:none and a JSON header with extra fields are refused by the constant-header check.
    const [, p, s] = token.split('.');
    expect(await reject(`${b64url('{"alg":"none"}')}.${p}.`)).toBe('unsupported signature algorithm');
    expect(await reject(`${b64url('{"alg":"HS256","typ":"JWT"}')}.${p}.${s}`)).toBe(
      'unsupported signature algorithm',
    );
    const other = new TokenService(Buffer.alloc(32, 9).toString('base64'), 60, clock);
    expect(await reject((await other.issue('nacos')).token)).toBe('Invalid signature');
    const forged = nacosToken(KEY32, 'eyJhbGciOiJIUzI1NiJ9', { sub: 'nacos', exp: 1 });
    expect(await reject(forged)).toBe('token expired!');
    clock.advance(61_000);
    expect(await reject(token)).toBe('token expired!');
  });

  test('refuses a key shorter than 32 bytes', () => {
    expect(() => new TokenService(Buffer.alloc(16).toString('base64'), 60, new FakeClock())).toThrow();
  });
});
