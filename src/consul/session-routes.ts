import { Elysia } from 'elysia';
import { badRequest, notFound } from './consul-errors';
import {
  type ConsulHttp,
  consulRoute,
  field,
  hasField,
  json,
  metaHeaders,
  pathTail,
  type Req,
  sessionJson,
} from './consul-http';
import type { SessionRequest, SessionService } from './session-service';

const S_R = { resource: 'consul-session', action: 'r' } as const;
const S_W = { resource: 'consul-session', action: 'w' } as const;

/** `/v1/session/*` (spec §8). */
export function sessionRoutes(http: ConsulHttp, sessions: SessionService) {
  return new Elysia({ name: 'consul.session' })
    .put(
      '/v1/session/create',
      async (c: Req) => {
        const q = http.query(c.request);
        await http.authorize(c, q, S_W);
        const text = (await c.request.text()).trim();
        let body: unknown = {};
        if (text) {
          try {
            body = JSON.parse(text);
          } catch (e) {
            throw badRequest(`Request decode failed: ${(e as Error).message}`);
          }
        }
        const req = decodeSession(body);
        const s = await sessions.create(req);
        return json(q, { ID: s.id });
      },
      { parse: 'none', detail: consulRoute('Consul session create', S_W) },
    )
    .put(
      '/v1/session/destroy/*',
      async (c: Req) => {
        const q = http.query(c.request);
        const id = pathTail(c.request, '/v1/session/destroy/');
        await http.authorize(c, q, S_W);
        if (!id) throw badRequest('Missing session');
        await sessions.destroy(id);
        return json(q, true);
      },
      { parse: 'none', detail: consulRoute('Consul session destroy', S_W) },
    )
    .put(
      '/v1/session/renew/*',
      async (c: Req) => {
        const q = http.query(c.request);
        const id = pathTail(c.request, '/v1/session/renew/');
        await http.authorize(c, q, S_W);
        if (!id) throw badRequest('Missing session');
        const s = await sessions.renew(id);
        if (!s) throw notFound(`Session id '${id}' not found`);
        return json(q, [sessionJson(s)]);
      },
      { parse: 'none', detail: consulRoute('Consul session renew', S_W) },
    )
    .get(
      '/v1/session/info/*',
      async (c: Req) => {
        const q = http.query(c.request);
        const id = pathTail(c.request, '/v1/session/info/');
        await http.authorize(c, q, S_R);
        if (!id) throw badRequest('Missing session');
        const r = await http.block(c, q, (ws) => sessions.info(ws, id));
        return json(q, r.value.map(sessionJson), { headers: metaHeaders(r.index) });
      },
      { detail: consulRoute('Consul session info (blocking)', S_R) },
    )
    .get(
      '/v1/session/node/*',
      async (c: Req) => {
        const q = http.query(c.request);
        const node = pathTail(c.request, '/v1/session/node/');
        await http.authorize(c, q, S_R);
        if (!node) throw badRequest('Missing node name');
        const r = await http.block(c, q, (ws) => sessions.list(ws, node));
        return json(q, r.value.map(sessionJson), { headers: metaHeaders(r.index) });
      },
      { detail: consulRoute('Consul sessions of a node (blocking)', S_R) },
    )
    .get(
      '/v1/session/list',
      async (c: Req) => {
        const q = http.query(c.request);
        await http.authorize(c, q, S_R);
        const r = await http.block(c, q, (ws) => sessions.list(ws));
        return json(q, r.value.map(sessionJson), { headers: metaHeaders(r.index) });
      },
      { detail: consulRoute('Consul session list (blocking)', S_R) },
    );
}

function decodeSession(body: unknown): SessionRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('Request decode failed: json: cannot unmarshal into Go value of type structs.Session');
  const str = (v: unknown, name: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string')
      throw badRequest(
        `Request decode failed: json: cannot unmarshal ${typeof v} into Go struct field .${name} of type string`,
      );
    return v;
  };
  const lockDelay = field(body, 'LockDelay');
  if (lockDelay !== undefined && typeof lockDelay !== 'string' && typeof lockDelay !== 'number')
    throw badRequest('Request decode failed: invalid LockDelay');
  let checks: string[] | undefined;
  const raw = field(body, 'Checks');
  const nodeChecks = field(body, 'NodeChecks');
  if (hasField(body, 'Checks') || nodeChecks !== undefined) {
    checks = [
      ...new Set(
        [...(Array.isArray(raw) ? raw : []), ...(Array.isArray(nodeChecks) ? nodeChecks : [])].map(String),
      ),
    ];
  }
  const svc = field(body, 'ServiceChecks');
  return {
    name: str(field(body, 'Name'), 'Name'),
    node: str(field(body, 'Node'), 'Node'),
    behavior: str(field(body, 'Behavior'), 'Behavior'),
    ttl: str(field(body, 'TTL'), 'TTL'),
    lockDelay: lockDelay as string | number | undefined,
    checks,
    serviceChecks: Array.isArray(svc)
      ? svc.map((c) => ({ ID: String(field(c, 'ID') ?? ''), Namespace: String(field(c, 'Namespace') ?? '') }))
      : undefined,
  };
}
