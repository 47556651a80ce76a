import { networkInterfaces } from 'node:os';
import { Elysia } from 'elysia';
import pkg from '../package.json' with { type: 'json' };
import { createAuthModule, tlsOptions } from './auth/module';
import { createClusterModule } from './cluster/module';
import { createConfigModule } from './config/module';
import { consoleApi, consolePathPlugins, createMergedConsoleApp } from './console';
import { type RunningConsole, startConsoleOnly } from './console/console-only';
import { createConsulModule } from './consul/module';
import { type Clock, systemClock } from './core/clock';
import { LevelFilter, Log, type Logger, type LogSink, RotatingFileSink, StreamSink } from './core/log';
import { createGrpcModule } from './grpc/module';
import { clusterNodeRoutes, healthRoutes } from './health/core-routes';
import { Readiness } from './health/readiness';
import { createHttpApp } from './http/app';
import { openApiRoutes, type RouteTable } from './http/openapi';
import { createMetrics, type Metrics } from './metrics/metrics';
import { metricsRoutes } from './metrics/metrics-routes';
import { createNamespaceDomain } from './namespace';
import { nacosV1NamespaceRoutes, resultNamespaceRoutes } from './namespace/namespace-routes';
import { createNamingModule } from './naming/module';
import type { AnyElysia, ServerContext, ServerModule, Services } from './server/module';
import type { Settings } from './settings/settings';
import { StateStore } from './state';
import type { Db } from './storage/db';
import { getMeta, raiseMeta } from './storage/meta-repo';
import { SqlNamespaceRepo } from './storage/namespace-sql-repo';
import { openStorage } from './storage/open-db';
import { ResilientDb } from './storage/resilient-db';

export const VERSION: string = pkg.version;

export interface RunningServer {
  settings: Settings;
  log: Logger;
  metrics: Metrics;
  state: StateStore;
  db: Db;
  services: Services;
  /** Actual bound ports (0 when a listener is off). */
  ports: { main: number; console: number; sdk: number };
  /** The main HTTP app, for in-process tests (`app.handle(new Request(...))`). */
  app: AnyElysia;
  /** The console port's app when it runs (deployment.type `all`), for route-table tests. */
  consoleApp?: AnyElysia;
  readiness: Readiness;
  stop(): Promise<void>;
}

/** Raised when a listener cannot bind; the message names the port and setting. */
export class ListenError extends Error {}

export function createLogger(
  settings: Settings,
  extraSinks: LogSink[] = [],
): { log: Logger; sinks: LogSink[] } {
  const sinks: LogSink[] = [new StreamSink(1), ...extraSinks];
  const dir = settings.str('log.dir');
  if (dir)
    sinks.push(
      new RotatingFileSink(
        `${dir}/batata.log`,
        settings.int('log.file.max-size-mb') * 1024 * 1024,
        settings.int('log.file.keep'),
      ),
    );
  const fmt = settings.str('log.format');
  const format = fmt === 'auto' ? (process.stdout.isTTY ? 'text' : 'json') : (fmt as 'json' | 'text');
  return { log: new Log({ filter: new LevelFilter(settings.str('log.level')), sinks, format }), sinks };
}

export function advertiseAddress(settings: Settings): string {
  const configured = settings.str('nacos.server.ip');
  if (configured) return configured;
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  return '127.0.0.1';
}

const INDEX_META_KEY = 'state.index.reserved';

/**
 * Composition root: settings → log → metrics → storage → state → domains → transports.
 * State is loaded from storage before any listener opens.
 */
