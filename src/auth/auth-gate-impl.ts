import type { Clock } from '../core/clock';
import { isBatataError, PermissionDenied, RateLimited, Unauthenticated } from '../core/errors';
import type { Logger } from '../core/log';
import { safeEqual } from '../core/safe-equal';
import type { AuthDecl } from '../http/route-meta';
import type { AuthGate, AuthResult, Credentials, ResourceRef } from '../server/auth-gate';
import type { AuditLog } from './audit-log';
import type { AuthMetrics } from './auth-metrics';
import type { AuthService } from './auth-service';
import { ClientRateLimiter, LoginLimiter, LruCache } from './rate-limit';
import { grants, type ResourceType, renderResource } from './rbac';
import type { TokenService } from './token';

/** `admin` declaration of the password-change endpoint: any authenticated user (self-service). */
export const PASSWORD_ENTRY = 'user/password';

/** Nacos AccessException text for a wrong username or password (login and direct credentials). */
export const BAD_CREDENTIALS = 'User not found! Please check user exist or password is right!';

const INVALID_IDENTITY =
  'Invalid server identity key or value, Please make sure set `nacos.core.auth.server.identity.key` and `nacos.core.auth.server.identity.value`';

export interface AuthGateOptions {
  enabled: boolean;
  adminEnabled: boolean;
  consoleEnabled: boolean;
  identityKey: string;
  identityValue: string;
  tokenCacheSize: number;
  login: { maxAttempts: number; windowMs: number; lockoutMs: number };
  rateLimit: { rps: number; burst: number };
}

export { safeEqual };

/** How a declared resource kind renders into the RBAC model (documented in README "Authentication"). */
const TYPE_OF: Record<string, ResourceType> = {
  config: 'config',
  naming: 'naming',
  'consul-kv': 'kv',
  'consul-service': 'naming',
  'consul-session': 'session',
  'consul-agent': 'agent',
};

/** The rendered resource a declaration + reference stand for, as written to the audit log. */
export function describeResource(decl: AuthDecl, ref: ResourceRef): string {
  if ('resource' in decl) return renderResource(TYPE_OF[decl.resource] ?? 'config', ref);
  if ('admin' in decl) return `console/${decl.admin}`;
  if ('inner' in decl) return 'inner';
  return 'open';
}

/**
 * The auth domain's AuthGate: token/credential authentication (spec §E.2-E.3), server identity
 * (§E.6), RBAC (§E.5), login lockout, per-client rate limiting and the audit trail. One instance
 * serves every transport.
 */
export class RbacAuthGate implements AuthGate {
  readonly enabled: boolean;
  readonly loginLimiter: LoginLimiter;
  /** Password spraying: failures for any user from one address, ten times the per-user limit. */
  private readonly addressLimiter: LoginLimiter;
  private readonly rateLimiter: ClientRateLimiter;
  private readonly tokenCache: LruCache<{ username: string; exp: number }>;
  private readonly credentialCache = new LruCache<{ username: string; until: number }>(10_000);
  private readonly unsubscribe: () => void;

  constructor(
    private readonly opts: AuthGateOptions,
    readonly service: AuthService,
    /** Undefined when auth is disabled and no secret key is configured (tokens are `AUTH_DISABLED`). */
    readonly tokens: TokenService | undefined,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics?: AuthMetrics,
  ) {
    this.enabled = opts.enabled;
    this.loginLimiter = new LoginLimiter(opts.login, clock);
    this.addressLimiter = new LoginLimiter(
      { ...opts.login, maxAttempts: opts.login.maxAttempts * 10 },
      clock,
    );
    this.rateLimiter = new ClientRateLimiter(opts.rateLimit.rps, opts.rateLimit.burst, clock);
    this.tokenCache = new LruCache(opts.tokenCacheSize);
    this.unsubscribe = service.onChange(() => this.credentialCache.clear());
  }

  dispose() {
    this.unsubscribe();
  }

  /** True when `authorize` would allow without looking at the request (lets transports skip extraction). */
  trivial(decl: AuthDecl): boolean {
    if (this.rateLimiter.enabled) return false;
    if ('open' in decl) return true;
    if (this.enabled || 'inner' in decl) return false;
    // Auth off: reads are never audited; resource writes only need the audit line.
    return decl.action === 'r' || ('resource' in decl && !this.audit.enabled);
  }

  async authorize(decl: AuthDecl, ref: ResourceRef, creds: Credentials, via?: string): Promise<AuthResult> {
    // An empty address is a transport re-checking an already admitted request: not counted again.
    if (creds.ip && !this.rateLimiter.take(creds.ip)) {
      this.metrics?.denied.inc({ reason: 'rate_limited' });
      throw new RateLimited('too many requests from this client, slow down');
    }
    if ('open' in decl) return {};
    const action = 'action' in decl ? decl.action : 'w';
    try {
      const res = await this.decide(decl, ref, creds);
      if (action === 'w')
        this.audit.record({
          user: res.username ?? (res.member ? 'cluster-member' : 'anonymous'),
          action,
          resource: describeResource(decl, ref),
          ip: creds.ip,
          decision: 'allow',
          via,
        });
      return res;
    } catch (e) {
      if (isBatataError(e)) this.metrics?.denied.inc({ reason: e.kind });
      if (isBatataError(e))
        this.audit.record({
          user: creds.username ?? 'anonymous',
          action,
          resource: describeResource(decl, ref),
          ip: creds.ip,
          decision: 'deny',
          reason: e.message,
          via,
        });
      throw e;
    }
  }

