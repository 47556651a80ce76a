import { Elysia } from 'elysia';
import { InvalidArgument } from '../core/errors';
import { restOk } from '../http/nacos-errors';
import { Params } from '../http/params';
import { OPEN, route } from '../http/route-meta';
import {
  batchKey,
  clusterOf,
  clusterPatchOf,
  instanceDetail,
  instanceInputOf,
  instanceListOf,
  locatorOf,
  namespaceOf,
  page,
  READ_ADMIN,
  READ_CLIENT,
  READ_CONSOLE,
  serviceDetailV1,
  serviceIdOf,
  servicePatchOf,
  serviceSummary,
  subscriberJson,
  WRITE_ADMIN,
  WRITE_CLIENT,
  WRITE_CONSOLE,
} from './naming-http';
import { DEFAULT_GROUP, groupedName, instanceJson, parseMetadata, type ServiceInfo } from './naming-model';
import type { NamingService } from './naming-service';
import type { NamingSwitches } from './switches';

/** What the HTTP adapters need besides the registry. */
export interface NamingHttpDeps {
  naming: NamingService;
  switches: NamingSwitches;
  /** Server status for `/operator/metrics` (`UP`, `DOWN`, `STARTING`). */
  status(): string;
}

type Ctx = {
  query: unknown;
  body: unknown;
  request: Request;
  server: { requestIP(r: Request): { address: string } | null } | null;
};

const text = (s: string) => new Response(s, { headers: { 'content-type': 'text/plain;charset=UTF-8' } });

const hostsJson = new WeakMap<object, string>();

/**
 * ServiceInfo as a JSON response (`name` grouped), field order as Nacos. The host list is
 * serialized once per cached selection (NamingService returns the same array until the
 * service's revision changes), so a list request only formats the envelope.
 */
export function serviceInfoResponse(info: ServiceInfo): Response {
  let hosts = hostsJson.get(info.hosts);
  if (hosts === undefined) {
    hosts = JSON.stringify(info.hosts);
    hostsJson.set(info.hosts, hosts);
  }
  const name = JSON.stringify(groupedName({ groupName: info.groupName, serviceName: info.name }));
  const body = `{"name":${name},"groupName":${JSON.stringify(info.groupName)},"clusters":${JSON.stringify(info.clusters)},"cacheMillis":${info.cacheMillis},"hosts":${hosts},"lastRefTime":${info.lastRefTime},"checksum":${JSON.stringify(info.checksum)},"allIPs":${info.allIPs},"reachProtectionThreshold":${info.reachProtectionThreshold},"valid":${info.valid}}`;
  return new Response(body, { headers: { 'content-type': 'application/json;charset=UTF-8' } });
}

/** Reads params from query + form for every method (Spring `@RequestParam`). */
export function paramsOf(ctx: { query: unknown; body: unknown }): Params {
  return Params.from(ctx.query as Record<string, unknown>, ctx.body);
}

export function remoteIp(ctx: Ctx): string {
  return ctx.server?.requestIP(ctx.request)?.address?.replace(/^::ffff:/, '') ?? '';
}

/**
 * Legacy 1.x subscription: `udpPort > 0` on `/instance/list` registers the caller (clientIP or
 * the remote address) as a UDP push subscriber of the service.
 */
export function udpSubscribe(deps: NamingHttpDeps, p: Params, ctx: Ctx): void {
  const udpPort = Number(p.str('udpPort', '0'));
  if (!deps.switches.get('pushEnabled') || !Number.isInteger(udpPort) || udpPort <= 0 || udpPort > 65535)
    return;
  const ip = p.first('clientIP') ?? remoteIp(ctx);
  if (!ip) return;
  const svc = serviceIdOf(p);
  deps.naming.addSubscriber(svc, {
    clientId: `udp:${ip}:${udpPort}`,
    kind: 'udp',
    ip,
    port: udpPort,
    agent: ctx.request.headers.get('user-agent') ?? '',
    app: p.str('app', 'unknown'),
    clusters: p.str('clusters', ''),
    expires: true,
  });
}

