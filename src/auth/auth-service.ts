import { AlreadyExists, Conflict, InvalidArgument, NotFound } from '../core/errors';
import type { Logger } from '../core/log';
import type { StateStore, Table, WriteContext } from '../state';
import {
  DEFAULT_ADMIN_USER,
  GLOBAL_ADMIN_ROLE,
  PERMISSIONS_TABLE,
  type PermissionRecord,
  permissionKey,
  ROLES_TABLE,
  type RoleBinding,
  roleKey,
  USERS_TABLE,
  type UserRecord,
} from './auth-model';
import type { AuthRepo } from './auth-repo';
import { DUMMY_HASH, hashPassword, randomPassword, verifyPassword } from './password';
import { isValidAction } from './rbac';

export type SearchMode = 'accurate' | 'blur';

const NAME_RE = /^[^\s\u0000-\u001f:]{1,50}$/;

function checkName(kind: string, v: string) {
  if (!NAME_RE.test(v))
    throw new InvalidArgument(
      `${kind} '${v}' is invalid: 1-50 characters, no spaces, colons or control characters`,
    );
}

function matches(mode: SearchMode, value: string, wanted: string): boolean {
  if (!wanted) return true;
  return mode === 'blur' ? value.includes(wanted.replaceAll('*', '')) : value === wanted;
}

/**
 * Users, role bindings and permissions: durable in the Nacos tables, served from the shared state
 * (tables `auth.users`, `auth.roles`, `auth.permissions`). `reload()` re-reads the database so
 * writes made by other nodes (or by Nacos itself) become visible.
 */
export class AuthService {
  readonly users: Table<UserRecord>;
  readonly roles: Table<RoleBinding>;
  readonly permissions: Table<PermissionRecord>;
  private readonly listeners = new Set<() => void>();
  private indexCacheAt = -1;
  private rolesByUser = new Map<string, string[]>();
  private permsByRole = new Map<string, PermissionRecord[]>();

  constructor(
    private readonly state: StateStore,
    private readonly repo: AuthRepo,
    private readonly log: Logger,
  ) {
    this.users = state.table(USERS_TABLE);
    this.roles = state.table(ROLES_TABLE);
    this.permissions = state.table(PERMISSIONS_TABLE);
  }

  async load(): Promise<void> {
    const [users, roles, perms] = await Promise.all([
      this.repo.listUsers(),
      this.repo.listRoles(),
      this.repo.listPermissions(),
    ]);
    this.state.applyNow((w) => this.stageAll(w, users, roles, perms));
  }

  /** Re-reads the tables and applies only the differences. */
  async reload(): Promise<void> {
    const [users, roles, perms] = await Promise.all([
      this.repo.listUsers(),
      this.repo.listRoles(),
      this.repo.listPermissions(),
    ]);
    let changed = false;
    await this.state.write((w) => {
      changed = this.stageAll(w, users, roles, perms);
    });
    if (changed) this.notify();
  }

  private stageAll(w: WriteContext, users: UserRecord[], roles: RoleBinding[], perms: PermissionRecord[]) {
    let changed = false;
    const sync = <V>(table: Table<V>, rows: V[], keyOf: (v: V) => string, same: (a: V, b: V) => boolean) => {
      const seen = new Set<string>();
      for (const r of rows) {
        const k = keyOf(r);
        seen.add(k);
        const cur = table.get(k);
        if (!cur || !same(cur.value, r)) {
          w.put(table, k, r);
          changed = true;
        }
      }
      for (const k of table.keys())
        if (!seen.has(k)) {
          w.delete(table, k);
          changed = true;
        }
    };
    sync(
      this.users,
      users,
      (u) => u.username,
      (a, b) => a.password === b.password && a.enabled === b.enabled,
    );
    sync(this.roles, roles, roleKey, () => true);
    sync(this.permissions, perms, permissionKey, () => true);
    return changed;
  }

