import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { createHttpApp } from '../http/app';
import type { AnyElysia, ServerContext, ServerModule } from '../server/module';
import { SqlConsulRepo } from '../storage/consul-sql-repo';
import { agentRoutes, CONSUL_COMPAT_VERSION, type LocalNode } from './agent-routes';
import { catalogRoutes } from './catalog-routes';
import { CatalogService } from './catalog-service';
import { catalogTxnOps } from './catalog-txn-ops';
import { ConsulHttp, consulRenderer } from './consul-http';
import { consulMethods } from './consul-methods';
import { CATALOG_TABLE, KV_TABLE, SESSION_TABLE } from './consul-model';
import type { AgentServiceStore, ConsulRepo } from './consul-repo';
import { ConsulStore } from './consul-store';
import { LockDelays } from './consul-tx';
import { EventService } from './event-service';
import { kvRoutes } from './kv-routes';
import { KvService } from './kv-service';
import { sessionRoutes } from './session-routes';
import { type SessionHealth, SessionService } from './session-service';

/** Deterministic node UUID from the node name (stable across restarts). */
export function nodeIdFor(name: string): string {
  const h = createHash('sha256').update(`batata-node:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Storage tombstones of deleted KV keys/sessions live at least this long (then at most twice). */
const TOMBSTONE_REAP_MS = 5 * 60_000;

export interface ConsulDomain {
  kv: KvService;
  catalog: CatalogService;
  sessions: SessionService;
  events: EventService;
  node: LocalNode;
}

/**
 * The Consul API module: loads KV and sessions from storage into the shared state, serves `/v1/...`
 * on the main port (rootRoutes) and, when `consul.port` is non-zero, on its own listener.
 */
export async function createConsulModule(
  ctx: ServerContext,
  repo: ConsulRepo & AgentServiceStore = new SqlConsulRepo(ctx.db),
): Promise<{ module: ServerModule; domain: ConsulDomain }> {
  const { settings, state, clock, log } = ctx;
  const clog = log.child('consul');
  const store = new ConsulStore(state, repo);
  ctx.services.consulSync = {
    tables: [KV_TABLE, SESSION_TABLE, CATALOG_TABLE],
    catchUp: () => store.catchUp(),
  };

  const nodeName = settings.str('consul.node-name') || hostname() || 'batata';
  const node: LocalNode = {
    name: nodeName,
    id: nodeIdFor(nodeName),
    address: ctx.advertiseIp,
    datacenter: settings.str('consul.datacenter'),
    aclsEnabled: () => ctx.services.auth?.enabled ?? false,
    batataVersion: ctx.version,
  };
  const lockDelays = new LockDelays(clock);
  const health: SessionHealth = {
    nodeExists: (n) => catalog.nodeExists(n),
    checkStatus: (n, id) => catalog.checkStatus(n, id),
  };
  const kv = new KvService(state, store, lockDelays);
  const sessions = new SessionService(state, store, lockDelays, clock, clog, node.name, health);
  const catalog: CatalogService = new CatalogService(
    state,
    () => ctx.services.naming,
    clock,
    clog,
    {
      namespaceId: settings.str('consul.naming.namespace'),
      group: settings.str('consul.naming.group'),
      datacenter: node.datacenter,
      serverPort: settings.int('consul.port') || settings.mainPort,
      // Standalone (the cluster module's rule): no other server shares this storage.
      soleServer: settings.str('cluster.member.lookup.type') === 'standalone',
      local: {
        id: node.id,
        node: node.name,
        address: node.address,
        datacenter: node.datacenter,
        taggedAddresses: {
          lan: node.address,
          lan_ipv4: node.address,
          wan: node.address,
          wan_ipv4: node.address,
        },
        meta: { 'consul-network-segment': '', 'consul-version': CONSUL_COMPAT_VERSION },
      },
    },
    {
      checkFailed: (n, id) => {
        sessions.invalidateForCheck(n, id).catch((e) => clog.warn('session invalidation failed', { err: e }));
      },
      nodeRemoved: (n) => {
        sessions.invalidateForNode(n).catch((e) => clog.warn('session invalidation failed', { err: e }));
      },
    },
    store,
    repo,
  );
  // KV, sessions and the stored catalog (every server's node, catalog registrations, stored checks)
  // at their storage indexes; then this server's node entry, its agent services, its stored checks.
  store.attachCatalog((tx) => catalog.stage(tx));
  const loaded = await store.load();
  await catalog.start();
  if (ctx.services.naming) {
    const services = await catalog.restoreAgentServices();
    const checks = await catalog.restoreAgentChecks();
    if (loaded.catalog || services || checks)
      clog.info('consul catalog restored', {
        catalogRows: loaded.catalog,
        agentServices: services,
        agentChecks: checks,
      });
  }
  const txnOps = catalogTxnOps(catalog);
  const events = new EventService(clock);
  // One ConsulHttp per listener (each releases its own held queries); on both, every Consul
  // handler authorizes itself through the auth gate (the HTTP guard skips Consul routes).
  const httpFor = () =>
    new ConsulHttp(
      state,
      node.datacenter,
      () => ctx.services.auth,
      settings.str('consul.naming.namespace'),
      settings.str('consul.naming.group'),
    );
  const mainHttp = httpFor();
  const ownHttp = httpFor();
  const maxValue = settings.int('consul.kv.max-value-size');
  const routes = (http: ConsulHttp): AnyElysia[] => {
    const plugins = [
      kvRoutes(http, kv, maxValue, () => txnOps),
      sessionRoutes(http, sessions),
      agentRoutes(http, node, events),
      catalogRoutes(http, catalog),
    ];
    return [consulMethods(plugins), ...plugins];
  };

  let extra: { stop(force?: boolean): unknown } | undefined;
  let stopReaper: (() => void) | undefined;
  const module: ServerModule = {
    name: 'consul',
    rootRoutes: routes(mainHttp),
    renderers: [consulRenderer],
    start() {
      sessions.startTimers();
      stopReaper = store.startReaper(TOMBSTONE_REAP_MS, (e) =>
        clog.warn('consul tombstone reaping failed', { err: e }),
      );
      const port = settings.int('consul.port');
      if (!port) return;
      const app = createHttpApp({
        log,
        metrics: ctx.metrics,
        contextPath: '/nacos',
        accessLog: settings.bool('log.access'),
        renderers: [consulRenderer],
      }).app;
      for (const r of routes(ownHttp)) app.use(r);
      app.listen({ port, hostname: settings.str('nacos.server.bind-address') });
      extra = app.server ?? undefined;
      clog.info('consul listener started', { port });
    },
    drain() {
      // Answer every held blocking query now, so the listeners can close gracefully.
      mainHttp.shutdown.abort();
      ownHttp.shutdown.abort();
      events.releaseAll();
    },
    async dispose() {
      mainHttp.shutdown.abort();
      ownHttp.shutdown.abort();
      events.releaseAll();
      stopReaper?.();
      sessions.dispose();
      catalog.dispose();
      await extra?.stop(true);
    },
  };
  return { module, domain: { kv, catalog, sessions, events, node } };
}
