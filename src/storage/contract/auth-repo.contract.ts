import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { AlreadyExists } from '../../core/errors';
import { SqlAuthRepo } from '../auth-sql-repo';
import type { Db } from '../db';
import { migrate } from '../migrate';

/** The AuthRepo contract, run on every dialect against the real Nacos `users`/`roles`/`permissions` tables. */
export function runAuthRepoContract(
  name: string,
  open: () => Promise<{ db: Db; cleanup?: () => Promise<void> }>,
) {
  describe(`auth repo contract: ${name}`, () => {
    let db: Db;
    let repo: SqlAuthRepo;
    let cleanup: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ db, cleanup } = await open());
      await migrate(db);
      repo = new SqlAuthRepo(db);
    });
    afterAll(async () => {
      await db.close();
      await cleanup?.();
    });

    test('reads a user row written the way Nacos seeds it', async () => {
      // The pre-2.4 Nacos schema seed, verbatim values (enabled is TRUE / 1).
      await db.run(
        sql`INSERT INTO users (username, password, enabled) VALUES ('nacos', '$2a$10$EuWPZHzz32dJN7jexM34MOeYirDdFAZm2kuWj7VEOJhhZkDrxfvUu', ${true})`,
      );
      await db.run(sql`INSERT INTO roles (username, role) VALUES ('nacos', 'ROLE_ADMIN')`);
      expect(await repo.listUsers()).toEqual([
        {
          username: 'nacos',
          password: '$2a$10$EuWPZHzz32dJN7jexM34MOeYirDdFAZm2kuWj7VEOJhhZkDrxfvUu',
          enabled: true,
        },
      ]);
      expect(await repo.listRoles()).toEqual([{ username: 'nacos', role: 'ROLE_ADMIN' }]);
    });

    test('users: insert, duplicate, password update, delete removes role bindings', async () => {
      await repo.insertUser({ username: 'alice', password: 'h1', enabled: true });
      await expect(
        repo.insertUser({ username: 'alice', password: 'h2', enabled: true }),
      ).rejects.toBeInstanceOf(AlreadyExists);
      expect(await repo.updatePassword('alice', 'h3')).toBe(true);
      expect(await repo.updatePassword('nobody', 'h3')).toBe(false);
      expect((await repo.listUsers()).find((u) => u.username === 'alice')?.password).toBe('h3');
      await repo.insertRole({ username: 'alice', role: 'dev' });
      expect(await repo.deleteUser('alice')).toBe(true);
      expect(await repo.deleteUser('alice')).toBe(false);
      expect((await repo.listRoles()).some((r) => r.username === 'alice')).toBe(false);
    });

    test('roles: unique per (username, role); delete one binding or the role for all', async () => {
      await repo.insertRole({ username: 'u1', role: 'r1' });
      await repo.insertRole({ username: 'u2', role: 'r1' });
      await repo.insertRole({ username: 'u1', role: 'r2' });
      await expect(repo.insertRole({ username: 'u1', role: 'r1' })).rejects.toBeInstanceOf(AlreadyExists);
      expect(await repo.deleteRole('r1', 'u1')).toBe(1);
      expect(await repo.deleteRole('r2')).toBe(1);
      const left = (await repo.listRoles()).filter((r) => r.username !== 'nacos');
      expect(left).toEqual([{ username: 'u2', role: 'r1' }]);
    });

    test('permissions: unique per (role, resource, action); delete exact row', async () => {
      const p = { role: 'r1', resource: 'public:*:config/*', action: 'rw' };
      await repo.insertPermission(p);
      await repo.insertPermission({ ...p, action: 'r' });
      await expect(repo.insertPermission(p)).rejects.toBeInstanceOf(AlreadyExists);
      expect(await repo.listPermissions()).toEqual([
        { role: 'r1', resource: 'public:*:config/*', action: 'r' },
        { role: 'r1', resource: 'public:*:config/*', action: 'rw' },
      ]);
      expect(await repo.deletePermission(p)).toBe(true);
      expect(await repo.deletePermission(p)).toBe(false);
      expect((await repo.listPermissions()).length).toBe(1);
    });
  });
}
