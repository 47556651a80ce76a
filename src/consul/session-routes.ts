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
import { goTypeError } from './go-json';
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

/**
 * The session create body in Go's field types (`structs.Session`, decoded through an alias struct,
 * so Go names no struct in its errors: `Go struct field .Name`). A mistyped field is a 400.
 */
function decodeSession(body: unknown): SessionRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest(`Request decode failed: ${goTypeError(body, 'structs.Session')}`);
  const fail = (v: unknown, path: string, type: string, struct = '') =>
    badRequest(`Request decode failed: ${goTypeError(v, type, { struct, path })}`);
  const str = (v: unknown, name: string): string | undefined => {
    if (v !== undefined && typeof v !== 'string') throw fail(v, name, 'string');
    return v;
  };
  /** A string list; a null item is Go's zero value, ''. */
  const strings = (name: string, itemType: string): string[] | undefined => {
    const v = field(body, name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw fail(v, name, `[]${itemType}`);
    return v.map((x) => {
      if (x !== null && typeof x !== 'string') throw fail(x, name, itemType);
      return x ?? '';
    });
  };
  const lockDelay = field(body, 'LockDelay');
  if (lockDelay !== undefined && typeof lockDelay !== 'string' && typeof lockDelay !== 'number')
    throw badRequest('Request decode failed: invalid LockDelay');
  let checks: string[] | undefined;
  const raw = strings('Checks', 'types.CheckID');
  const nodeChecks = strings('NodeChecks', 'string');
  if (hasField(body, 'Checks') || nodeChecks !== undefined)
    checks = [...new Set([...(raw ?? []), ...(nodeChecks ?? [])])];
  const svc = field(body, 'ServiceChecks');
  if (svc !== undefined && !Array.isArray(svc)) throw fail(svc, 'ServiceChecks', '[]structs.ServiceCheck');
  const serviceChecks = (svc as unknown[] | undefined)?.map((c) => {
    if (c === null) return { ID: '', Namespace: '' };
    if (typeof c !== 'object' || Array.isArray(c)) throw fail(c, 'ServiceChecks', 'structs.ServiceCheck');
    const text = (name: string) => {
      const v = field(c, name);
      if (v !== undefined && typeof v !== 'string')
        throw fail(v, `ServiceChecks.${name}`, 'string', 'ServiceCheck');
      return v ?? '';
    };
    return { ID: text('ID'), Namespace: text('Namespace') };
  });
  return {
    name: str(field(body, 'Name'), 'Name'),
    node: str(field(body, 'Node'), 'Node'),
    behavior: str(field(body, 'Behavior'), 'Behavior'),
    ttl: str(field(body, 'TTL'), 'TTL'),
    lockDelay: lockDelay as string | number | undefined,
    checks,
    serviceChecks,
  };
}
