import type { Clock } from '../core/clock';
import { InvalidArgument } from '../core/errors';
import type { Logger } from '../core/log';
import type { AuthDecl } from '../http/route-meta';
import { normalizeNamespaceId } from '../namespace';
import {
  INSTANCES_TABLE,
  type NamingService,
  parseServiceKey,
  type ServiceId,
  serviceKey,
  serviceKeyOfInstanceKey,
  splitServiceName,
} from '../naming';
import type { StateStore } from '../state';
import type { Connection, ConnectionManager } from './connection';
import { matchesPattern, namingServiceKey, patternNamespace } from './fuzzy-pattern';
import { FuzzyWatch, type FuzzyWatchLimits, fuzzyWatchHandler } from './fuzzy-watch';
import type { GrpcHandler, GrpcRequest } from './handler-registry';
import { grpcServiceInfo, instanceInputOf } from './naming-wire';
import type { PushOptions } from './push';
import { Debouncer } from './subscriptions';

const READ: AuthDecl = { resource: 'naming', action: 'r' };
const WRITE: AuthDecl = { resource: 'naming', action: 'w' };

const s = (v: unknown) => (typeof v === 'string' ? v : '');

/** `AbstractNamingRequest` {namespace, groupName, serviceName (ungrouped)} → ServiceId. */
export function serviceIdOf(req: GrpcRequest): ServiceId {
  const { groupName, serviceName } = splitServiceName(s(req.serviceName), s(req.groupName));
  return { namespaceId: normalizeNamespaceId(s(req.namespace)), groupName, serviceName };
}

const resource = (req: GrpcRequest) => {
  const namespaceId = normalizeNamespaceId(s(req.namespace));
  return { namespaceId, group: s(req.groupName) || undefined, name: s(req.serviceName) || undefined };
};

export interface NamingGrpcDeps {
  naming: NamingService;
  state: StateStore;
  connections: ConnectionManager;
  clock: Clock;
  log: Logger;
  /** Delay of the first push after a subscribe (Nacos: 500 ms). */
  pushDelayMs: number;
  /** Naming push delivery (Nacos: ack timeout 5 s, retry delay 1 s). */
  push: PushOptions;
  /** nacos.naming.fuzzy.watch.max.pattern.count / .max.pattern.match.service.count */
  fuzzyLimits: FuzzyWatchLimits;
}

/**
 * The naming request types of the SDK port (spec §C), over the shared NamingService. Instances
 * registered here belong to the connection (clientId = connection id) and disappear with it;
 * subscriptions are NamingService subscribers of kind `grpc`, pushed as NotifySubscriberRequest.
 */
