import { createHash } from 'node:crypto';
import { Elysia } from 'elysia';
import { route } from '../http/route-meta';
import { type Entry, WatchSet } from '../state';
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
import { type CatalogService, type ServiceDef, unknownService } from './catalog-service';
import { decodeCheck, isEmptyCheck } from './check-def';
import { badRequest, notFound, serverError } from './consul-errors';
import { type ConsulHttp, empty, field, json, metaHeaders, pathTail, type Req } from './consul-http';
import { compileFilter, type Filter, FilterError } from './filter';
import { goTypeError } from './go-json';

const SVC_R = { resource: 'consul-service', action: 'r' } as const;
const SVC_W = { resource: 'consul-service', action: 'w' } as const;
const AGENT_R = { resource: 'consul-agent', action: 'r' } as const;
const AGENT_W = { resource: 'consul-agent', action: 'w' } as const;

type CheckRow = { c: CheckEntry; ci: number; mi: number };
const checkJson = (r: CheckRow) => healthCheckJson(r.c, r.ci, r.mi);

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

/** A Go `string` field: JSON null is '', any other non-string is Go's decode error (400). */
const goString = (v: unknown, path: string, struct = ''): string => {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string')
    throw badRequest(`Request decode failed: ${goTypeError(v, 'string', { struct, path })}`);
  return v;
};

/** A Go `[]string` field (null items are ''). */
const strList = (v: unknown, path: string, struct = ''): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw badRequest(`Request decode failed: ${goTypeError(v, '[]string', { struct, path })}`);
  return v.map((x) => goString(x, path, struct));
};