  private checksApply(decl: AuthDecl): boolean {
    if (!this.enabled) return false;
    if ('resource' in decl) {
      if (decl.api === 'admin') return this.opts.adminEnabled;
      if (decl.api === 'console') return this.opts.consoleEnabled;
      return true;
    }
    if ('admin' in decl) return this.opts.adminEnabled;
    return true;
  }

  private identityMatches(headers: Record<string, string | undefined>): boolean {
    const { identityKey, identityValue } = this.opts;
    if (!identityKey || !identityValue) return false;
    const got = headers[identityKey.toLowerCase()];
    return got !== undefined && safeEqual(got, identityValue);
  }

  private async decide(decl: AuthDecl, ref: ResourceRef, creds: Credentials): Promise<AuthResult> {
    if (this.identityMatches(creds.headers)) return { member: true };
    if ('inner' in decl && !this.enabled) {
      if (!this.opts.identityKey) return {}; // standalone with auth off: nobody to tell apart
      throw new PermissionDenied(INVALID_IDENTITY);
    }
    if (!this.checksApply(decl)) return {};
    const user = await this.authenticate(creds);
    if (user.globalAdmin) return user;
    if ('admin' in decl && decl.admin === PASSWORD_ENTRY) return user;
    if ('inner' in decl || 'admin' in decl) throw new PermissionDenied('authorization failed!');
    if ('resource' in decl) {
      const rendered = renderResource(TYPE_OF[decl.resource] ?? 'config', ref);
      if (grants(this.service.permissionsOf(user.username!), rendered, decl.action)) return user;
    }
    throw new PermissionDenied('authorization failed!');
  }

  /**
   * Identifies the caller (spec §E.3): `Authorization: Bearer` first, then `accessToken`, then
   * `username` + `password`. Throws Unauthenticated with Nacos' messages.
   */
  async authenticate(creds: Credentials): Promise<Required<Pick<AuthResult, 'username' | 'globalAdmin'>>> {
    const token = creds.bearer || creds.accessToken;
    let username: string;
    if (token) username = await this.verifyToken(token);
    else if (creds.username && creds.password !== undefined)
      username = await this.checkCredentials(creds.username, creds.password, creds.ip);
    else throw new Unauthenticated('user not found!');
    const u = this.service.getUser(username);
    if (!u?.enabled) throw new Unauthenticated('user not found!');
    return { username, globalAdmin: this.service.isGlobalAdmin(username) };
  }

  private async verifyToken(token: string): Promise<string> {
    if (!this.tokens) throw new Unauthenticated('token invalid!');
    const nowSec = this.clock.now() / 1000;
    const hit = this.tokenCache.get(token);
    if (hit) {
      if (hit.exp > nowSec) return hit.username;
      this.tokenCache.delete(token);
      throw new Unauthenticated('token expired!');
    }
    const v = await this.tokens.verify(token);
    this.tokenCache.set(token, v);
    return v.username;
  }

  /**
   * Username + password, with lockout. A successful check is remembered for 60 s under a hash of
   * the pair (SDKs such as the npm client send credentials on every request; BCrypt is slow).
   */
  async checkCredentials(username: string, password: string, ip: string): Promise<string> {
    const lockKey = `${ip}\u0000${username}`;
    const locked = Math.max(this.loginLimiter.lockedFor(lockKey), this.addressLimiter.lockedFor(ip));
    if (locked > 0) {
      this.metrics?.logins.inc({ result: 'locked' });
      throw new Unauthenticated(
        `too many failed logins for this user from ${ip || 'this address'}; retry in ${Math.ceil(locked / 1000)} s`,
      );
    }
    const cacheKey = new Bun.CryptoHasher('sha256').update(`${username}\u0000${password}`).digest('hex');
    const hit = this.credentialCache.get(cacheKey);
    if (hit && hit.until > this.clock.now() && hit.username === username) return username;
    if (!(await this.service.checkPassword(username, password))) {
      this.metrics?.logins.inc({ result: 'failure' });
      if (this.loginLimiter.fail(lockKey))
        this.log.warn('login locked out after repeated failures', { username, ip });
      if (this.addressLimiter.fail(ip))
        this.log.warn('client address locked out after failed logins for many users', { ip });
      throw new Unauthenticated(BAD_CREDENTIALS);
    }
    this.loginLimiter.succeed(lockKey);
    this.metrics?.logins.inc({ result: 'success' });
    this.credentialCache.set(cacheKey, { username, until: this.clock.now() + 60_000 });
    return username;
  }

  /** Login (all three endpoints): checks credentials and issues a token. */
  async login(
    username: string,
    password: string,
    ip: string,
  ): Promise<{ accessToken: string; tokenTtl: number; globalAdmin: boolean; username: string }> {
    if (!username || !password) throw new Unauthenticated(BAD_CREDENTIALS);
    await this.checkCredentials(username, password, ip);
    const globalAdmin = this.service.isGlobalAdmin(username);
    if (!this.tokens)
      return { accessToken: 'AUTH_DISABLED', tokenTtl: this.expireSeconds, globalAdmin, username };
    const { token, exp } = await this.tokens.issue(username);
    this.log.info('login', { username, ip });
    return {
      accessToken: token,
      tokenTtl: Math.max(0, exp - Math.floor(this.clock.now() / 1000)),
      globalAdmin,
      username,
    };
  }

  get expireSeconds(): number {
    return this.tokens?.expireSeconds ?? 18000;
  }

  recordAudit(...args: Parameters<AuditLog['record']>) {
    this.audit.record(...args);
  }
}
