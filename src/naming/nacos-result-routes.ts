import { Elysia } from 'elysia';
import { NacosCode, NotFound } from '../core/errors';
import { ok } from '../http/nacos-errors';
import type { AuthDecl } from '../http/route-meta';
import { route } from '../http/route-meta';
import {
  beatReply,
  catalogServices,
  healthyOf,
  instancePatchOf,
  metricsJson,
  type NamingHttpDeps,
  paramsOf,
} from './nacos-v1-routes';
import {
  batchKey,
  clusterOf,
  clusterPatchOf,
  httpServiceInfo,
  instanceDetail,
  instanceInputOf,
  instanceListOf,
  locatorOf,
  namespaceOf,
  pageJson,
  READ_ADMIN,
  READ_CLIENT,
  READ_CONSOLE,
  serviceDetailV2,
  serviceIdOf,
  servicePatchOf,
  serviceSummary,
  WRITE_ADMIN,
  WRITE_CLIENT,
  WRITE_CONSOLE,
} from './naming-http';
import { DEFAULT_GROUP, groupedName, instanceJson, parseMetadata } from './naming-model';
import type { Subscriber } from './naming-service';

function subscriberInfo(s: Subscriber) {
  return {
    namespaceId: s.namespaceId,
    groupName: s.groupName,
    serviceName: s.serviceName,
    ip: s.ip,
    port: s.port,
    agent: s.agent,
    appName: s.app || 'unknown',
  };
}

/**
 * `/v2/ns/...` (2.2+ open API) and `/v3/admin/ns/...` (3.x admin API): Result envelope, 21xxx
 * codes. `flavor` selects the few shape differences (v2 lists ServiceInfo and `{count,services}`;
 * v3 lists instances and `Page<ServiceView>`).
 */