/** `/nacos/v1/ns/...` (Nacos 1.x/2.x open + admin API): plain `ok` / JSON replies, text errors. */
export function nacosV1NamingRoutes(deps: NamingHttpDeps) {
  const { naming, switches } = deps;
  /** `/instance/metadata/batch` PUT and DELETE differ only in the mode. */
  const batchMetadataReply = async (p: ReturnType<typeof paramsOf>, mode: 'update' | 'delete') => {
    const changed = await naming.batchMetadata(
      serviceIdOf(p),
      instanceListOf(p.get('instances')),
      parseMetadata(p.required('metadata')),
      mode,
    );
    return { updated: changed.map(batchKey) };
  };
  return new Elysia({ name: 'naming.nacos-v1', prefix: '/v1/ns' })
    .post(
      '/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.registerInstance(serviceIdOf(p), instanceInputOf(p));
        return text('ok');
      },
      { detail: route('Register an instance', WRITE_CLIENT) },
    )
    .delete(
      '/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.deregisterInstance(serviceIdOf(p), locatorOf(p));
        return text('ok');
      },
      { detail: route('Deregister an instance', WRITE_CLIENT) },
    )
    .put(
      '/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.updateInstance(serviceIdOf(p), instanceInputOf(p));
        return text('ok');
      },
      { detail: route('Update an instance', WRITE_ADMIN) },
    )
    .patch(
      '/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.patchInstance(serviceIdOf(p), locatorOf(p), instancePatchOf(p));
        return text('ok');
      },
      { detail: route('Patch an instance (only the given fields)', WRITE_ADMIN) },
    )
    .get(
      '/instance',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        return instanceDetail(naming.getInstance(serviceIdOf(p), locatorOf(p)), 'service');
      },
      { detail: route('Instance detail', READ_ADMIN) },
    )
    .get(
      '/instance/list',
      ({ query, request, server }) => {
        const p = paramsOf({ query, body: undefined });
        const svc = serviceIdOf(p);
        if (p.get('udpPort')) udpSubscribe(deps, p, { request, server } as Ctx);
        return serviceInfoResponse(
          naming.query(svc, { clusters: p.str('clusters', ''), healthyOnly: p.bool('healthyOnly', false) }),
        );
      },
      { detail: route('List instances (ServiceInfo); udpPort subscribes a 1.x client', READ_CLIENT) },
    )
    .put(
      '/instance/beat',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        return beatReply(deps, p);
      },
      { detail: route('Instance heartbeat', WRITE_CLIENT) },
    )
    .put(
      '/instance/metadata/batch',
      ({ query, body }) => batchMetadataReply(paramsOf({ query, body }), 'update'),
      { detail: route('Add/update metadata on several instances', WRITE_ADMIN) },
    )
    .delete(
      '/instance/metadata/batch',
      ({ query, body }) => batchMetadataReply(paramsOf({ query, body }), 'delete'),
      { detail: route('Remove metadata keys from several instances', WRITE_ADMIN) },
    )
    .post(
      '/service',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.createService(serviceIdOf(p), servicePatchOf(p));
        return text('ok');
      },
      { detail: route('Create a service', WRITE_ADMIN) },
    )
    .delete(
      '/service',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.deleteService(serviceIdOf(p));
        return text('ok');
      },
      { detail: route('Delete an empty service', WRITE_ADMIN) },
    )
    .put(
      '/service',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        p.required('protectThreshold');
        await naming.updateService(serviceIdOf(p), servicePatchOf(p));
        return text('ok');
      },
      { detail: route('Update a service', WRITE_ADMIN) },
    )
    .get(
      '/service',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        return serviceDetailV1(naming, naming.requireService(serviceIdOf(p)));
      },
      { detail: route('Service detail', READ_ADMIN) },
    )
    .get(
      '/service/list',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        const r = naming.listServices(namespaceOf(p), {
          groupName: p.first('groupName') ?? DEFAULT_GROUP,
          pageNo: p.int('pageNo', 1),
          pageSize: p.int('pageSize', 10),
        });
        return { count: r.count, doms: r.services.map((s) => s.serviceName) };
      },
      { detail: route('List service names of a group', READ_CLIENT) },
    )
    .get(
      '/service/subscribers',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        const all = naming.subscribersOf(serviceIdOf(p)).map(subscriberJson);
        return { subscribers: page(all, p.int('pageNo', 1), p.int('pageSize', 1000)), count: all.length };
      },
      { detail: route('Subscribers of a service', READ_ADMIN) },
    )
    .get('/service/selector/types', () => restOk(['none', 'label']), {
      detail: route('Selector types', READ_ADMIN),
    })
    .get(
      '/operator/metrics',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        if (p.bool('onlyStatus', true)) return { status: deps.status() };
        return metricsJson(deps);
      },
      { detail: route('Naming status and counts', OPEN) },
    )
    .get('/operator/switches', () => switches.json(), { detail: route('Naming switches', READ_ADMIN) })
    .put(
      '/operator/switches',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        switches.set(p.required('entry'), p.required('value'));
        return text('ok');
      },
      { detail: route('Change a naming switch', WRITE_ADMIN) },
    )
    .get('/operator/push/state', () => ({ succeed: 0, total: 0, ratio: 0, failed: [] }), {
      detail: route('Push statistics', READ_ADMIN),
    })
    .get(
      '/catalog/services',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        return catalogServices(naming, p);
      },
      { detail: route('Service list with counts (console catalog)', READ_CONSOLE) },
    )
    .get(
      '/catalog/service',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        const s = naming.requireService(serviceIdOf(p));
        return {
          service: {
            name: s.serviceName,
            groupName: s.groupName,
            protectThreshold: s.protectThreshold,
            selector: serviceDetailV1(naming, s).selector,
            metadata: s.metadata,
          },
          clusters: naming.clusters(s).map((c) => ({
            serviceName: groupedName(s),
            name: c.name,
            healthChecker: c.healthChecker,
            defaultPort: 80,
            defaultCheckPort: c.checkPort,
            useIPPort4Check: c.useIPPort4Check,
            metadata: c.metadata,
          })),
        };
      },
      { detail: route('Service detail with clusters (console catalog)', READ_CONSOLE) },
    )
    .get(
      '/catalog/instances',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        const cluster = p.required('clusterName');
        const all = naming
          .instances(serviceIdOf(p))
          .filter((i) => i.clusterName === cluster)
          .map((i) => instanceJson(i));
        return { list: page(all, p.int('pageNo', 1), p.int('pageSize', 10)), count: all.length };
      },
      { detail: route('Instances of one cluster (console catalog)', READ_CONSOLE) },
    )
    .put(
      '/health/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.setHealth(serviceIdOf(p), locatorOf(p), healthyOf(p));
        return text('ok');
      },
      { detail: route('Set instance health manually', WRITE_ADMIN) },
    )
    .put(
      '/cluster',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.updateCluster(serviceIdOf(p), clusterOf(p), clusterPatchOf(p));
        return text('ok');
      },
      { detail: route('Update cluster settings', WRITE_CONSOLE) },
    );
}