  /** Called after any change to users or roles (caches of verified credentials subscribe). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  private notify() {
    for (const fn of this.listeners) fn();
  }

  private indexes() {
    const at = Math.max(this.roles.index(), this.permissions.index());
    if (at !== this.indexCacheAt) {
      const byUser = new Map<string, string[]>();
      for (const { value } of this.roles.values()) {
        const l = byUser.get(value.username) ?? [];
        l.push(value.role);
        byUser.set(value.username, l);
      }
      const byRole = new Map<string, PermissionRecord[]>();
      for (const { value } of this.permissions.values()) {
        const l = byRole.get(value.role) ?? [];
        l.push(value);
        byRole.set(value.role, l);
      }
      this.rolesByUser = byUser;
      this.permsByRole = byRole;
      this.indexCacheAt = at;
    }
    return { byUser: this.rolesByUser, byRole: this.permsByRole };
  }

  getUser(username: string): UserRecord | undefined {
    return this.users.get(username)?.value;
  }
  rolesOf(username: string): string[] {
    return this.indexes().byUser.get(username) ?? [];
  }
  isGlobalAdmin(username: string): boolean {
    return this.rolesOf(username).includes(GLOBAL_ADMIN_ROLE);
  }
  /** Every permission of every role of the user. */
  permissionsOf(username: string): PermissionRecord[] {
    const { byRole } = this.indexes();
    return this.rolesOf(username).flatMap((r) => byRole.get(r) ?? []);
  }
  admins(): string[] {
    return [...this.roles.values()]
      .filter((e) => e.value.role === GLOBAL_ADMIN_ROLE && this.users.has(e.value.username))
      .map((e) => e.value.username);
  }

  /**
   * Checks a password in roughly constant time: a missing or disabled user still costs one
   * BCrypt verification against a dummy hash.
   */
  async checkPassword(username: string, password: string): Promise<boolean> {
    const u = this.getUser(username);
    const ok = await verifyPassword(password, u?.password ?? DUMMY_HASH);
    return ok && u?.enabled === true;
  }

  listUsers(mode: SearchMode, username: string): UserRecord[] {
    return [...this.users.values()]
      .map((e) => e.value)
      .filter((u) => matches(mode, u.username, username))
      .sort((a, b) => a.username.localeCompare(b.username));
  }
  listRoles(mode: SearchMode, username: string, role: string): RoleBinding[] {
    return [...this.roles.values()]
      .map((e) => e.value)
      .filter((b) => matches(mode, b.username, username) && matches(mode, b.role, role))
      .sort((a, b) => a.role.localeCompare(b.role) || a.username.localeCompare(b.username));
  }
  listPermissions(mode: SearchMode, role: string): PermissionRecord[] {
    return [...this.permissions.values()]
      .map((e) => e.value)
      .filter((p) => matches(mode, p.role, role))
      .sort((a, b) => a.role.localeCompare(b.role) || a.resource.localeCompare(b.resource));
  }
  roleNames(): string[] {
    return [...new Set([...this.roles.values()].map((e) => e.value.role))].sort();
  }

  async createUser(username: string, password: string): Promise<void> {
    checkName('username', username);
    if (!password) throw new InvalidArgument('password must not be empty');
    // Refused before the (deliberately slow) hash; checked again in the write against a racing create.
    if (this.users.has(username)) throw new AlreadyExists(`user '${username}' already exist!`);
    const hash = await hashPassword(password);
    await this.state.write(async (w) => {
      if (this.users.has(username)) throw new AlreadyExists(`user '${username}' already exist!`);
      const u = { username, password: hash, enabled: true };
      await this.repo.insertUser(u);
      w.put(this.users, username, u);
    });
    this.notify();
  }

  async updatePassword(username: string, password: string): Promise<void> {
    if (!password) throw new InvalidArgument('password must not be empty');
    if (!this.getUser(username)) throw new NotFound(`user ${username} not exist!`);
    const hash = await hashPassword(password);
    await this.state.write(async (w) => {
      const cur = this.getUser(username);
      if (!cur) throw new NotFound(`user ${username} not exist!`);
      await this.repo.updatePassword(username, hash);
      w.put(this.users, username, { ...cur, password: hash });
    });
    this.notify();
  }

