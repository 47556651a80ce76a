import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RotatingFileSink } from '../core/log';
import type { ServerContext, ServerModule } from '../server/module';
import { validateAuthSecret } from '../settings/auth-settings';
import type { Settings } from '../settings/settings';
import { SqlAuthRepo } from '../storage/auth-sql-repo';
import { AuditLog } from './audit-log';
import { RbacAuthGate } from './auth-gate-impl';
import { createAuthMetrics } from './auth-metrics';
import { nacosV1AuthRoutes, nacosV3AuthRoutes } from './auth-routes';
import { AuthService } from './auth-service';
import { createHttpGuard } from './http-guard';
import { TokenService } from './token';

/** How often users/roles/permissions are re-read from the database (writes by other nodes). */
const RELOAD_MS = 15_000;

/** Audit file: the explicit setting, else `<log.dir>/audit.log`, else none. */
export function auditFilePath(settings: Settings): string {
  const explicit = settings.str('nacos.core.auth.audit.file');
  if (explicit) return explicit;
  const dir = settings.str('log.dir');
  return dir ? join(dir, 'audit.log') : '';
}

/** PEM cert/key for Bun.serve when `server.tls.cert`/`server.tls.key` are set (also for the gRPC listener). */
export function tlsOptions(settings: Settings): { cert: string; key: string } | undefined {
  const certPath = settings.str('server.tls.cert');
  const keyPath = settings.str('server.tls.key');
  if (!certPath || !keyPath) return undefined;
  const read = (path: string, key: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${key} file ${path}: ${(e as Error).message}`);
    }
  };
  return { cert: read(certPath, 'server.tls.cert'), key: read(keyPath, 'server.tls.key') };
}

/**
 * The auth domain: users/roles/permissions service, the AuthGate every transport calls
 * (`services.auth`), the HTTP guard for `createHttpApp`, and the login/user/role/permission routes.
 * On first start with no admin, creates `nacos` from `nacos.core.auth.admin.password` or logs how to
 * initialise it; never a well-known password.
 */
export async function createAuthModule(ctx: ServerContext) {
  const { settings, clock } = ctx;
  const log = ctx.log.child('auth');
  const service = new AuthService(ctx.state, new SqlAuthRepo(ctx.db), log);
  await service.load();

  const enabled = settings.bool('nacos.core.auth.enabled');
  const secret = settings.str('nacos.core.auth.plugin.nacos.token.secret.key');
  const tokens =
    secret && !validateAuthSecret(true, secret)
      ? new TokenService(secret, settings.int('nacos.core.auth.plugin.nacos.token.expire.seconds'), clock)
      : undefined;
  const auditPath = auditFilePath(settings);
  const audit = new AuditLog(
    auditPath
      ? new RotatingFileSink(
          auditPath,
          settings.int('log.file.max-size-mb') * 1024 * 1024,
          settings.int('log.file.keep'),
        )
      : undefined,
    clock,
  );
  const gate = new RbacAuthGate(
    {
      enabled,
      adminEnabled: settings.bool('nacos.core.auth.admin.enabled'),
      consoleEnabled: settings.bool('nacos.core.auth.console.enabled'),
      identityKey: settings.str('nacos.core.auth.server.identity.key'),
      identityValue: settings.str('nacos.core.auth.server.identity.value'),
      tokenCacheSize: settings.int('nacos.core.auth.token.cache.size'),
      login: {
        maxAttempts: settings.int('nacos.core.auth.login.max-attempts'),
        windowMs: settings.int('nacos.core.auth.login.window-seconds') * 1000,
        lockoutMs: settings.int('nacos.core.auth.login.lockout-seconds') * 1000,
      },
      rateLimit: {
        rps: settings.int('server.rate-limit.per-client.rps'),
        burst: settings.int('server.rate-limit.per-client.burst'),
      },
    },
    service,
    tokens,
    audit,
    clock,
    log,
    createAuthMetrics(ctx.metrics.registry, { users: () => service.users.size }),
  );
  const guard = createHttpGuard(gate);

  if (service.admins().length === 0) {
    const pass = settings.str('nacos.core.auth.admin.password');
    if (pass) {
      await service.initAdmin(pass);
      log.info('created admin user from nacos.core.auth.admin.password (BATATA_ADMIN_PASSWORD)', {
        username: 'nacos',
      });
    } else if (enabled)
      log.warn(
        'auth is enabled but no admin user exists: set BATATA_ADMIN_PASSWORD, or POST /nacos/v3/auth/user/admin (password optional, a random one is returned) to create `nacos`',
      );
  }
  log.info('auth ready', {
    enabled,
    algorithm: tokens?.alg ?? 'none (tokens are AUTH_DISABLED)',
    users: service.users.size,
    audit: auditPath || 'off',
  });

  const timer = setInterval(
    () => service.reload().catch((e) => log.warn('reloading users/roles/permissions failed', { err: e })),
    RELOAD_MS,
  );
  timer.unref?.();

  const module: ServerModule = {
    name: 'auth',
    nacosRoutes: [nacosV1AuthRoutes(gate, service, guard), nacosV3AuthRoutes(gate, service, guard)],
    consoleRoutes: [nacosV3AuthRoutes(gate, service, guard, 'auth.console')],
    dispose() {
      clearInterval(timer);
      gate.dispose();
      audit.close();
    },
  };
  return { module, gate, guard: guard.guard, service };
}