export function healthyOf(p: Params): boolean {
  const v = p.get('healthy');
  if (v === undefined || v.trim() === '') {
    const e = p.get('valid');
    if (e !== undefined && e.trim() !== '') return e.trim().toLowerCase() === 'true';
    p.required('healthy');
  }
  return v!.trim().toLowerCase() === 'true';
}

export function instancePatchOf(p: Params) {
  const patch: { weight?: number; enabled?: boolean; healthy?: boolean; metadata?: Record<string, string> } =
    {};
  if (p.first('weight')) patch.weight = p.num('weight', 1);
  if (p.first('enabled', 'enable'))
    patch.enabled = (p.first('enabled', 'enable') ?? '').toLowerCase() === 'true';
  if (p.first('healthy')) patch.healthy = p.bool('healthy', true);
  if (p.first('metadata')) patch.metadata = parseMetadata(p.get('metadata'));
  return patch;
}

/** The beat reply, field order as Nacos: clientBeatInterval, code, lightBeatEnabled. */
export async function beatReply(deps: NamingHttpDeps, p: Params) {
  const svc = serviceIdOf(p);
  let beatInfo: Record<string, unknown> | undefined;
  const raw = p.get('beat');
  if (raw?.trim()) {
    try {
      beatInfo = JSON.parse(raw);
    } catch {
      throw new InvalidArgument(`beat format incorrect: ${raw}`, 20002);
    }
  }
  let ip = p.str('ip', '');
  let port = p.int('port', 0);
  let cluster = clusterOf(p);
  if (beatInfo) {
    if (typeof beatInfo.cluster === 'string' && beatInfo.cluster) cluster = beatInfo.cluster;
    ip = String(beatInfo.ip ?? ip);
    port = Number(beatInfo.port ?? port);
  }
  const r = await deps.naming.beat(
    svc,
    { ip, port, clusterName: cluster },
    beatInfo
      ? {
          ip,
          port,
          weight: beatInfo.weight !== undefined ? Number(beatInfo.weight) : 1,
          clusterName: cluster,
          metadata: (beatInfo.metadata as Record<string, string>) ?? {},
        }
      : undefined,
  );
  return {
    clientBeatInterval: r.clientBeatInterval,
    code: r.code,
    lightBeatEnabled: deps.switches.get('lightBeatEnabled') as boolean,
  };
}