export function resultNamingRoutes(deps: NamingHttpDeps, flavor: 'v2' | 'v3') {
  const { naming } = deps;
  const prefix = flavor === 'v2' ? '/v2/ns' : '/v3/admin/ns';
  const R = flavor === 'v2' ? READ_CLIENT : READ_ADMIN;
  const W = flavor === 'v2' ? WRITE_CLIENT : WRITE_ADMIN;
  const instances = new Elysia({ name: `naming.nacos-${flavor}.instance`, prefix })
    .post(
      '/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.registerInstance(serviceIdOf(p), instanceInputOf(p));
        return ok('ok');
      },
      { detail: route('Register an instance', W) },
    )
    .delete(
      '/instance',
      async ({ query, body }) => {
        await deregister(naming, paramsOf({ query, body }));
        return ok('ok');
      },
      { detail: route('Deregister an instance', W) },
    )
    .put(
      '/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.updateInstance(serviceIdOf(p), instanceInputOf(p));
        return ok('ok');
      },
      { detail: route('Update an instance', WRITE_ADMIN) },
    )
    .get(
      '/instance',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        const i = naming.getInstance(serviceIdOf(p), locatorOf(p));
        return ok(flavor === 'v2' ? instanceDetail(i, 'serviceName') : instanceJson(i));
      },
      { detail: route('Instance detail', READ_ADMIN) },
    )
    .get(
      '/instance/list',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        const info = listInstances(naming, p);
        return ok(flavor === 'v2' ? httpServiceInfo(info) : info.hosts);
      },
      { detail: route('List instances', R) },
    )
    .put('/instance/metadata/batch', async ({ query, body }) => metadataBatch({ query, body }, 'update'), {
      detail: route('Add/update metadata on several instances', WRITE_ADMIN),
    })
    .delete('/instance/metadata/batch', async ({ query, body }) => metadataBatch({ query, body }, 'delete'), {
      detail: route('Remove metadata keys from several instances', WRITE_ADMIN),
    })
    .put(
      flavor === 'v2' ? '/instance/patch' : '/instance/partial',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.patchInstance(serviceIdOf(p), locatorOf(p), instancePatchOf(p));
        return ok('ok');
      },
      { detail: route('Partially update an instance', WRITE_ADMIN) },
    );
  const services = new Elysia({ name: `naming.nacos-${flavor}.service`, prefix })
    .use(serviceCrudRoutes(naming, `naming.nacos-${flavor}.service-crud`, READ_ADMIN, WRITE_ADMIN))
    .get(
      '/service/list',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        if (flavor === 'v2') {
          const r = naming.listServices(namespaceOf(p), {
            groupName: p.first('groupName') ?? DEFAULT_GROUP,
            pageNo: p.int('pageNo', 1),
            pageSize: p.int('pageSize', 20),
          });
          return ok({ count: r.count, services: r.services.map((s) => s.serviceName) });
        }
        return ok(serviceListPage(deps, p));
      },
      { detail: route('List services', flavor === 'v2' ? READ_CLIENT : READ_ADMIN) },
    )
    .get('/service/subscribers', ({ query, body }) => ok(subscribersPage(deps, paramsOf({ query, body }))), {
      detail: route('Subscribers of a service', READ_ADMIN),
    })
    .get('/service/selector/types', () => ok(['none', 'label']), {
      detail: route('Selector types', READ_ADMIN),
    });
  const ops = new Elysia({ name: `naming.nacos-${flavor}.ops`, prefix })
    .put(
      '/cluster',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.updateCluster(serviceIdOf(p), clusterOf(p), clusterPatchOf(p));
        return ok('ok');
      },
      { detail: route('Update cluster settings', WRITE_ADMIN) },
    )
    .put(
      '/health/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.setHealth(serviceIdOf(p), locatorOf(p), healthyOf(p));
        return ok('ok');
      },
      { detail: route('Set instance health manually', WRITE_ADMIN) },
    )
    .get(
      '/health/checkers',
      () =>
        ok({
          TCP: { type: 'TCP' },
          HTTP: { type: 'HTTP', path: '', headers: '', expectedResponseCode: 200 },
          NONE: { type: 'NONE' },
        }),
      {
        detail: route('Health checker types', READ_ADMIN),
      },
    )
    .get(
      flavor === 'v2' ? '/operator/metrics' : '/ops/metrics',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        return ok(p.bool('onlyStatus', true) ? { status: deps.status() } : metricsJson(deps));
      },
      { detail: route('Naming status and counts', READ_ADMIN) },
    )
    .get(flavor === 'v2' ? '/operator/switches' : '/ops/switches', () => ok(deps.switches.json()), {
      detail: route('Naming switches', READ_ADMIN),
    })
    .put(
      flavor === 'v2' ? '/operator/switches' : '/ops/switches',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        deps.switches.set(p.required('entry'), p.required('value'));
        return ok('ok');
      },
      { detail: route('Change a naming switch', WRITE_ADMIN) },
    );
  const clients = new Elysia({ name: `naming.nacos-${flavor}.client`, prefix })
    .get(
      '/client/list',
      () => {
        const ids = naming.clientIds();
        return ok(flavor === 'v2' ? { count: ids.length, clientIds: ids } : ids);
      },
      { detail: route('Naming client ids', READ_ADMIN) },
    )
    .get(
      '/client',
      ({ query, body }) => {
        const id = paramsOf({ query, body }).required('clientId');
        if (!naming.clientIds().includes(id))
          throw new NotFound(`clientId [ ${id} ] not exist`, NacosCode.RESOURCE_NOT_FOUND);
        const ephemeral = !id.endsWith('#false');
        return ok({ clientId: id, ephemeral, lastUpdatedTime: Date.now(), clientType: clientType(id) });
      },
      { detail: route('Naming client detail', READ_ADMIN) },
    )
    .get(
      '/client/publish/list',
      ({ query, body }) => {
        const id = paramsOf({ query, body }).required('clientId');
        const out = naming.clientInstanceKeys(id).flatMap((k) => {
          const i = naming.instanceTable.get(k)?.value;
          return i
            ? [
                {
                  namespace: i.namespaceId,
                  group: i.groupName,
                  serviceName: i.serviceName,
                  registeredInstance: { ip: i.ip, port: i.port, cluster: i.clusterName },
                },
              ]
            : [];
        });
        return ok(out);
      },
      { detail: route('Services a client publishes', READ_ADMIN) },
    )
    .get(
      '/client/subscribe/list',
      ({ query, body }) => {
        const id = paramsOf({ query, body }).required('clientId');
        return ok(
          naming
            .allSubscribers()
            .filter((s) => s.clientId === id)
            .map((s) => ({
              namespace: s.namespaceId,
              group: s.groupName,
              serviceName: s.serviceName,
              subscriberInfo: { app: s.app, agent: s.agent, addr: `${s.ip}:${s.port}` },
            })),
        );
      },
      { detail: route('Services a client subscribes', READ_ADMIN) },
    )
    .get(
      '/client/service/publisher/list',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        return ok(
          naming.instances(serviceIdOf(p)).map((i) => ({
            clientId: i.clientId,
            ip: i.ip,
            port: i.port,
            clusterName: i.clusterName,
          })),
        );
      },
      { detail: route('Clients publishing a service', READ_ADMIN) },
    )
    .get(
      '/client/service/subscriber/list',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        return ok(
          naming.subscribersOf(serviceIdOf(p)).map((s) => ({
            clientId: s.clientId,
            ip: s.ip,
            port: s.port,
            agent: s.agent,
            app: s.app,
          })),
        );
      },
      { detail: route('Clients subscribing a service', READ_ADMIN) },
    );
  if (flavor === 'v2')
    instances.put(
      '/instance/beat',
      async ({ query, body }) => ok(await beatReply(deps, paramsOf({ query, body }))),
      {
        detail: route('Instance heartbeat', WRITE_CLIENT),
      },
    );
  return [instances, services, ops, clients];

  async function metadataBatch(ctx: { query: unknown; body: unknown }, op: 'update' | 'delete') {
    const p = paramsOf(ctx);
    const changed = await naming.batchMetadata(
      serviceIdOf(p),
      instanceListOf(p.get('instances')),
      parseMetadata(p.required('metadata')),
      op,
    );
    return ok({ updated: changed.map(batchKey) });
  }
}

