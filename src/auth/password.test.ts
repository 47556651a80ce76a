import { describe, expect, test } from 'bun:test';
import { hashPassword, verifyPassword } from './password';

/** The `nacos` row of Nacos' mysql-schema.sql up to 2.3 (removed in 70ad2eb991): BCrypt("nacos"). */
const NACOS_SEED_HASH = '$2a$10$EuWPZHzz32dJN7jexM34MOeYirDdFAZm2kuWj7VEOJhhZkDrxfvUu';

describe('BCrypt compatibility with Nacos', () => {
  test('verifies the hash Nacos shipped for nacos/nacos', async () => {
    expect(await verifyPassword('nacos', NACOS_SEED_HASH)).toBe(true);
    expect(await verifyPassword('nacos1', NACOS_SEED_HASH)).toBe(false);
  });

  test('writes $2a$10$ hashes (what Spring BCryptPasswordEncoder reads and writes)', async () => {
    const h = await hashPassword('s3cret');
    expect(h).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
    expect(await verifyPassword('s3cret', h)).toBe(true);
    expect(await verifyPassword('s3cre', h)).toBe(false);
  });

  test('a malformed stored hash never verifies', async () => {
    expect(await verifyPassword('x', 'plaintext')).toBe(false);
    expect(await verifyPassword('', '')).toBe(false);
  });
});