/** A Go `map[string]string` field (null values are ''). */
const strMap = (v: unknown, path: string, struct = ''): Record<string, string> => {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw badRequest(`Request decode failed: ${goTypeError(v, 'map[string]string', { struct, path })}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = goString(x, path, struct);
  return out;
};

/** Decodes an AgentServiceRegistration / catalog NodeService (lenient casing, §1.2). */
export function decodeService(body: unknown, nameKeys: string[], withChecks: boolean): ServiceDef {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw badRequest(
      'Request decode failed: json: cannot unmarshal into Go value of type structs.ServiceDefinition',
    );
  const name = field(body, ...nameKeys);
  if (name !== undefined && typeof name !== 'string')
    throw badRequest(`Request decode failed: ${goTypeError(name, 'string', { struct: '', path: 'Name' })}`);
  if (!name) throw badRequest('Missing service name');
  const address = goString(field(body, 'Address'), 'Address');
  if (address === '0.0.0.0' || address === '::' || address === '[::]')
    throw badRequest('Invalid service address');
  const port = field(body, 'Port') ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw badRequest(
      `Request decode failed: json: cannot unmarshal ${typeof port} into Go struct field .Port of type int`,
    );
  const meta = strMap(field(body, 'Meta'), 'Meta');
  for (const k of Object.keys(meta)) {
    if (k.startsWith('consul-'))
      throw badRequest(`Invalid Service Meta: Key prefix 'consul-' is reserved for internal use`);
    if (!/^[A-Za-z0-9_-]+$/.test(k) || k.length > 128)
      throw badRequest(`Invalid Service Meta: Key contains invalid characters`);
  }
  let weights: ServiceDef['weights'];
  const w = field(body, 'Weights');
  if (w !== undefined) {
    const passing = Number(field(w, 'Passing') ?? 1);
    const warning = Number(field(w, 'Warning') ?? 1);
    if (!(passing >= 1) || passing > 65535)
      throw badRequest('Invalid Weights: Passing must be greater than 0');
    if (!(warning >= 0) || warning > 65535)
      throw badRequest('Invalid Weights: Warning must be greater or equal than 0');
    weights = { Passing: passing, Warning: warning };
  }
  const checks = [];
  if (withChecks) {
    const statusError = (s: string) => `Status for checks must 'passing', 'warning', 'critical': ${s}`;
    const one = field(body, 'Check');
    if (one !== undefined && !isEmptyCheck(one)) checks.push(decodeCheck(one, statusError));
    const many = field(body, 'Checks');
    if (many !== undefined) {
      if (!Array.isArray(many)) throw badRequest('Request decode failed: Checks must be an array');
      for (const c of many) if (!isEmptyCheck(c)) checks.push(decodeCheck(c, statusError));
    }
  }
  const tagged = field(body, 'TaggedAddresses');
  return {
    id: goString(field(body, 'ID'), 'ID') || name,
    name,
    tags: strList(field(body, 'Tags'), 'Tags'),
    address,
    port,
    meta,
    kind: goString(field(body, 'Kind'), 'Kind'),
    taggedAddresses:
      tagged && typeof tagged === 'object' && Object.keys(tagged).length
        ? (Object.fromEntries(
            Object.entries(tagged).map(([k, v]) => [
              k,
              { Address: String(field(v, 'Address') ?? ''), Port: Number(field(v, 'Port') ?? 0) },
            ]),
          ) as ServiceDef['taggedAddresses'])
        : undefined,
    weights,
    enableTagOverride: field(body, 'EnableTagOverride') === true,
    checks,
  };
}

/** Catalog check (`HealthCheck` with `Definition`): stored as given, never run. */
function decodeCatalogCheck(o: unknown, node: string, path: 'Check' | 'Checks'): CheckEntry {
  // Go names the field by its path from the RegisterRequest root: HealthCheck.Check.Notes.
  const text = (...names: string[]) => goString(field(o, ...names), `${path}.${names[0]}`, 'HealthCheck');
  const def = field(o, 'Definition') ?? {};
  const status = text('Status') || 'critical';
  if (!['passing', 'warning', 'critical'].includes(status))
    throw badRequest(`Status for checks must 'passing', 'warning', 'critical': ${status}`);
  const name = text('Name');
  const d = isEmptyCheck(def)
    ? undefined
    : (() => {
        try {
          return decodeCheck(def, (s) => s);
        } catch {
          return undefined;
        }
      })();
  return {
    node,
    checkId: text('CheckID', 'ID') || name,
    name,
    status: status as CheckStatus,
    notes: text('Notes'),
    output: text('Output'),
    serviceId: text('ServiceID'),
    serviceName: '',
    serviceTags: [],
    type: d?.type === 'ttl' ? '' : (d?.type ?? ''),
    interval: d?.interval ?? '',
    timeout: d?.timeout ?? '',
    deregisterCriticalServiceAfter: d?.deregisterCriticalServiceAfter ?? '',
    ttl: '',
    spec: d?.spec ?? { ttlMs: 0, intervalMs: 0, timeoutMs: 0, deregisterAfterMs: 0 },
    source: 'catalog',
  };
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

  const ttlUpdate = (status: CheckStatus) => async (c: Req) => {
    const q = http.query(c.request);
    const id = pathTail(
      c.request,
      `/v1/agent/check/${status === 'passing' ? 'pass' : status === 'warning' ? 'warn' : 'fail'}/`,
    );
    await http.authorize(c.request, q, SVC_W, id);
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
          await http.authorize(c.request, q, AGENT_R);
          const f = filterOf(q);
          const out: Record<string, unknown> = {};
          for (const v of cat.agentServices()) {
            const j = agentServiceJson(v, dc);
            if (!f || f(j)) out[v.id] = j;
          }
          return json(q, out);
        },
        { detail: route('Consul agent services', AGENT_R) },
      )
      .get(
        '/v1/agent/service/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/service/');
          await http.authorize(c.request, q, SVC_R, id);
          const v = cat.agentService(id);
          if (!v) throw notFound(`unknown service ID: ${id}`);
          const j = agentServiceJson(v, dc);
          const hash = createHash('sha256').update(JSON.stringify(j)).digest('hex').slice(0, 16);
          return json(q, { ...j, ContentHash: hash }, { headers: { 'X-Consul-ContentHash': hash } });
        },
        { detail: route('Consul agent service by ID', SVC_R) },
      )
      .put(
        '/v1/agent/service/register',
        async (c: Req) => {
          const q = http.query(c.request);
          const def = decodeService(await jsonBody(c.request), ['Name'], true);
          await http.authorize(c.request, q, SVC_W, def.name);
          const rec = q.get('replace-existing-checks');
          await cat.registerService(def, { source: 'agent', replaceChecks: rec === '' || rec === 'true' });
          return empty();
        },
        { parse: 'none', detail: route('Consul agent service register', SVC_W) },
      )
      .put(
        '/v1/agent/service/deregister/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/service/deregister/');
          await http.authorize(c.request, q, SVC_W, id);
          await cat.deregisterService(id);
          return empty();
        },
        { parse: 'none', detail: route('Consul agent service deregister', SVC_W) },
      )
      .put(
        '/v1/agent/service/maintenance/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/service/maintenance/');
          if (!id) throw badRequest('Missing service ID');
          const enable = enableOf(q);
          await http.authorize(c.request, q, SVC_W, id);
          if (!cat.agentService(id)) throw unknownService(id);
          await cat.maintenance(id, enable, q.get('reason') ?? '');
          return empty();
        },
        { parse: 'none', detail: route('Consul agent service maintenance', SVC_W) },
      )
      .get(
        '/v1/agent/health/service/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const tail = pathTail(c.request, '/v1/agent/health/service/');
          const byId = tail.startsWith('id/');
          if (!byId && !tail.startsWith('name/'))
            throw notFound('Invalid URL path: not a recognized HTTP API endpoint\n');
          const key = tail.slice(byId ? 3 : 5);
          await http.authorize(c.request, q, SVC_R, key);
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
        { detail: route('Consul agent local service health (by id/ or name/)', SVC_R) },
      )
      .put(
        '/v1/agent/maintenance',
        async (c: Req) => {
          const q = http.query(c.request);
          const enable = enableOf(q);
          await http.authorize(c.request, q, AGENT_W);
          await cat.nodeMaintenance(enable, q.get('reason') ?? '');
          return empty();
        },
        { parse: 'none', detail: route('Consul agent node maintenance', AGENT_W) },
      )
      // compat(consul): cluster-management calls a single-node server accepts as no-ops.
      .put('/v1/agent/reload', () => empty(), { detail: route('Consul agent reload (no-op)', AGENT_W) })
      .put('/v1/agent/leave', () => empty(), { detail: route('Consul agent leave (no-op)', AGENT_W) })
      .put('/v1/agent/join/*', () => empty(), { detail: route('Consul agent join (no-op)', AGENT_W) })
      .put('/v1/agent/force-leave/*', () => empty(), { detail: route('Consul force-leave (no-op)', AGENT_W) })
      .get(
        '/v1/catalog/node-services/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/catalog/node-services/');
          if (!name) throw badRequest('Missing node name');
          await http.authorize(c.request, q, SVC_R);
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
        { detail: route('Consul catalog node services as a list (blocking)', SVC_R) },
      )
      .get(
        '/v1/agent/checks',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c.request, q, AGENT_R);
          const f = filterOf(q);
          const out: Record<string, unknown> = {};
          for (const r of cat.agentChecks()) {
            const j = checkJson(r);
            if (!f || f(j)) out[r.c.checkId] = j;
          }
          return json(q, out);
        },
        { detail: route('Consul agent checks', AGENT_R) },
      )
      .put(
        '/v1/agent/check/register',
        async (c: Req) => {
          const q = http.query(c.request);
          const body = await jsonBody(c.request);
          if (!field(body, 'Name')) throw badRequest('Missing check name');
          const d = decodeCheck(body, () => 'Bad check status');
          await http.authorize(c.request, q, SVC_W, d.serviceId);
          await cat.registerCheck(d);
          return empty();
        },
        { parse: 'none', detail: route('Consul agent check register', SVC_W) },
      )
      .put(
        '/v1/agent/check/deregister/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/check/deregister/');
          await http.authorize(c.request, q, SVC_W, id);
          await cat.deregisterCheck(id);
          return empty();
        },
        { parse: 'none', detail: route('Consul agent check deregister', SVC_W) },
      )
      .put('/v1/agent/check/pass/*', ttlUpdate('passing'), {
        parse: 'none',
        detail: route('Consul TTL check pass', SVC_W),
      })
      .put('/v1/agent/check/warn/*', ttlUpdate('warning'), {
        parse: 'none',
        detail: route('Consul TTL check warn', SVC_W),
      })
      .put('/v1/agent/check/fail/*', ttlUpdate('critical'), {
        parse: 'none',
        detail: route('Consul TTL check fail', SVC_W),
      })
      .put(
        '/v1/agent/check/update/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const id = pathTail(c.request, '/v1/agent/check/update/');
          const body = await jsonBody(c.request);
          const status = goString(field(body, 'Status'), 'Status', 'checkUpdate');
          if (!['passing', 'warning', 'critical'].includes(status))
            throw badRequest(`Invalid check status: '${status}'`);
          await http.authorize(c.request, q, SVC_W, id);
          await cat.updateTtl(
            id,
            status as CheckStatus,
            goString(field(body, 'Output'), 'Output', 'checkUpdate'),
          );
          return empty();
        },
        { parse: 'none', detail: route('Consul TTL check update', SVC_W) },
      )
      .put(
        '/v1/catalog/register',
        async (c: Req) => {
          const q = http.query(c.request);
          const body = await jsonBody(c.request);
          const text = (name: string) => goString(field(body, name), name, 'RegisterRequest');
          const node = text('Node');
          const address = text('Address');
          const bodyDc = text('Datacenter');
          if (bodyDc && bodyDc !== dc) throw serverError('No path to datacenter');
          if (!node || !address) throw badRequest('Must provide node and address');
          const svcBody = field(body, 'Service');
          const def = svcBody ? decodeService(svcBody, ['Service'], false) : undefined;
          await http.authorize(c.request, q, SVC_W, def?.name);
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
        { parse: 'none', detail: route('Consul catalog register', SVC_W) },
      )
      .put(
        '/v1/catalog/deregister',
        async (c: Req) => {
          const q = http.query(c.request);
          const body = await jsonBody(c.request);
          const text = (name: string) => goString(field(body, name), name, 'DeregisterRequest');
          const node = text('Node');
          if (!node) throw badRequest('Must provide node');
          await http.authorize(c.request, q, SVC_W);
          await cat.catalogDeregister(node, text('ServiceID') || undefined, text('CheckID') || undefined);
          return json(q, true);
        },
        { parse: 'none', detail: route('Consul catalog deregister', SVC_W) },
      )
      .get(
        '/v1/catalog/nodes',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c.request, q, SVC_R);
          const f = filterOf(q);
          const meta = nodeMetaOf(q);
          const r = await http.block(c, q, (ws) => cat.allNodes(ws));
          const out = r.value
            .filter((e) => meta(e.value))
            .map((e) => nodeJson(e.value, e.createIndex, e.modifyIndex))
            .filter((j) => !f || f(j));
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: route('Consul catalog nodes (blocking)', SVC_R) },
      )
      .get(
        '/v1/catalog/services',
        async (c: Req) => {
          const q = http.query(c.request);
          await http.authorize(c.request, q, SVC_R);
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
        { detail: route('Consul catalog services (blocking)', SVC_R) },
      )
      .get(
        '/v1/catalog/service/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/catalog/service/');
          if (!name) throw badRequest('Missing service name');
          await http.authorize(c.request, q, SVC_R, name);
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
        { detail: route('Consul catalog service instances (blocking)', SVC_R) },
      )
      .get(
        '/v1/catalog/node/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/catalog/node/');
          if (!name) throw badRequest('Missing node name');
          await http.authorize(c.request, q, SVC_R);
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
        { detail: route('Consul catalog node (blocking)', SVC_R) },
      )
      .get(
        '/v1/health/node/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/health/node/');
          if (!name) throw badRequest('Missing node name');
          await http.authorize(c.request, q, SVC_R);
          const f = filterOf(q);
          const r = await http.block(c, q, (ws) => cat.allChecks(ws, name));
          const out = r.value.map(checkJson).filter((j) => !f || f(j));
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: route('Consul health of a node (blocking)', SVC_R) },
      )
      .get(
        '/v1/health/checks/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/health/checks/');
          if (!name) throw badRequest('Missing service name');
          await http.authorize(c.request, q, SVC_R, name);
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
        { detail: route('Consul checks of a service (blocking)', SVC_R) },
      )
      .get(
        '/v1/health/service/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const name = pathTail(c.request, '/v1/health/service/');
          if (!name) throw badRequest('Missing service name');
          let passing: boolean | undefined;
          try {
            passing = parseBool(q.get('passing'));
          } catch {
            throw badRequest('Invalid value for ?passing');
          }
          await http.authorize(c.request, q, SVC_R, name);
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
        { detail: route('Consul healthy instances of a service (blocking)', SVC_R) },
      )
      .get(
        '/v1/health/state/*',
        async (c: Req) => {
          const q = http.query(c.request);
          const state = pathTail(c.request, '/v1/health/state/');
          if (!['any', 'passing', 'warning', 'critical'].includes(state)) throw badRequest('Invalid state');
          await http.authorize(c.request, q, SVC_R);
          const f = filterOf(q);
          const r = await http.block(c, q, (ws) => cat.allChecks(ws));
          const out = r.value
            .filter((x) => state === 'any' || x.c.status === state)
            .map(checkJson)
            .filter((j) => !f || f(j));
          return json(q, out, { headers: metaHeaders(r.index) });
        },
        { detail: route('Consul checks in a state (blocking)', SVC_R) },
      )
  );
}

/**
 * Node/Service/Check ops of `PUT /v1/txn`: the `get` verbs read the catalog inside the
 * transaction. Catalog writes go through the naming registry, which commits on its own, so they
 * cannot join the KV transaction's single commit and are refused (the whole txn rolls back).
 */
export function catalogTxnOps(cat: CatalogService) {
  return (op: Record<string, unknown>): { what?: string; result?: unknown } => {
    const nodeOp = field(op, 'Node');
    const svcOp = field(op, 'Service');
    const checkOp = field(op, 'Check');
    const kind = nodeOp ? 'Node' : svcOp ? 'Service' : checkOp ? 'Check' : '';
    if (!kind) return { what: 'unknown operation: expected one of KV, Node, Service, Check' };
    const body = (nodeOp ?? svcOp ?? checkOp) as Record<string, unknown>;
    const verb = String(field(body, 'Verb') ?? '');
    if (verb !== 'get')
      return { what: `${kind} operation "${verb}" is not supported in transactions by this server` };
    if (kind === 'Node') {
      const name = String(field(field(body, 'Node'), 'Node') ?? '');
      const n = cat.node(name);
      if (!n) return { what: `node "${name}" doesn't exist` };
      return { result: { Node: nodeJson(n.value, n.createIndex, n.modifyIndex) } };
    }
    if (kind === 'Service') {
      const node = String(field(body, 'Node') ?? '');
      const id = String(field(field(body, 'Service'), 'ID') ?? '');
      const v = cat.findService(id, node);
      if (!v) return { what: `service "${id}" on node "${node}" doesn't exist` };
      return { result: { Service: nodeServiceJson(v) } };
    }
    const chk = field(body, 'Check');
    const node = String(field(chk, 'Node') ?? '');
    const id = String(field(chk, 'CheckID') ?? '');
    const all = cat.allChecks(new WatchSet(), node).value;
    const found = all.find((r) => r.c.checkId === id);
    if (!found) return { what: `check "${id}" on node "${node}" doesn't exist` };
    return { result: { Check: checkJson(found) } };
  };
}