/** `instance/list` of the v2 and v3 APIs: `clusterName` (or `clusters`), `healthyOnly`. */
function listInstances(naming: NamingHttpDeps['naming'], p: ReturnType<typeof paramsOf>) {
  return naming.query(serviceIdOf(p), {
    clusters: p.first('clusterName', 'clusters') ?? '',
    healthyOnly: p.bool('healthyOnly', false),
  });
}

function deregister(naming: NamingHttpDeps['naming'], p: ReturnType<typeof paramsOf>) {
  return naming.deregisterInstance(serviceIdOf(p), locatorOf(p));
}

function clientType(id: string): string {
  if (id.startsWith('udp:')) return 'udp';
  return id.endsWith('#true') || id.endsWith('#false') ? 'ipport' : 'connection';
}

/** `Page<ServiceView>` (v3 admin/console service list; `withInstances=true` ⇒ details). */
function serviceListPage(deps: NamingHttpDeps, p: ReturnType<typeof paramsOf>) {
  const { naming } = deps;
  if (p.bool('withInstances', false)) return catalogServices(naming, p);
  const r = naming.listServices(namespaceOf(p), {
    nameContains: p.first('serviceNameParam', 'serviceName'),
    groupContains: p.first('groupNameParam', 'groupName'),
  });
  let all = r.services;
  if (p.bool('ignoreEmptyService', false) || p.bool('hasIpCount', false))
    all = all.filter((s) => naming.instanceCount(s) > 0);
  return pageJson(
    all.map((s) => serviceSummary(naming, s)),
    p.int('pageNo', 1),
    p.int('pageSize', 20),
  );
}

function subscribersPage(deps: NamingHttpDeps, p: ReturnType<typeof paramsOf>) {
  const all = deps.naming.subscribersOf(serviceIdOf(p)).map(subscriberInfo);
  return pageJson(all, p.int('pageNo', 1), p.int('pageSize', 100));
}

/**
 * `/v3/client/ns/...` (3.x HTTP client API): register (or beat with `heartBeat=true`),
 * deregister, list instances.
 */
