import { errors, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../core/clock';
import { Unauthenticated } from '../core/errors';

type Alg = 'HS256' | 'HS384' | 'HS512';

/** The constant header segments Nacos emits and accepts (spec §E.2). */
const HEADERS: Record<Alg, string> = {
  HS256: 'eyJhbGciOiJIUzI1NiJ9',
  HS384: 'eyJhbGciOiJIUzM4NCJ9',
  HS512: 'eyJhbGciOiJIUzUxMiJ9',
};

/** Nacos picks the HMAC by key length: < 384 bits HS256, < 512 HS384, else HS512. */
export function algorithmFor(key: Uint8Array): Alg {
  const bits = key.length * 8;
  return bits < 384 ? 'HS256' : bits < 512 ? 'HS384' : 'HS512';
}

export interface VerifiedToken {
  username: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/**
 * Nacos-format JWTs (`{"alg":…}` header, `{"sub","exp"}` payload) made and checked with jose.
 * Messages of the thrown Unauthenticated errors are Nacos' AccessException texts.
 */
export class TokenService {
  readonly alg: Alg;
  private readonly key: Uint8Array;

  constructor(
    base64Key: string,
    readonly expireSeconds: number,
    private readonly clock: Clock,
  ) {
    this.key = new Uint8Array(Buffer.from(base64Key, 'base64'));
    if (this.key.length < 32) throw new Error('token secret key must decode to at least 32 bytes');
    this.alg = algorithmFor(this.key);
  }

  async issue(username: string): Promise<{ token: string; exp: number }> {
    const exp = Math.floor(this.clock.now() / 1000) + this.expireSeconds;
    const token = await new SignJWT({ sub: username, exp })
      .setProtectedHeader({ alg: this.alg })
      .sign(this.key);
    return { token, exp };
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (!token) throw new Unauthenticated('user not found!');
    const parts = token.split('.');
    if (parts.length !== 3) throw new Unauthenticated('token invalid!');
    if (parts[0] !== HEADERS[this.alg]) throw new Unauthenticated('unsupported signature algorithm');
    let payload: { sub?: unknown; exp?: unknown };
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [this.alg],
        currentDate: new Date(this.clock.now()),
      }));
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new Unauthenticated('token expired!');
      if (e instanceof errors.JWSSignatureVerificationFailed) throw new Unauthenticated('Invalid signature');
      throw new Unauthenticated('token invalid!');
    }
    if (typeof payload.sub !== 'string' || !payload.sub || typeof payload.exp !== 'number')
      throw new Unauthenticated('token invalid!');
    return { username: payload.sub, exp: payload.exp };
  }
}
