import type { ServerContext, ServerModule } from '../server/module';
import { SqlNamingRepo } from '../storage/naming-sql-repo';
import { PersistentHealthChecker } from './health-checker';
import { consoleNamingRoutes, nacosV3ClientRoutes, resultNamingRoutes } from './nacos-result-routes';
import { type NamingHttpDeps, nacosV1NamingRoutes } from './nacos-v1-routes';
import { createNamingMetrics } from './naming-metrics';
import { NamingService } from './naming-service';
import { NamingSwitches } from './switches';
import { UdpPusher } from './udp-push';

/**
 * Builds the naming domain for the server: registry (loaded from storage), heartbeat sweeper,
 * persistent health checks, UDP push and the Nacos HTTP adapters. Adds `services.naming`.
 */
export async function createNamingModule(ctx: ServerContext): Promise<ServerModule> {
  const { settings, clock } = ctx;
  const log = ctx.log.child('naming');
  const metrics = createNamingMetrics(ctx.metrics.registry);
  const naming = new NamingService(
    ctx.state,
    new SqlNamingRepo(ctx.db),
    clock,
    log,
    {
      pushDelayMs: settings.int('naming.push.delay-ms'),
      beatCheckIntervalMs: settings.int('naming.heartbeat.check-interval-ms'),
      defaultEphemeral: settings.bool('naming.default-ephemeral'),
      subscriberExpireMs: settings.int('naming.udp-push.subscriber-expire-ms'),
    },
    metrics,
  );
  metrics.bind(naming);
  await naming.load();
  ctx.services.naming = naming;

  const switches = new NamingSwitches({
    pushEnabled: settings.bool('naming.udp-push.enabled'),
    healthCheckEnabled: settings.bool('naming.health-check.enabled'),
    defaultInstanceEphemeral: settings.bool('naming.default-ephemeral'),
  });
  const checker = new PersistentHealthChecker(
    naming,
    clock,
    log.child('health'),
    {
      intervalMs: settings.int('naming.health-check.interval-ms'),
      timeoutMs: settings.int('naming.health-check.timeout-ms'),
      concurrency: settings.int('naming.health-check.concurrency'),
      threshold: settings.int('naming.health-check.threshold'),
    },
    undefined,
    // The cluster module registers later; standalone nodes probe everything.
    (ipPort) => ctx.services.cluster?.isResponsible(ipPort) ?? true,
  );
  const udp = new UdpPusher(naming, clock, log.child('udp-push'));
  const deps: NamingHttpDeps = { naming, switches, status: () => 'UP' };

  return {
    name: 'naming',
    nacosRoutes: [
      nacosV1NamingRoutes(deps),
      ...resultNamingRoutes(deps, 'v2'),
      ...resultNamingRoutes(deps, 'v3'),
      nacosV3ClientRoutes(deps),
    ],
    consoleRoutes: [consoleNamingRoutes(deps)],
    async start() {
      naming.start();
      if (settings.bool('naming.health-check.enabled')) checker.start();
      if (settings.bool('naming.udp-push.enabled')) await udp.start();
    },
    async dispose() {
      udp.dispose();
      await checker.dispose();
      naming.dispose();
    },
  };
}
