import { createHash } from 'node:crypto';
import { Elysia } from 'elysia';
import type { Entry } from '../state';
import { decodeCatalogCheck, decodeService, goString, strMap } from './catalog-decode';
import {
  agentServiceJson,
  type CheckEntry,
  type CheckStatus,
  healthCheckJson,
  type NodeEntry,
  nodeJson,
  nodeServiceJson,
  type ServiceView,
  serviceNodeJson,
} from './catalog-model';
import { type CatalogService, unknownService } from './catalog-service';
import { decodeCheck, isEmptyCheck } from './check-def';
import { badRequest, notFound, serverError } from './consul-errors';
import {
  blockOnHash,
  type ConsulHttp,
  consulRoute,
  empty,
  field,
  json,
  metaHeaders,
  pathTail,
  type Req,
} from './consul-http';
import { compileFilter, type Filter, FilterError } from './filter';
import { goTypeError } from './go-json';

const SVC_R = { resource: 'consul-service', action: 'r' } as const;
const SVC_W = { resource: 'consul-service', action: 'w' } as const;
const AGENT_R = { resource: 'consul-agent', action: 'r' } as const;
const AGENT_W = { resource: 'consul-agent', action: 'w' } as const;

type CheckRow = { c: CheckEntry; ci: number; mi: number };
const checkJson = (r: CheckRow) => healthCheckJson(r.c, r.ci, r.mi);

/**
 * A JSON body read for an authorization that needs a name from it: `name(...path)` is the string
 * at that field path, or undefined (also when the body does not parse); `value()` is the body, or
 * the 400 a bad body deserves, so callers authorize first and report bad input after.
 */
async function readBody(
  request: Request,
): Promise<{ name(...path: string[]): string | undefined; value(): unknown }> {
  let value: unknown;
  let error: unknown;
  try {
    value = await jsonBody(request);
  } catch (e) {
    error = e;
  }
  return {
    name(...path) {
      let v = value;
      for (const k of path) v = field(v, k);
      return typeof v === 'string' && v ? v : undefined;
    },
    value() {
      if (error) throw error;
      return value;
    },
  };
}

async function jsonBody(request: Request): Promise<unknown> {
  const text = (await request.text()).trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`Request decode failed: ${(e as Error).message}`);
  }
}

/** `?filter=` → predicate (400 on a bad expression). */
function filterOf(q: URLSearchParams): Filter | undefined {
  const f = q.get('filter');
  if (!f) return undefined;
  try {
    return compileFilter(f);
  } catch (e) {
    if (e instanceof FilterError)
      throw badRequest(`Failed to create boolean expression evaluator: ${e.message}`);
    throw e;
  }
}

/** `?node-meta=k:v` (repeatable): every pair must match. */
function nodeMetaOf(q: URLSearchParams): (n: NodeEntry) => boolean {
  const pairs = q.getAll('node-meta').map((p) => {
    const at = p.indexOf(':');
    return at < 0 ? [p, ''] : [p.slice(0, at), p.slice(at + 1)];
  });
  return (n) => pairs.every(([k, v]) => n.meta[k!] === v);
}

/** `?tag=` (repeatable): the instance must carry every tag (case-insensitive). */
function tagsOf(q: URLSearchParams): (v: ServiceView) => boolean {
  const tags = q.getAll('tag').map((t) => t.toLowerCase());
  return (v) => tags.every((t) => v.tags.some((x) => x.toLowerCase() === t));
}

