/** Users, roles and permissions as stored in Nacos' `users`, `roles` and `permissions` tables (spec §F). */
export interface UserRecord {
  username: string;
  /** BCrypt hash (`$2a$10$…`), compatible with Nacos. */
  password: string;
  enabled: boolean;
}

export interface RoleBinding {
  username: string;
  role: string;
}

export interface PermissionRecord {
  role: string;
  /** Pattern `namespace:group:type/name`, `*` as wildcard (spec §E.5). */
  resource: string;
  /** `r`, `w` or `rw`. */
  action: string;
}

/** Nacos `AuthConstants.GLOBAL_ADMIN_ROLE`: bypasses every check. */
export const GLOBAL_ADMIN_ROLE = 'ROLE_ADMIN';
/** Nacos `AuthConstants.DEFAULT_USER`. */
export const DEFAULT_ADMIN_USER = 'nacos';

export const USERS_TABLE = 'auth.users';
export const ROLES_TABLE = 'auth.roles';
export const PERMISSIONS_TABLE = 'auth.permissions';

export const roleKey = (b: RoleBinding) => `${b.username}\u0000${b.role}`;
export const permissionKey = (p: PermissionRecord) => `${p.role}\u0000${p.resource}\u0000${p.action}`;

/** Nacos `Page<T>` JSON. */
export interface Page<T> {
  totalCount: number;
  pageNumber: number;
  pagesAvailable: number;
  pageItems: T[];
}

export function page<T>(items: T[], pageNo: number, pageSize: number): Page<T> {
  const size = Math.max(1, pageSize);
  const no = Math.max(1, pageNo);
  return {
    totalCount: items.length,
    pageNumber: no,
    pagesAvailable: Math.ceil(items.length / size),
    pageItems: items.slice((no - 1) * size, no * size),
  };
}
