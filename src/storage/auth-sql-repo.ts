import { sql } from 'drizzle-orm';
import type { PermissionRecord, RoleBinding, UserRecord } from '../auth/auth-model';
import type { AuthRepo } from '../auth/auth-repo';
import { AlreadyExists } from '../core/errors';
import type { Db, SqlRunner } from './db';

/** True for a unique/primary-key violation on either dialect. */
export function isDuplicateKey(e: unknown): boolean {
  let cur: any = e;
  for (let i = 0; cur && i < 5; i++, cur = cur.cause) {
    const code = String(cur.code ?? '');
    if (
      code === 'ER_DUP_ENTRY' ||
      code.startsWith('SQLITE_CONSTRAINT_UNIQUE') ||
      code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    )
      return true;
    if (/UNIQUE constraint failed|Duplicate entry/i.test(String(cur.message ?? ''))) return true;
  }
  return false;
}

async function insertOnce(db: SqlRunner, q: ReturnType<typeof sql>, what: string) {
  try {
    await db.run(q);
  } catch (e) {
    if (isDuplicateKey(e)) throw new AlreadyExists(`${what} already exists`);
    throw e;
  }
}

/** Nacos' `users`, `roles`, `permissions` tables, shared with an existing Nacos database. */
export class SqlAuthRepo implements AuthRepo {
  constructor(private readonly db: Db) {}

  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.db.all<{ username: string; password: string; enabled: unknown }>(
      sql`SELECT username, password, enabled FROM users ORDER BY username`,
    );
    return rows.map((r) => ({
      username: r.username,
      password: r.password,
      enabled: r.enabled === true || Number(r.enabled) === 1,
    }));
  }

  listRoles(): Promise<RoleBinding[]> {
    return this.db.all<RoleBinding>(sql`SELECT username, role FROM roles ORDER BY role, username`);
  }

  listPermissions(): Promise<PermissionRecord[]> {
    return this.db.all<PermissionRecord>(
      sql`SELECT role, resource, action FROM permissions ORDER BY role, resource, action`,
    );
  }

  insertUser(u: UserRecord): Promise<void> {
    return insertOnce(
      this.db,
      sql`INSERT INTO users (username, password, enabled) VALUES (${u.username}, ${u.password}, ${u.enabled ? 1 : 0})`,
      `user ${u.username}`,
    );
  }

  async updatePassword(username: string, hash: string): Promise<boolean> {
    const r = await this.db.run(sql`UPDATE users SET password = ${hash} WHERE username = ${username}`);
    return r.changes > 0;
  }

  deleteUser(username: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM roles WHERE username = ${username}`);
      const r = await tx.run(sql`DELETE FROM users WHERE username = ${username}`);
      return r.changes > 0;
    });
  }

  insertRole(b: RoleBinding): Promise<void> {
    return insertOnce(
      this.db,
      sql`INSERT INTO roles (username, role) VALUES (${b.username}, ${b.role})`,
      `role ${b.role} of user ${b.username}`,
    );
  }

  async deleteRole(role: string, username?: string): Promise<number> {
    const r =
      username === undefined
        ? await this.db.run(sql`DELETE FROM roles WHERE role = ${role}`)
        : await this.db.run(sql`DELETE FROM roles WHERE role = ${role} AND username = ${username}`);
    return r.changes;
  }

  insertPermission(p: PermissionRecord): Promise<void> {
    return insertOnce(
      this.db,
      sql`INSERT INTO permissions (role, resource, action) VALUES (${p.role}, ${p.resource}, ${p.action})`,
      `permission ${p.action} on ${p.resource} for role ${p.role}`,
    );
  }

  async deletePermission(p: PermissionRecord): Promise<boolean> {
    const r = await this.db.run(
      sql`DELETE FROM permissions WHERE role = ${p.role} AND resource = ${p.resource} AND action = ${p.action}`,
    );
    return r.changes > 0;
  }
}