export async function startServer(
  settings: Settings,
  opts: { log?: Logger; clock?: Clock; logSinks?: LogSink[] } = {},
): Promise<RunningServer> {
  const created = opts.log ? { log: opts.log, sinks: opts.logSinks ?? [] } : createLogger(settings);
  const log = created.log;
  const clock = opts.clock ?? systemClock;
  const metrics = createMetrics();
  for (const w of settings.warnings) log.warn(w);

  const db = new ResilientDb(await openStorage(settings, log.child('storage')), {
    registry: metrics.registry,
    log: log.child('storage'),
  });
  const reserved = Number((await getMeta(db, INDEX_META_KEY)) ?? 0);
  const state = new StateStore({
    startIndex: reserved + 1,
    reserveIndex: (upTo) =>
      raiseMeta(db, INDEX_META_KEY, upTo).catch((e) =>
        log.warn('cannot persist index reservation', { err: e }),
      ),
  });

  const modules: ServerModule[] = [];
  const stopFns: Array<() => Promise<void> | void> = [state.startReaper()];
  try {
    const nsDomain = await createNamespaceDomain({ state, repo: new SqlNamespaceRepo(db), clock });
    const services: Services = { namespace: nsDomain.service };
    const ctx: ServerContext = {
      settings,
      log,
      metrics,
      db,
      state,
      clock,
      services,
      version: VERSION,
      advertiseIp: advertiseAddress(settings),
    };
    const auth = await createAuthModule(ctx);
    modules.push(auth.module);
    services.auth = auth.gate;

    modules.push({
      name: 'namespace',
      nacosRoutes: [
        nacosV1NamespaceRoutes(nsDomain.service),
        resultNamespaceRoutes(nsDomain.service, '/v2/console/namespace', 'namespace.nacos-v2'),
        resultNamespaceRoutes(nsDomain.service, '/v3/admin/core/namespace', 'namespace.nacos-v3'),
      ],
      consoleRoutes: [
        resultNamespaceRoutes(nsDomain.service, '/v3/console/core/namespace', 'namespace.console'),
      ],
    });
    modules.push(await createNamingModule(ctx));
    // Further domains plug in here, in dependency order (config, naming, grpc, consul, auth, cluster).
    const config = await createConfigModule(ctx);
    services.config = config.service;
    modules.push(config.module);
    // The gRPC SDK port serves the handlers of the services registered above it.
    const grpc = createGrpcModule(ctx);
    modules.push(grpc);
    if (settings.bool('consul.enabled')) modules.push((await createConsulModule(ctx)).module);
    // Cluster last: it replicates the state of every module above and reads their services.
    const cluster = createClusterModule(ctx);
    modules.push(cluster.module);
    const membership = cluster.membership;

    const readiness = new Readiness(
      [{ name: 'storage', check: () => db.ping() }, ...modules.flatMap((m) => m.readiness ?? [])],
      log.child('health'),
      (ready) => metrics.healthy.set(ready ? 1 : 0),
    );

    const contextPath = settings.contextPath;
    const http = createHttpApp({
      log,
      metrics,
      contextPath,
      accessLog: settings.bool('log.access'),
      renderers: modules.flatMap((m) => m.renderers ?? []),
      guard: auth.guard,
    });
    let assembled: AnyElysia | undefined;
    const nacos = new Elysia({ name: 'batata.nacos', prefix: contextPath })
      .use(healthRoutes(readiness))
      .use(clusterNodeRoutes(membership))
      .use(metricsRoutes(metrics))
      .use(
        openApiRoutes(
          () => routeTables(assembled!, consoleRoutes, settings.str('nacos.console.context-path')),
          {
            version: VERSION,
          },
        ),
      );
    for (const m of modules) for (const r of m.nacosRoutes ?? []) nacos.use(r);
    // The console API is also served under the context path, for console-only nodes to forward to.
    const consoleRoutes = consoleApi({ ...ctx, readiness, membership, modules, datasource: db.dialect });
    for (const r of consolePathPlugins(consoleRoutes)) nacos.use(r);
    const app = http.app.use(nacos);
    assembled = app;
    for (const m of modules) for (const r of m.rootRoutes ?? []) app.use(r);
    http.seal(app);

    await readiness.runChecks();
    readiness.markLoaded();
    readiness.start();
    stopFns.push(() => readiness.stop());

    const hostname = settings.str('nacos.server.bind-address');
    const mainServer = listen(app, settings.mainPort, hostname, 'nacos.server.main.port', settings);
    stopFns.push(() => stopServer(mainServer, settings.int('server.shutdown-timeout-ms')));
    let consolePort = 0;
    let consoleApp: AnyElysia | undefined;
    if (settings.str('deployment.type') === 'all') {
      consoleApp = createMergedConsoleApp({ ...ctx, api: consoleRoutes, guard: auth.guard });
      const consolePortSetting = settings.int('nacos.console.port');
      const consoleServer = listen(consoleApp, consolePortSetting, hostname, 'nacos.console.port', settings);
      consolePort = consoleServer.port ?? 0;
      stopFns.push(() => stopServer(consoleServer, settings.int('server.shutdown-timeout-ms')));
    }

    for (const m of modules) await m.start?.();
    log.info('batata started', {
      version: VERSION,
      mainPort: mainServer.port,
      consolePort,
      contextPath,
      store: db.description,
      deployment: settings.str('deployment.type'),
      startupMs: Math.round(performance.now()),
    });

    let stopping: Promise<void> | undefined;
    return {
      settings,
      log,
      metrics,
      state,
      db,
      services,
      ports: { main: mainServer.port ?? 0, console: consolePort, sdk: grpc.port },
      app,
      consoleApp,
      readiness,
      stop() {
        stopping ??= (async () => {
          log.info('shutting down');
          for (const m of modules) m.drain?.();
          for (const fn of stopFns.reverse()) await fn();
          for (const m of [...modules].reverse()) await m.dispose?.();
          await db.close();
          log.info('stopped');
          for (const s of created.sinks) s.close();
        })();
        return stopping;
      },
    };
  } catch (e) {
    for (const fn of stopFns.reverse()) await Promise.resolve(fn()).catch(() => {});
    for (const m of [...modules].reverse()) await Promise.resolve(m.dispose?.()).catch(() => {});
    await db.close().catch(() => {});
    throw e;
  }
}