export function namingGrpcHandlers(deps: NamingGrpcDeps): { handlers: GrpcHandler[]; dispose(): void } {
  const { naming, connections, log } = deps;

  const notify = (conn: Connection, svc: ServiceId, clusters: string) => {
    const info = grpcServiceInfo(naming.query(svc, { clusters, healthyOnly: false }));
    conn.push
      .push(
        'NotifySubscriberRequest',
        'naming',
        { serviceInfo: info },
        {
          ...deps.push,
          coalesceKey: `naming|${serviceKey(svc)}|${clusters}`,
        },
      )
      .catch((e) =>
        log.debug('naming push failed', { connectionId: conn.id, service: serviceKey(svc), err: e.message }),
      );
  };

  // Debounced service changes from the naming service: push to this transport's subscribers.
  const offPush = naming.onPush((ev) => {
    for (const sub of ev.subscribers) {
      if (sub.kind !== 'grpc') continue;
      const conn = connections.get(sub.clientId);
      if (conn) notify(conn, ev.service, sub.clusters);
    }
  });
  // compat(nacos): a new subscription gets one push of the current data, to that connection only.
  const firstPush = new Debouncer(deps.clock, deps.pushDelayMs, (key) => {
    const [connId, sk, clusters] = key.split('\u0000') as [string, string, string];
    const conn = connections.get(connId);
    const sub =
      conn &&
      naming.subscribersOf(parseServiceKey(sk)).find((x) => x.clientId === connId && x.clusters === clusters);
    if (conn && sub) notify(conn, parseServiceKey(sk), clusters);
  });

  // 3.x fuzzy watch: a service "exists" while it has instances (Nacos publisher indexes).
  const populated = new Set<string>();
  const fuzzy = new FuzzyWatch(
    {
      module: 'naming',
      syncRequest: 'NamingFuzzyWatchSyncRequest',
      changeRequest: 'NamingFuzzyWatchChangeNotifyRequest',
      keyField: 'serviceKey',
      changeField: 'changedType',
      addType: 'ADD_SERVICE',
      deleteType: 'DELETE_SERVICE',
      existsType: 'ADD_SERVICE',
      batchSize: 10,
      changeExtra: { syncType: 'FUZZY_WATCH_RESOURCE_CHANGED' },
    },
    deps.fuzzyLimits,
    (pattern) => {
      const ns = normalizeNamespaceId(patternNamespace(pattern));
      return [...populated]
        .map(parseServiceKey)
        .filter((x) => x.namespaceId === ns && matchesPattern(pattern, ns, x.groupName, x.serviceName))
        .map((x) => namingServiceKey(x.namespaceId, x.groupName, x.serviceName));
    },
    deps.push,
    log,
  );
  for (const ns of naming.namespaces())
    for (const svc of naming.listServices(ns).services)
      if (naming.instanceCount(svc)) populated.add(serviceKey(svc));
  const offFuzzy = deps.state.subscribe((changes) => {
    const touched = new Set<string>();
    for (const c of changes) if (c.table === INSTANCES_TABLE) touched.add(serviceKeyOfInstanceKey(c.key));
    for (const sk of touched) {
      const svc = parseServiceKey(sk);
      const has = naming.instanceCount(svc) > 0;
      if (has === populated.has(sk)) continue;
      if (has) populated.add(sk);
      else populated.delete(sk);
      const key = namingServiceKey(svc.namespaceId, svc.groupName, svc.serviceName);
      fuzzy.changed(svc.namespaceId, svc.groupName, svc.serviceName, key, has);
    }
  });

  const offClose = connections.onUnregister((conn) => {
    fuzzy.removeConnection(conn.id);
    naming
      .removeClient(conn.id)
      .catch((e) => log.warn('cannot remove connection instances', { connectionId: conn.id, err: e }));
  });

  // compat(nacos): a connection holds one record per service; register/batch/deregister replace it.
  // Instances registered this way are always ephemeral and owned by the connection.
  const own = (conn: Connection, req: GrpcRequest, instances: unknown[]) =>
    naming.replaceClientInstances(
      conn.id,
      serviceIdOf(req),
      instances.map((i) => ({ ...instanceInputOf(i), ephemeral: true })),
    );

  const handlers: GrpcHandler[] = [
    {
      type: 'InstanceRequest',
      responseType: 'InstanceResponse',
      secured: WRITE,
      resource,
      async handle(req, conn) {
        const type = s(req.type);
        if (type === 'registerInstance') await own(conn, req, [req.instance]);
        else if (type === 'deregisterInstance') await own(conn, req, []);
        else throw new InvalidArgument(`Unsupported request type ${type}`);
        return { type };
      },
    },
    {
      type: 'BatchInstanceRequest',
      responseType: 'BatchInstanceResponse',
      secured: WRITE,
      resource,
      async handle(req, conn) {
        const type = s(req.type);
        if (type !== 'batchRegisterInstance') throw new InvalidArgument(`Unsupported request type ${type}`);
        await own(conn, req, Array.isArray(req.instances) ? req.instances : []);
        return { type };
      },
    },
    {
      type: 'PersistentInstanceRequest',
      responseType: 'InstanceResponse',
      secured: WRITE,
      resource,
      async handle(req) {
        const svc = serviceIdOf(req);
        const type = s(req.type);
        const input = { ...instanceInputOf(req.instance), ephemeral: false };
        if (type === 'registerInstance') await naming.registerInstance(svc, input);
        else if (type === 'deregisterInstance')
          await naming.deregisterInstance(svc, {
            ip: input.ip,
            port: input.port,
            clusterName: input.clusterName ?? 'DEFAULT',
          });
        else throw new InvalidArgument(`Unsupported request type ${type}`);
        return { type };
      },
    },
    {
      type: 'ServiceQueryRequest',
      responseType: 'QueryServiceResponse',
      secured: READ,
      resource,
      handle(req) {
        const info = naming.query(serviceIdOf(req), {
          clusters: s(req.cluster),
          healthyOnly: req.healthyOnly === true,
        });
        return { serviceInfo: grpcServiceInfo(info) };
      },
    },
    {
      type: 'SubscribeServiceRequest',
      responseType: 'SubscribeServiceResponse',
      secured: READ,
      resource,
      handle(req, conn) {
        const svc = serviceIdOf(req);
        const clusters = s(req.clusters);
        const info = naming.query(svc, { clusters, healthyOnly: false });
        if (req.subscribe === false) naming.removeSubscriber(svc, conn.id, clusters);
        else {
          naming.addSubscriber(svc, {
            clientId: conn.id,
            kind: 'grpc',
            ip: conn.clientIp,
            port: 0,
            agent: conn.meta.clientVersion,
            app: conn.appName,
            clusters,
          });
          const sk = serviceKey(svc);
          firstPush.schedule([conn.id, sk, clusters].join('\u0000'));
        }
        return { message: 'success', serviceInfo: grpcServiceInfo(info) };
      },
    },
    {
      type: 'ServiceListRequest',
      responseType: 'ServiceListResponse',
      secured: READ,
      resource: (req) => ({
        namespaceId: normalizeNamespaceId(s(req.namespace)),
        group: s(req.groupName) || undefined,
      }),
      handle(req) {
        const pageNo = Math.max(1, Number(req.pageNo) || 1);
        const pageSize = Math.max(1, Number(req.pageSize) || 10);
        const all = naming.listServices(normalizeNamespaceId(s(req.namespace)), {
          groupName: s(req.groupName) || 'DEFAULT_GROUP',
        });
        const page = all.services.slice((pageNo - 1) * pageSize, pageNo * pageSize);
        return { count: all.count, serviceNames: page.map((x) => x.serviceName) };
      },
    },
    fuzzyWatchHandler({
      type: 'NamingFuzzyWatchRequest',
      responseType: 'NamingFuzzyWatchResponse',
      resource: 'naming',
      fuzzy,
      normalizeNamespace: normalizeNamespaceId,
      rejectUnknownWatchType: true,
    }),
  ];
  return {
    handlers,
    dispose() {
      offFuzzy();
      offPush();
      offClose();
      firstPush.dispose();
    },
  };
}
