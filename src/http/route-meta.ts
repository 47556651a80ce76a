/**
 * Every HTTP route declares who may call it, as data in its OpenAPI `detail`
 * (`x-batata-auth`). The auth guard reads the declaration; a test walks the route table and fails
 * on any route without one.
 */
export type AuthDecl =
  /** Anyone, even with auth enabled (health, login, metrics). */
  | { open: true }
  /** A Nacos resource checked against RBAC (spec §E.5); `type` selects how the resource is read from params. */
  | {
      resource: 'config' | 'naming' | 'consul-kv' | 'consul-service' | 'consul-session' | 'consul-agent';
      action: 'r' | 'w';
      api?: 'client' | 'admin' | 'console';
    }
  /** Console/admin-only resources (`console/users`, namespaces, cluster management): ROLE_ADMIN or read-only. */
  | { admin: string; action: 'r' | 'w' }
  /** Member-to-member calls: server identity header required. */
  | { inner: true };

export interface RouteDetail {
  summary: string;
  tags?: string[];
  description?: string;
  'x-batata-auth': AuthDecl;
  /**
   * The handler authorizes the declaration itself (with names only it can read, e.g. each op of
   * a Consul txn) through the same auth gate; the HTTP guard leaves the route alone, so every
   * request is checked once.
   */
  'x-batata-auth-in-handler'?: true;
  [k: string]: unknown;
}

/** Route `detail` with its auth declaration: `{ detail: route('Get config', { resource: 'config', action: 'r' }) }`. */
export function route(summary: string, auth: AuthDecl, extra: Partial<RouteDetail> = {}): RouteDetail {
  return { summary, ...extra, 'x-batata-auth': auth };
}

export const OPEN: AuthDecl = { open: true };
