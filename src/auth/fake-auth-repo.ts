import { AlreadyExists } from '../core/errors';
import {
  type PermissionRecord,
  permissionKey,
  type RoleBinding,
  roleKey,
  type UserRecord,
} from './auth-model';
import type { AuthRepo } from './auth-repo';

/** In-memory AuthRepo for unit tests; same duplicate/delete semantics as the SQL repo. */
export class FakeAuthRepo implements AuthRepo {
  readonly users = new Map<string, UserRecord>();
  readonly roles = new Map<string, RoleBinding>();
  readonly permissions = new Map<string, PermissionRecord>();

  async listUsers() {
    return [...this.users.values()];
  }
  async listRoles() {
    return [...this.roles.values()];
  }
  async listPermissions() {
    return [...this.permissions.values()];
  }
  async insertUser(u: UserRecord) {
    if (this.users.has(u.username)) throw new AlreadyExists(`user ${u.username} already exists`);
    this.users.set(u.username, { ...u });
  }
  async updatePassword(username: string, hash: string) {
    const u = this.users.get(username);
    if (u) u.password = hash;
    return u !== undefined;
  }
  async deleteUser(username: string) {
    for (const [k, b] of this.roles) if (b.username === username) this.roles.delete(k);
    return this.users.delete(username);
  }
  async insertRole(b: RoleBinding) {
    if (this.roles.has(roleKey(b))) throw new AlreadyExists('role binding already exists');
    this.roles.set(roleKey(b), { ...b });
  }
  async deleteRole(role: string, username?: string) {
    let n = 0;
    for (const [k, b] of this.roles)
      if (b.role === role && (username === undefined || b.username === username)) {
        this.roles.delete(k);
        n++;
      }
    return n;
  }
  async insertPermission(p: PermissionRecord) {
    if (this.permissions.has(permissionKey(p))) throw new AlreadyExists('permission already exists');
    this.permissions.set(permissionKey(p), { ...p });
  }
  async deletePermission(p: PermissionRecord) {
    return this.permissions.delete(permissionKey(p));
  }
}
