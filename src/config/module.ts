import type { ServerContext, ServerModule } from '../server/module';
import { SqlConfigRepo } from '../storage/config-sql-repo';
import { aesCipher } from './config-cipher';
import { createConfigMetrics } from './config-metrics';
import type { ConfigService } from './config-service';
import { createConfigDomain } from './index';
import { LongPoller } from './long-poll';
import { nacosV1ConfigRoutes } from './nacos-v1-routes';
import { nacosV2ConfigRoutes, v3ClientConfigRoutes, v3ConfigRoutes, v3HistoryRoutes } from './result-routes';
import { ConfigTransfer } from './transfer-routes';

/**
 * The configuration module: service + HTTP v1/v2/v3/console adapters, long polling, metrics,
 * history cleanup. Other adapters (gRPC) reach the service through `ctx.services.config`.
 */
export async function createConfigModule(
  ctx: ServerContext,
): Promise<{ module: ServerModule; service: ConfigService }> {
  const { settings, state, clock } = ctx;
  const log = ctx.log.child('config');
  let metrics: ReturnType<typeof createConfigMetrics> | undefined;
  const { service } = await createConfigDomain({
    state,
    repo: new SqlConfigRepo(ctx.db),
    clock,
    log,
    options: {
      maxContentBytes: settings.int('config.max-content-bytes'),
      cipher: settings.str('config.encryption.plugin') === 'aes' ? aesCipher : undefined,
      onPublish: (kind) => metrics?.publish.inc({ kind }),
      onQuery: () => metrics?.query.inc(),
    },
  });
  const poller = new LongPoller(state, service, {
    maxWaiters: settings.int('config.long-poll.max-waiters'),
    minHoldMs: settings.int('config.long-poll.min-hold-ms'),
    clock,
  });
  metrics = createConfigMetrics(ctx.metrics.registry, {
    count: () => service.count(),
    waiters: () => poller.waiters,
  });
  ctx.services.namespace.addUsage((ns) => ({ configCount: service.count(ns) }));
  const transfer = new ConfigTransfer(service);
  const shutdown = new AbortController();

  const retentionDays = settings.int('config.history.retention-days');
  const intervalMs = settings.int('config.history.cleanup-interval-minutes') * 60_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  const clean = () =>
    service
      .cleanHistory(retentionDays)
      .then((n) => n && log.info('history cleaned', { removed: n, retentionDays }))
      .catch((e) => log.warn('history cleanup failed', { err: e }));

  const module: ServerModule = {
    name: 'config',
    nacosRoutes: [
      nacosV1ConfigRoutes(service, poller, transfer, shutdown.signal),
      nacosV2ConfigRoutes(service),
      v3ClientConfigRoutes(service),
      v3ConfigRoutes(service, transfer, 'admin', '/v3/admin/cs/config'),
      v3HistoryRoutes(service, 'admin', '/v3/admin/cs/history'),
    ],
    consoleRoutes: [
      v3ConfigRoutes(service, transfer, 'console', '/v3/console/cs/config'),
      v3HistoryRoutes(service, 'console', '/v3/console/cs/history'),
    ],
    start() {
      if (retentionDays > 0) {
        void clean();
        timer = setInterval(clean, intervalMs);
      }
    },
    drain() {
      // Releases every held long poll at once (they answer "no change") so the listener can stop.
      shutdown.abort();
    },
    dispose() {
      if (timer) clearInterval(timer);
      shutdown.abort();
    },
  };
  return { module, service };
}