  async deleteUser(username: string): Promise<void> {
    await this.state.write(async (w) => {
      if (this.isGlobalAdmin(username) && this.admins().length <= 1)
        throw new InvalidArgument(
          `cannot delete admin: ${username} is the last user with ${GLOBAL_ADMIN_ROLE}`,
        );
      await this.repo.deleteUser(username);
      if (this.users.has(username)) w.delete(this.users, username);
      for (const role of this.rolesOf(username)) w.delete(this.roles, roleKey({ username, role }));
    });
    this.notify();
  }

  async addRole(role: string, username: string): Promise<void> {
    checkName('role', role);
    await this.state.write(async (w) => {
      if (!this.users.has(username)) throw new InvalidArgument(`user '${username}' not found!`);
      const b = { username, role };
      if (this.roles.has(roleKey(b)))
        throw new AlreadyExists(`user '${username}' already bound to the role '${role}'!`);
      await this.repo.insertRole(b);
      w.put(this.roles, roleKey(b), b);
    });
    this.notify();
  }

  /** Without `username` the role is removed from every user. The last admin keeps ROLE_ADMIN. */
  async deleteRole(role: string, username?: string): Promise<void> {
    await this.state.write(async (w) => {
      const bound = this.listRoles('accurate', username ?? '', role).filter((b) => b.role === role);
      if (role === GLOBAL_ADMIN_ROLE) {
        const remaining = this.admins().filter((a) => !bound.some((b) => b.username === a));
        if (remaining.length === 0)
          throw new Conflict(`role '${GLOBAL_ADMIN_ROLE}' cannot be removed from the last admin`);
      }
      await this.repo.deleteRole(role, username);
      for (const b of bound) w.delete(this.roles, roleKey(b));
    });
    this.notify();
  }

  async addPermission(role: string, resource: string, action: string): Promise<void> {
    if (!isValidAction(action)) throw new InvalidArgument(`action must be r, w or rw, got '${action}'`);
    if (!resource || resource.length > 128) throw new InvalidArgument('resource must be 1-128 characters');
    await this.state.write(async (w) => {
      if (!this.roleNames().includes(role)) throw new InvalidArgument(`role ${role} not found!`);
      const p = { role, resource, action };
      if (this.permissions.has(permissionKey(p)))
        throw new AlreadyExists(`permission ${action} on ${resource} already granted to ${role}`);
      await this.repo.insertPermission(p);
      w.put(this.permissions, permissionKey(p), p);
    });
  }

  async deletePermission(role: string, resource: string, action: string): Promise<void> {
    const p = { role, resource, action };
    await this.state.write(async (w) => {
      await this.repo.deletePermission(p);
      if (this.permissions.has(permissionKey(p))) w.delete(this.permissions, permissionKey(p));
    });
  }

  /** Nacos `isDuplicatePermission`: same resource and the same action (or `rw`) already granted. */
  isDuplicatePermission(role: string, resource: string, action: string): boolean {
    return this.listPermissions('accurate', role).some(
      (p) => p.role === role && p.resource === resource && (p.action === action || p.action === 'rw'),
    );
  }

  /**
   * First-run admin: creates `nacos` with ROLE_ADMIN when no admin exists. Conflict (409 "have
   * admin user cannot use it.") otherwise. Returns the password (generated when not given).
   */
  async initAdmin(password?: string): Promise<{ username: string; password: string }> {
    const pass = password || randomPassword();
    const hash = await hashPassword(pass);
    await this.state.write(async (w) => {
      if (this.admins().length > 0) throw new Conflict('have admin user cannot use it.');
      const username = DEFAULT_ADMIN_USER;
      const existing = this.getUser(username);
      const u = { username, password: hash, enabled: true };
      if (existing) await this.repo.updatePassword(username, hash);
      else await this.repo.insertUser(u);
      const b = { username, role: GLOBAL_ADMIN_ROLE };
      if (!this.roles.has(roleKey(b))) await this.repo.insertRole(b);
      w.put(this.users, username, u);
      w.put(this.roles, roleKey(b), b);
    });
    this.log.info('admin user initialised', { username: DEFAULT_ADMIN_USER });
    this.notify();
    return { username: DEFAULT_ADMIN_USER, password: pass };
  }
}