export function metricsJson(deps: NamingHttpDeps) {
  const s = deps.naming.stats();
  const mem = process.memoryUsage();
  return {
    status: deps.status(),
    serviceCount: s.serviceCount,
    instanceCount: s.instanceCount,
    subscribeCount: s.subscriberCount,
    responsibleInstanceCount: s.instanceCount,
    clientCount: s.clientCount,
    connectionBasedClientCount: s.connectionBasedClientCount,
    ephemeralIpPortClientCount: s.ephemeralIpPortClientCount,
    persistentIpPortClientCount: s.persistentIpPortClientCount,
    responsibleClientCount: s.clientCount,
    cpu: 0,
    load: 0,
    mem: mem.rss / (mem.rss + 1),
  };
}

/** `/catalog/services`: services with counts (withInstances=false) or with their instances. */
export function catalogServices(naming: NamingService, p: Params) {
  const r = naming.listServices(namespaceOf(p), {
    nameContains: p.first('serviceNameParam'),
    groupContains: p.first('groupNameParam'),
  });
  let all = r.services;
  if (p.bool('hasIpCount', false)) all = all.filter((s) => naming.instanceCount(s) > 0);
  const pageNo = p.int('pageNo', 1);
  const pageSize = p.int('pageSize', 20);
  if (p.bool('withInstances', false))
    return page(all, pageNo, pageSize).map((s) => ({
      serviceName: s.serviceName,
      groupName: s.groupName,
      metadata: s.metadata,
      protectThreshold: s.protectThreshold,
      clusterMap: Object.fromEntries(
        naming.clusters(s).map((c) => [
          c.name,
          {
            clusterName: c.name,
            healthChecker: c.healthChecker,
            metadata: c.metadata,
            hosts: naming
              .instances(s)
              .filter((i) => i.clusterName === c.name)
              .map((i) => instanceJson(i)),
          },
        ]),
      ),
    }));
  return {
    count: all.length,
    serviceList: page(all, pageNo, pageSize).map((s) => serviceSummary(naming, s)),
  };
}
