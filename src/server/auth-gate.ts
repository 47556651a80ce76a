import type { AuthDecl } from '../http/route-meta';

/**
 * The one authorization entry point every transport calls (HTTP guard, gRPC handler wrapper,
 * Consul adapter). Implemented by the auth domain; absent or disabled means "allow".
 */
export interface AuthGate {
  /** `nacos.core.auth.enabled`: when false, `authorize` allows open/client resources. */
  readonly enabled: boolean;
  /**
   * Resolves with the caller's identity when allowed; throws Unauthenticated (no/invalid/expired
   * token) or PermissionDenied (valid user without the permission). A non-empty `creds.ip` counts
   * one request against the per-client rate limit; `via` (`METHOD /path`) goes to the audit log.
   */
  authorize(decl: AuthDecl, resource: ResourceRef, creds: Credentials, via?: string): Promise<AuthResult>;
  /** True when `authorize` would allow without looking at the request (callers may skip it). */
  trivial?(decl: AuthDecl): boolean;
}

/** What is being accessed, already extracted from the request by the transport. */
export interface ResourceRef {
  /** Internal namespace id (`public` for the default). */
  namespaceId?: string;
  group?: string;
  /** dataId, service name (without group), KV key, … */
  name?: string;
}

/** Credentials as found on the request (spec §E.3 precedence is applied by the auth domain). */
export interface Credentials {
  /** Value of `Authorization: Bearer …` (without the prefix). */
  bearer?: string;
  /** `accessToken` header / query / form / gRPC metadata, or Consul `X-Consul-Token` / `?token=`. */
  accessToken?: string;
  username?: string;
  password?: string;
  /** All request headers (lower-cased names) for the server-identity check. */
  headers: Record<string, string | undefined>;
  ip: string;
}

export interface AuthResult {
  username?: string;
  globalAdmin?: boolean;
  /** True when the call came from a cluster member (server identity matched). */
  member?: boolean;
}
