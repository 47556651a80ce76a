/**
 * Nacos-compatible BCrypt (cost 10). Hashes are written with the `$2a$` prefix Nacos' Spring
 * BCryptPasswordEncoder produces (`$2a$` and `$2b$` are the same algorithm for our inputs), so a
 * `users` table stays readable by Nacos itself.
 */
export async function hashPassword(plain: string): Promise<string> {
  const h = await Bun.password.hash(plain, { algorithm: 'bcrypt', cost: 10 });
  return h.replace(/^\$2[by]\$/, '$2a$');
}

/** Constant-time check of a plain password against a stored BCrypt hash; false for a malformed hash. */
export async function verifyPassword(plain: string, hash: string): Promise<boolean> {
  if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return false;
  try {
    return await Bun.password.verify(plain, hash, 'bcrypt');
  } catch {
    return false;
  }
}

/** A hash no password matches, verified against when the user does not exist (equal timing). */
export const DUMMY_HASH = '$2a$10$EuWPZHzz32dJN7jexM34MOeYirDdFAZm2kuWj7VEOJhhZkDrxfvUx';

/** Random password for first-run admin initialisation without one given. */
export function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return Buffer.from(bytes).toString('base64url');
}
