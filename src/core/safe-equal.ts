import { timingSafeEqual } from 'node:crypto';

/** Constant-time string comparison for secrets (tokens, server identity values). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
