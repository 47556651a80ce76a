import { resolve } from 'node:path';
import { CATALOG_CLIENT_PREFIX } from '../consul/catalog-model';
import type { ServerContext, ServerModule } from '../server/module';
import { SettingsError } from '../settings/settings';
import { createClusterMetrics } from './cluster-metrics';
import { ClusterNode } from './cluster-node';
import { clusterAdminRoutes, standaloneAdmin } from './cluster-routes';
import { CLUSTER_PORT_OFFSET, ClusterRpcClient, ClusterRpcServer, type ServerIdentity } from './cluster-rpc';
import { Distro } from './distro';
import { distroForwardRoutes } from './distro-forward';
import type { MembershipView } from './member';
import { normalizeAddress } from './member-list';
import { AddressServerLookup, FileLookup, type MemberLookup, StandaloneLookup } from './member-lookup';
import { MemberManager } from './member-manager';
import { replicatedTables } from './replicated-tables';
import { StateReplicator } from './state-replicator';

/** Raised when cluster settings cannot work together; the message names the keys and the fix. */
export class ClusterStartupError extends SettingsError {}

export function chooseLookup(ctx: ServerContext, self: string): MemberLookup {
  const s = ctx.settings;
  const log = ctx.log.child('cluster');
  const members = s.list('cluster.members').map(normalizeAddress);
  const poll = s.int('cluster.address-server.poll-ms');
  switch (s.str('cluster.member.lookup.type')) {
    case 'file':
      return new FileLookup(resolve(s.str('cluster.conf.file')), members, poll, log);
    case 'address-server': {
      const url = s.str('cluster.address-server.url');
      if (!url)
        throw new ClusterStartupError(
          'cluster.member.lookup.type=address-server needs cluster.address-server.url (the URL that lists the members)',
        );
      return new AddressServerLookup(url, self, poll, log);
    }
    default:
      // Standalone means one node, whatever cluster.members says (the seed's example sets both).
      return new StandaloneLookup(self);
  }
}

/**
 * Cluster mode (spec §G): membership from a lookup, member reports over the cluster gRPC port,
 * member-list management (join/leave) and state sync of DB-backed tables. In standalone mode
 * the membership is just this node and no cluster port is opened.
 */
export function createClusterModule(ctx: ServerContext): {
  module: ServerModule;
  membership: MembershipView;
} {
  const s = ctx.settings;
  const log = ctx.log.child('cluster');
  const self = `${ctx.advertiseIp}:${s.mainPort}`;
  const lookup = chooseLookup(ctx, self);
  const members = new MemberManager(self, ctx.version, ctx.clock, s.int('nacos.core.member.fail-access-cnt'));
  const clustered = lookup.type !== 'standalone';
  ctx.metrics.clusterSize.set(1);
  members.onChange((c) => ctx.metrics.clusterSize.set(c.members.length));
  if (!clustered)
    return {
      module: { name: 'cluster', nacosRoutes: [clusterAdminRoutes(standaloneAdmin(members))] },
      membership: members,
    };

  if (s.clusterPort !== s.mainPort + CLUSTER_PORT_OFFSET)
    throw new ClusterStartupError(
      `nacos.cluster.port must be main port + ${CLUSTER_PORT_OFFSET} (${s.mainPort + CLUSTER_PORT_OFFSET}) in cluster mode: peers derive it from the member address`,
    );
  const identity: ServerIdentity = {
    key: s.str('nacos.core.auth.server.identity.key'),
    value: s.str('nacos.core.auth.server.identity.value'),
  };
  // Settings validation covers the file/address-server lookups; a static cluster.members list too.
  if (!identity.key || !identity.value)
    throw new ClusterStartupError(
      'cluster mode requires a server identity for member-to-member calls: set nacos.core.auth.server.identity.key and .value to the same secret on every member',
    );
  if (ctx.db.dialect !== 'mysql')
    throw new ClusterStartupError(
      'cluster mode needs a shared MySQL database: set db.url to the same mysql://… on every member',
    );

  const rpc = new ClusterRpcClient(identity, s.int('cluster.rpc.timeout-ms'));
  const server = new ClusterRpcServer(identity, log);
  // The replicator needs the node to send, the node needs the replicator: bind late.
  let node!: ClusterNode;
  const replicator = new StateReplicator(
    ctx.state,
    replicatedTables(ctx),
    (table, keys) => node.broadcastSync(table, keys),
    log,
    ctx.services.consulSync ? [ctx.services.consulSync] : [],
  );
  node = new ClusterNode(members, lookup, rpc, replicator, log, {
    reportIntervalMs: s.int('cluster.member.report-interval-ms'),
    reconcileIntervalMs: s.int('cluster.sync.reconcile-interval-ms'),
    onReportFailure: () => metrics.reportFailures.inc(),
  });
  node.registerHandlers(server);
  const naming = ctx.services.naming;
  const distro = naming
    ? new Distro(naming, ctx.state, members, rpc, ctx.clock, log.child('distro'), {
        syncDelayMs: s.int('nacos.core.protocol.distro.data.sync.delayMs'),
        verifyIntervalMs: s.int('nacos.core.protocol.distro.data.verify.intervalMs'),
        expireMs: s.int('nacos.naming.client.expired.time'),
        selfReplicated: (clientId) => clientId.startsWith(CATALOG_CLIENT_PREFIX),
      })
    : undefined;
  distro?.register(server);
  const metrics = createClusterMetrics(
    ctx.metrics.registry,
    members,
    replicator.stats,
    distro && (() => distro.counts()),
  );
  ctx.services.cluster = {
    resetTarget() {
      const up = members.peers().filter((m) => m.state === 'UP');
      const m = up[Math.floor(Math.random() * up.length)];
      return m ? { ip: m.ip, port: m.port } : undefined;
    },
    isResponsible: (ipPort) => !distro || distro.responsibleFor(ipPort) === self,
  };

  let synced = false;
  let stopped = false;
  const module: ServerModule = {
    name: 'cluster',
    nacosRoutes: [
      clusterAdminRoutes(node),
      ...(distro ? [distroForwardRoutes(distro, identity, s.contextPath)] : []),
    ],
    readiness: [
      {
        name: 'cluster',
        check: async () => {
          if (!synced) throw new Error('initial sync with the shared database and peers not finished');
        },
      },
    ],
    async start() {
      try {
        await server.listen(s.str('nacos.server.bind-address'), s.clusterPort);
      } catch (e) {
        throw new ClusterStartupError(
          `cannot listen on cluster port ${s.clusterPort} (main port + ${CLUSTER_PORT_OFFSET}): ${(e as Error).message}`,
        );
      }
      await node.start();
      // State was loaded at boot; one reconciliation closes the gap to writes peers made meanwhile.
      await node.replicator.reconcile();
      if (distro) {
        distro.start();
        // Ready once a peer's ephemeral data is loaded (retried until one answers, Nacos: 30 s).
        const load = async () => {
          if (await distro.loadSnapshot()) synced = true;
          else if (!stopped) setTimeout(() => void load(), 2000).unref?.();
        };
        await load();
      } else synced = true;
      log.info('cluster mode', { self, lookup: lookup.type, members: members.addresses() });
    },
    async dispose() {
      stopped = true;
      distro?.stop();
      node.stop();
      await node.announceShutdown();
      await server.close();
      rpc.close();
    },
  };
  return { module, membership: members };
}
