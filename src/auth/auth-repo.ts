import type { PermissionRecord, RoleBinding, UserRecord } from './auth-model';

/**
 * Durable users/roles/permissions over the Nacos tables. Inserts of an existing row throw
 * AlreadyExists; deletes report whether a row was removed.
 */
export interface AuthRepo {
  listUsers(): Promise<UserRecord[]>;
  listRoles(): Promise<RoleBinding[]>;
  listPermissions(): Promise<PermissionRecord[]>;
  insertUser(u: UserRecord): Promise<void>;
  updatePassword(username: string, hash: string): Promise<boolean>;
  /** Deletes the user and its role bindings in one transaction. */
  deleteUser(username: string): Promise<boolean>;
  insertRole(b: RoleBinding): Promise<void>;
  /** Without `username`: the role for every user, and the role's permissions. */
  deleteRole(role: string, username?: string): Promise<number>;
  insertPermission(p: PermissionRecord): Promise<void>;
  deletePermission(p: PermissionRecord): Promise<boolean>;
}