/** Go strconv.ParseBool; an empty value means true. */
function parseBool(raw: string | null): boolean | undefined {
  if (raw === null) return undefined;
  if (['', '1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  throw new Error('bad bool');
}

/** `?enable=` of the maintenance endpoints (Go ParseBool; missing/empty/bad → Consul's 400). */
function enableOf(q: URLSearchParams): boolean {
  const raw = q.get('enable');
  if (raw === null) throw badRequest('Missing value for enable');
  let v: boolean | undefined;
  try {
    v = raw === '' ? undefined : parseBool(raw);
  } catch {
    v = undefined;
  }
  if (v === undefined) throw badRequest(`Invalid value for enable: "${raw}"`);
  return v;
}

/** `/v1/agent/service*`, `/v1/agent/check*`, `/v1/catalog/*` and `/v1/health/*` (spec §3–§5). */
export function catalogRoutes(http: ConsulHttp, cat: CatalogService) {
  const nodeOf = (name: string): Entry<NodeEntry> | undefined => cat.node(name);
  const dc = cat.opts.datacenter;

  const noop = async (c: Req) => {
    await http.authorize(c, http.query(c.request), AGENT_W);
    return empty();
  };

  const ttlUpdate = (status: CheckStatus) => async (c: Req) => {
    const q = http.query(c.request);
    const id = pathTail(
      c.request,
      `/v1/agent/check/${status === 'passing' ? 'pass' : status === 'warning' ? 'warn' : 'fail'}/`,
    );
    await http.authorize(c, q, SVC_W, id);
    await cat.updateTtl(id, status, q.get('note') ?? '');
    return empty();
  };

  /** Health entries of a service: Node, Service, node checks + its checks. */
  const healthEntries = (views: ServiceView[]) =>
    views.flatMap((v) => {
      const n = nodeOf(v.node);
      if (!n) return [];
      const checks = [...cat.nodeChecks(v.node), ...cat.serviceChecks(v)];
      return [{ v, n, checks }];
    });

  return (
    new Elysia({ name: 'consul.catalog' })
      .get(
        '/v1/agent/services',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c, q, AGENT_R);
          const f = filterOf(q);
          const out: Record<string, unknown> = {};
          for (const v of cat.agentServices()) {
            const j = agentServiceJson(v, dc);
            if (!f || f(j)) out[v.id] = j;
          }
          return json(q, out);
        },
        { detail: consulRoute('Consul agent services', AGENT_R) },
      )
      .get(
        '/v1/agent/service/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/service/');
          await http.authorize(c, q, SVC_R, id);
          const render = () => {
            const v = cat.agentService(id);
            if (!v) throw notFound(`unknown service ID: ${id}`);
            const j = agentServiceJson(v, dc);
            return { j, hash: createHash('sha256').update(JSON.stringify(j)).digest('hex').slice(0, 16) };
          };
          const { j, hash } = await blockOnHash(http, c, q, (ws) => cat.watchAgentServices(ws), render);
          return json(q, { ...j, ContentHash: hash }, { headers: { 'X-Consul-ContentHash': hash } });
        },
        { detail: consulRoute('Consul agent service by ID (?hash blocking, X-Consul-ContentHash)', SVC_R) },
      )
      .put(
        '/v1/agent/service/register',
        async (c: Req) => {
          const q = http.query(c.request);
          const body = await readBody(c.request);
          await http.authorize(c, q, SVC_W, body.name('Name'));
          const def = decodeService(body.value(), ['Name'], true);
          const rec = q.get('replace-existing-checks');
          await cat.registerService(def, { replaceChecks: rec === '' || rec === 'true' });
          return empty();
        },
        { parse: 'none', detail: consulRoute('Consul agent service register', SVC_W) },
      )
      .put(
        '/v1/agent/service/deregister/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/service/deregister/');
          await http.authorize(c, q, SVC_W, id);
          await cat.deregisterService(id);
          return empty();
        },
        { parse: 'none', detail: consulRoute('Consul agent service deregister', SVC_W) },
      )
      .put(
        '/v1/agent/service/maintenance/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/service/maintenance/');
          await http.authorize(c, q, SVC_W, id);
          if (!id) throw badRequest('Missing service ID');
          const enable = enableOf(q);
          if (!cat.agentService(id)) throw unknownService(id);
          await cat.maintenance(id, enable, q.get('reason') ?? '');
          return empty();
        },
        { parse: 'none', detail: consulRoute('Consul agent service maintenance', SVC_W) },
      )
      .get(
        '/v1/agent/health/service/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const tail = pathTail(c.request, '/v1/agent/health/service/');
          const byId = tail.startsWith('id/');
          const known = byId || tail.startsWith('name/');
          const key = tail.slice(byId ? 3 : 5);
          await http.authorize(c, q, SVC_R, known ? key : undefined);
          if (!known) throw notFound('Invalid URL path: not a recognized HTTP API endpoint\n');
          const views = cat.agentServices().filter((v) => (byId ? v.id === key : v.service === key));
          if (!views.length)
            throw notFound(byId ? `ServiceId ${key} not found` : `ServiceName ${key} Not Found`);
          const rank = { passing: 0, warning: 1, critical: 2, maintenance: 3 } as const;
          const entries = views.map((v) => {
            const checks = [...cat.nodeChecks(v.node), ...cat.serviceChecks(v)];
            let agg: keyof typeof rank = 'passing';
            for (const x of checks) {
              const st = x.c.type === 'maintenance' ? 'maintenance' : x.c.status;
              if (rank[st] > rank[agg]) agg = st;
            }
            return { AggregatedStatus: agg, Service: agentServiceJson(v, dc), Checks: checks.map(checkJson) };
          });
          let worst: keyof typeof rank = 'passing';
          for (const e of entries) if (rank[e.AggregatedStatus] > rank[worst]) worst = e.AggregatedStatus;
          const status = worst === 'passing' ? 200 : worst === 'warning' ? 429 : 503;
          const reason: Record<string, string> =
            worst === 'passing' ? {} : { 'X-Consul-Reason': `Service has ${worst} checks` };
          if (q.get('format') === 'text' || c.request.headers.get('accept') === 'text/plain')
            return new Response(worst, { status, headers: { 'Content-Type': 'text/plain', ...reason } });
          return json(q, byId ? entries[0] : entries, { status, headers: reason });
        },
        { detail: consulRoute('Consul agent local service health (by id/ or name/)', SVC_R) },
      )
      .put(
        '/v1/agent/maintenance',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c, q, AGENT_W);
          const enable = enableOf(q);
          await cat.nodeMaintenance(enable, q.get('reason') ?? '');
          return empty();
        },
        { parse: 'none', detail: consulRoute('Consul agent node maintenance', AGENT_W) },
      )
      // compat(consul): cluster-management calls that have no Serf to act on are accepted as no-ops.
      .put('/v1/agent/reload', noop, { detail: consulRoute('Consul agent reload (no-op)', AGENT_W) })
      .put('/v1/agent/leave', noop, { detail: consulRoute('Consul agent leave (no-op)', AGENT_W) })
      .put('/v1/agent/join/*', noop, { detail: consulRoute('Consul agent join (no-op)', AGENT_W) })
      .put(
        '/v1/agent/force-leave/*',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c, q, AGENT_W);
          await cat.forceLeave(pathTail(c.request, '/v1/agent/force-leave/'));
          return empty();
        },
        {
          parse: 'none',
          detail: consulRoute("Consul force-leave (drops another server's node from the catalog)", AGENT_W),
        },
      )
      .get(
        '/v1/catalog/node-services/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/catalog/node-services/');
          await http.authorize(c, q, SVC_R);
          if (!name) throw badRequest('Missing node name');
          const r = await http.block(c, q, (ws) => cat.views(ws));
          const n = nodeOf(name);
          if (!n) return json(q, null, { headers: metaHeaders(r.index) });
          return json(
            q,
            {
              Node: nodeJson(n.value, n.createIndex, n.modifyIndex),
              Services: r.value.filter((v) => v.node === name).map(nodeServiceJson),
            },
            { headers: metaHeaders(r.index) },
          );
        },
        { detail: consulRoute('Consul catalog node services as a list (blocking)', SVC_R) },
      )
      .get(
        '/v1/agent/checks',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c, q, AGENT_R);
          const f = filterOf(q);
          const out: Record<string, unknown> = {};
          for (const r of cat.agentChecks()) {
            const j = checkJson(r);
            if (!f || f(j)) out[r.c.checkId] = j;
          }
          return json(q, out);
        },
        { detail: consulRoute('Consul agent checks', AGENT_R) },
      )
      .put(
        '/v1/agent/check/register',
        async (c: Req) => {
          const q = http.query(c.request);
          const raw = await readBody(c.request);
          await http.authorize(c, q, SVC_W, raw.name('ServiceID'));
          const body = raw.value();
          if (!field(body, 'Name')) throw badRequest('Missing check name');
          const d = decodeCheck(body, () => 'Bad check status');
          await cat.registerCheck(d);
          return empty();
        },
        { parse: 'none', detail: consulRoute('Consul agent check register', SVC_W) },
      )
      .put(
        '/v1/agent/check/deregister/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/check/deregister/');
          await http.authorize(c, q, SVC_W, id);
          await cat.deregisterCheck(id);
          return empty();
        },
        { parse: 'none', detail: consulRoute('Consul agent check deregister', SVC_W) },
      )
      .put('/v1/agent/check/pass/*', ttlUpdate('passing'), {
        parse: 'none',
        detail: consulRoute('Consul TTL check pass', SVC_W),
      })
      .put('/v1/agent/check/warn/*', ttlUpdate('warning'), {
        parse: 'none',
        detail: consulRoute('Consul TTL check warn', SVC_W),
      })
      .put('/v1/agent/check/fail/*', ttlUpdate('critical'), {
        parse: 'none',
        detail: consulRoute('Consul TTL check fail', SVC_W),
      })
      .put(
        '/v1/agent/check/update/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/check/update/');
          await http.authorize(c, q, SVC_W, id);
          const body = await jsonBody(c.request);
          const status = goString(field(body, 'Status'), 'Status', 'checkUpdate');
          if (!['passing', 'warning', 'critical'].includes(status))
            throw badRequest(`Invalid check status: '${status}'`);
          await cat.updateTtl(
            id,
            status as CheckStatus,
            goString(field(body, 'Output'), 'Output', 'checkUpdate'),
          );
          return empty();
        },
        { parse: 'none', detail: consulRoute('Consul TTL check update', SVC_W) },
      )
      .put(
        '/v1/catalog/register',
        async (c: Req) => {
          const q = http.query(c.request);
          const raw = await readBody(c.request);
          await http.authorize(c, q, SVC_W, raw.name('Service', 'Service'));
          const body = raw.value();
          const text = (name: string) => goString(field(body, name), name, 'RegisterRequest');
          const node = text('Node');
          const address = text('Address');
          const bodyDc = text('Datacenter');
          if (bodyDc && bodyDc !== dc) throw serverError('No path to datacenter');
          if (!node || !address) throw badRequest('Must provide node and address');
          const svcBody = field(body, 'Service');
          const def = svcBody ? decodeService(svcBody, ['Service'], false) : undefined;
          const checks: CheckEntry[] = [];
          const check = (v: unknown, path: 'Check' | 'Checks') => {
            if (v === undefined || v === null) return;
            if (typeof v !== 'object' || Array.isArray(v))
              throw badRequest(
                `Request decode failed: ${goTypeError(v, 'structs.HealthCheck', { struct: 'RegisterRequest', path })}`,
              );
            if (!isEmptyCheck(v)) checks.push(decodeCatalogCheck(v, node, path));
          };
          check(field(body, 'Check'), 'Check');
          const many = field(body, 'Checks');
          if (many !== undefined && !Array.isArray(many))
            throw badRequest(
              `Request decode failed: ${goTypeError(many, 'structs.HealthChecks', { struct: 'RegisterRequest', path: 'Checks' })}`,
            );
          for (const x of (many as unknown[] | undefined) ?? []) check(x, 'Checks');
          const existing = cat.node(node)?.value;
          const entry: NodeEntry =
            node === cat.localNode && existing
              ? existing
              : {
                  id: text('ID') || existing?.id || '',
                  node,
                  address,
                  datacenter: dc,
                  taggedAddresses: strMap(
                    field(body, 'TaggedAddresses'),
                    'TaggedAddresses',
                    'RegisterRequest',
                  ),
                  meta: strMap(field(body, 'NodeMeta'), 'NodeMeta', 'RegisterRequest'),
                };
          await cat.catalogRegister(entry, def, checks);
          return json(q, true);
        },
        { parse: 'none', detail: consulRoute('Consul catalog register', SVC_W) },
      )
      .put(
        '/v1/catalog/deregister',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c, q, SVC_W);
          const body = await jsonBody(c.request);
          const text = (name: string) => goString(field(body, name), name, 'DeregisterRequest');
          const node = text('Node');
          if (!node) throw badRequest('Must provide node');
          await cat.catalogDeregister(node, text('ServiceID') || undefined, text('CheckID') || undefined);
          return json(q, true);
        },
        { parse: 'none', detail: consulRoute('Consul catalog deregister', SVC_W) },
      )
      .get(
        '/v1/catalog/nodes',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c, q, SVC_R);
          const f = filterOf(q);
          const meta = nodeMetaOf(q);
          const r = await http.block(c, q, (ws) => cat.allNodes(ws));
          const out = r.value
            .filter((e) => meta(e.value))
            .map((e) => nodeJson(e.value, e.createIndex, e.modifyIndex))
            .filter((j) => !f || f(j));
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: consulRoute('Consul catalog nodes (blocking)', SVC_R) },
      )
      .get(
        '/v1/catalog/services',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c, q, SVC_R);
          const f = filterOf(q);
          const meta = nodeMetaOf(q);
          const r = await http.block(c, q, (ws) => cat.views(ws));
          const out: Record<string, string[]> = { consul: [] };
          for (const v of r.value) {
            const n = nodeOf(v.node);
            if (!n || !meta(n.value)) continue;
            if (f && !f(serviceNodeJson(v, n.value))) continue;
            const tags = out[v.service] ?? [];
            for (const t of v.tags) if (!tags.includes(t)) tags.push(t);
            out[v.service] = tags;
          }
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: consulRoute('Consul catalog services (blocking)', SVC_R) },
      )
      .get(
        '/v1/catalog/service/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/catalog/service/');
          await http.authorize(c, q, SVC_R, name);
          if (!name) throw badRequest('Missing service name');
          const f = filterOf(q);
          const meta = nodeMetaOf(q);
          const tags = tagsOf(q);
          const r = await http.block(c, q, (ws) => cat.views(ws, name));
          const out = r.value
            .filter(tags)
            .flatMap((v) => {
              const n = nodeOf(v.node);
              return n && meta(n.value) ? [serviceNodeJson(v, n.value)] : [];
            })
            .filter((j) => !f || f(j));
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: consulRoute('Consul catalog service instances (blocking)', SVC_R) },
      )
      .get(
        '/v1/catalog/node/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/catalog/node/');
          await http.authorize(c, q, SVC_R);
          if (!name) throw badRequest('Missing node name');
          const f = filterOf(q);
          const r = await http.block(c, q, (ws) => cat.views(ws));
          const n = nodeOf(name);
          if (!n) return json(q, null, { headers: metaHeaders(r.index) });
          const services: Record<string, unknown> = {};
          for (const v of r.value)
            if (v.node === name) {
              const j = nodeServiceJson(v);
              if (!f || f(j)) services[v.id] = j;
            }
          return json(
            q,
            { Node: nodeJson(n.value, n.createIndex, n.modifyIndex), Services: services },
            { headers: metaHeaders(r.index) },
          );
        },
        { detail: consulRoute('Consul catalog node (blocking)', SVC_R) },
      )
      .get(
        '/v1/health/node/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/health/node/');
          await http.authorize(c, q, SVC_R);
          if (!name) throw badRequest('Missing node name');
          const f = filterOf(q);
          const r = await http.block(c, q, (ws) => cat.allChecks(ws, name));
          const out = r.value.map(checkJson).filter((j) => !f || f(j));
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: consulRoute('Consul health of a node (blocking)', SVC_R) },
      )
      .get(
        '/v1/health/checks/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/health/checks/');
          await http.authorize(c, q, SVC_R, name);
          if (!name) throw badRequest('Missing service name');
          const f = filterOf(q);
          const meta = nodeMetaOf(q);
          const r = await http.block(c, q, (ws) => cat.views(ws, name));
          const out = r.value
            .filter((v) => {
              const n = nodeOf(v.node);
              return n && meta(n.value);
            })
            .flatMap((v) => cat.serviceChecks(v).map(checkJson))
            .filter((j) => !f || f(j));
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: consulRoute('Consul checks of a service (blocking)', SVC_R) },
      )
      .get(
        '/v1/health/service/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/health/service/');
          await http.authorize(c, q, SVC_R, name);
          if (!name) throw badRequest('Missing service name');
          let passing: boolean | undefined;
          try {
            passing = parseBool(q.get('passing'));
          } catch {
            throw badRequest('Invalid value for ?passing');
          }
          const f = filterOf(q);
          const meta = nodeMetaOf(q);
          const tags = tagsOf(q);
          const r = await http.block(c, q, (ws) => cat.views(ws, name));
          const out = healthEntries(r.value.filter(tags))
            .filter((e) => meta(e.n.value))
            .filter((e) => !passing || e.checks.every((x) => x.c.status === 'passing'))
            .map((e) => ({
              Node: nodeJson(e.n.value, e.n.createIndex, e.n.modifyIndex),
              Service: nodeServiceJson(e.v),
              Checks: e.checks.map(checkJson),
            }))
            .filter((j) => !f || f(j));
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: consulRoute('Consul healthy instances of a service (blocking)', SVC_R) },
      )
      .get(
        '/v1/health/state/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const state = pathTail(c.request, '/v1/health/state/');
          await http.authorize(c, q, SVC_R);
          if (!['any', 'passing', 'warning', 'critical'].includes(state)) throw badRequest('Invalid state');
          const f = filterOf(q);
          const r = await http.block(c, q, (ws) => cat.allChecks(ws));
          const out = r.value
            .filter((x) => state === 'any' || x.c.status === state)
            .map(checkJson)
            .filter((j) => !f || f(j));
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: consulRoute('Consul checks in a state (blocking)', SVC_R) },
      )
  );
}