export function nacosV3ClientRoutes(deps: NamingHttpDeps) {
  const { naming } = deps;
  return new Elysia({ name: 'naming.nacos-v3-client', prefix: '/v3/client/ns' })
    .post(
      '/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        const svc = serviceIdOf(p);
        const input = instanceInputOf(p);
        if (p.bool('heartBeat', false)) {
          const r = await naming.beat(svc, {
            ip: input.ip,
            port: input.port,
            clusterName: input.clusterName,
          });
          if (r.code !== 10200)
            throw new NotFound(
              `instance not found: ${input.ip}:${input.port} in ${groupedName(svc)}`,
              NacosCode.INSTANCE_NOT_FOUND,
            );
          return ok('ok');
        }
        await naming.registerInstance(svc, input);
        return ok('ok');
      },
      { detail: route('Register an instance (heartBeat=true: beat)', WRITE_CLIENT) },
    )
    .delete(
      '/instance',
      async ({ query, body }) => {
        await deregister(naming, paramsOf({ query, body }));
        return ok('ok');
      },
      { detail: route('Deregister an instance', WRITE_CLIENT) },
    )
    .get(
      '/instance/list',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        return ok(listInstances(naming, p).hosts);
      },
      { detail: route('List instances', READ_CLIENT) },
    );
}

/** Console API (`/v3/console/ns/service`, `/v3/console/ns/instance`) for the console port. */
export function consoleNamingRoutes(deps: NamingHttpDeps) {
  const { naming } = deps;
  const R: AuthDecl = READ_CONSOLE;
  const W: AuthDecl = WRITE_CONSOLE;
  return new Elysia({ name: 'naming.console', prefix: '/v3/console/ns' })
    .use(serviceCrudRoutes(naming, 'naming.console.service-crud', R, W))
    .get('/service/list', ({ query, body }) => ok(serviceListPage(deps, paramsOf({ query, body }))), {
      detail: route('List services with counts', R),
    })
    .get('/service/subscribers', ({ query, body }) => ok(subscribersPage(deps, paramsOf({ query, body }))), {
      detail: route('Subscribers of a service', R),
    })
    .get('/service/selector/types', () => ok(['none', 'label']), { detail: route('Selector types', R) })
    .put(
      '/service/cluster',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.updateCluster(serviceIdOf(p), clusterOf(p), clusterPatchOf(p));
        return ok('ok');
      },
      { detail: route('Update cluster settings', W) },
    )
    .get(
      '/instance/list',
      ({ query, body }) => {
        const p = paramsOf({ query, body });
        const cluster = p.first('clusterName');
        const all = naming
          .instances(serviceIdOf(p))
          .filter((i) => !cluster || i.clusterName === cluster)
          .map((i) => instanceJson(i));
        return ok(pageJson(all, p.int('pageNo', 1), p.int('pageSize', 20)));
      },
      { detail: route('Instances of a service (paged)', R) },
    )
    .put(
      '/instance',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.updateInstance(serviceIdOf(p), instanceInputOf(p));
        return ok('ok');
      },
      { detail: route('Update an instance', W) },
    );
}

/** Service create/delete/update/detail at `/service`, shared by the admin and console APIs. */
function serviceCrudRoutes(naming: NamingHttpDeps['naming'], name: string, read: AuthDecl, write: AuthDecl) {
  return new Elysia({ name })
    .post(
      '/service',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.createService(serviceIdOf(p), servicePatchOf(p));
        return ok('ok');
      },
      { detail: route('Create a service', write) },
    )
    .delete(
      '/service',
      async ({ query, body }) => {
        await naming.deleteService(serviceIdOf(paramsOf({ query, body })));
        return ok('ok');
      },
      { detail: route('Delete an empty service', write) },
    )
    .put(
      '/service',
      async ({ query, body }) => {
        const p = paramsOf({ query, body });
        await naming.updateService(serviceIdOf(p), servicePatchOf(p));
        return ok('ok');
      },
      { detail: route('Update a service', write) },
    )
    .get(
      '/service',
      ({ query, body }) =>
        ok(serviceDetailV2(naming, naming.requireService(serviceIdOf(paramsOf({ query, body }))))),
      { detail: route('Service detail', read) },
    );
}