/** Deployment type `console`: the web console alone, forwarding its API to a remote server. */
export function startConsoleNode(
  settings: Settings,
  opts: { log?: Logger; logSinks?: LogSink[] } = {},
): Promise<RunningConsole> {
  const log = opts.log ?? createLogger(settings, opts.logSinks).log;
  return startConsoleOnly(settings, { log, listen, stopServer, version: VERSION });
}

/** Route tables for the OpenAPI document: the main app plus the console API (core + module routes). */
function routeTables(app: AnyElysia, consolePlugins: AnyElysia[], consolePath: string): RouteTable[] {
  const consoleRoutes = consolePlugins.flatMap((p) =>
    (p.routes as RouteTable['routes']).map((r) => ({ ...r, path: `${consolePath}${r.path}` })),
  );
  return [
    { listener: 'main', routes: app.routes },
    { listener: 'console', routes: consoleRoutes },
  ];
}

function listen(app: AnyElysia, port: number, hostname: string, key: string, settings?: Settings) {
  try {
    const tls = settings && tlsOptions(settings);
    app.listen({ port, hostname, ...(tls ? { tls } : {}) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || /in use/i.test(String((e as Error).message)))
      throw new ListenError(
        `port ${port} is already in use (${key}); stop the other process or choose another port`,
      );
    throw new ListenError(`cannot listen on ${hostname}:${port} (${key}): ${(e as Error).message}`);
  }
  return app.server!;
}

async function stopServer(server: { stop(force?: boolean): Promise<void> | void }, timeoutMs: number) {
  const graceful = Promise.resolve(server.stop(false));
  const timedOut = await Promise.race([graceful.then(() => false), Bun.sleep(timeoutMs).then(() => true)]);
  if (timedOut) await server.stop(true);
}
