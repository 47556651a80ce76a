import { OPENAPI_PATH } from '../../src/http/openapi';
import {
  ALL_VALUES,
  BAD_BODIES,
  BAD_HEADERS,
  BAD_SEGMENTS,
  type BadBody,
  type BadValue,
  CONSUL_BODIES,
  HUGE_VALUE,
  kindOf,
  modesOf,
  NACOS_BASELINE,
  paramsFor,
  TXN_BODIES,
  VALUES_BY_KIND,
} from './bad-input';

/**
 * The engine of the bad-input sweep (test/integration/bad-input-sweep.test.ts): operations from the
 * server's OpenAPI document, the probes sent to each, and the rules an answer must keep.
 */

/** A probe that takes longer is a hang. */
export const REQUEST_TIMEOUT_MS = 5_000;
const CONCURRENCY = 8;

export interface Operation {
  method: string;
  /** OpenAPI path, `{name}` for path parameters. */
  path: string;
  listener: 'main' | 'console';
}

export interface Probe {
  op: Operation;
  name: string;
  /** Path (and query) after the listener's base URL, raw. */
  target: string;
  body?: BadBody;
  headers?: Record<string, string>;
}

export type Protocol = 'consul' | 'nacos-v1' | 'nacos-result';

export function protocolOf(op: Operation): Protocol {
  if (op.listener === 'console') return 'nacos-result';
  if (op.path.startsWith('/v1/')) return 'consul';
  if (/^\/nacos\/v[23]\//.test(op.path)) return 'nacos-result';
  return 'nacos-v1';
}

const query = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${v}`)
    .join('&');

const encodedBaseline = Object.fromEntries(
  Object.entries(NACOS_BASELINE).map(([k, v]) => [k, encodeURIComponent(v)]),
);

/** Path parameter values that reach the handler where a plain name does not. */
const PATH_SAMPLES: Readonly<Record<string, string>> = {
  '/v1/agent/health/service/{path}': 'name/sweep',
};

/** `{path}`/`{id}` → a harmless segment, or the given raw segment. */
const fillPath = (path: string, seg?: string) =>
  path.replace(/\{[^}]+\}/g, seg ?? PATH_SAMPLES[path] ?? 'sweep');

/** Malformed parameters, bodies, headers and path segments for one operation. */
export function malformedProbes(op: Operation): Probe[] {
  const out: Probe[] = [];
  const hasBody = op.method !== 'GET' && op.method !== 'HEAD';
  const consul = protocolOf(op) === 'consul';
  const path = fillPath(op.path);
  const params = paramsFor(op.path, consul);
  const baseline: Record<string, string> = consul ? {} : encodedBaseline;
  const withParams = (name: string, values: Record<string, string>): Probe => {
    const q = query(values);
    if (hasBody && !consul)
      return {
        op,
        name,
        target: path,
        body: { name: 'form', contentType: 'application/x-www-form-urlencoded', body: q },
      };
    return { op, name, target: q ? `${path}?${q}` : path };
  };

  out.push({ op, name: 'bare', target: path });
  // The console listener serves the same plugins as /nacos/v3/console and /nacos/v3/auth on the
  // main port: there the sweep checks the listener's own parsing and error rendering only.
  const perParam = op.listener === 'console' ? params.slice(0, 1) : params;
  for (const mode of op.listener === 'console' ? [{}] : modesOf(op.method, op.path)) {
    const label = Object.keys(mode).length ? ` (${query(mode)})` : '';
    for (const p of perParam) {
      const values = op.listener === 'console' ? ALL_VALUES : VALUES_BY_KIND[kindOf(p)];
      for (const v of values)
        out.push(withParams(`${p}=${v.name}${label}`, { ...baseline, ...mode, [p]: v.raw }));
    }
  }
  out.push(withParams(`${params[0]}=${HUGE_VALUE.name}`, { ...baseline, [params[0]!]: HUGE_VALUE.raw }));
  // Every parameter twice, with different values (Spring and Go read the first); a foreign ?dc is
  // its own by-design 500.
  const twice = params
    .filter((p) => p !== 'dc')
    .map((p) => `${encodeURIComponent(p)}=a&${encodeURIComponent(p)}=-1`)
    .join('&');
  out.push({ op, name: 'duplicated params', target: `${path}?${twice}` });
  const baseTarget = consul ? path : `${path}?${query(baseline)}`;
  const bodies = !hasBody
    ? []
    : op.path === '/v1/txn'
      ? [...BAD_BODIES, ...TXN_BODIES]
      : consul
        ? [...BAD_BODIES, ...CONSUL_BODIES]
        : BAD_BODIES;
  for (const b of bodies) out.push({ op, name: `body ${b.name}`, target: baseTarget, body: b });
  for (const h of BAD_HEADERS)
    out.push({ op, name: `header ${h.name}`, target: baseTarget, headers: h.headers });
  for (const s of BAD_SEGMENTS) {
    const target = op.path.includes('{') ? fillPath(op.path, s.raw) : `${op.path}/${s.raw}`;
    out.push({ op, name: `segment ${s.name}`, target });
  }
  return out;
}

/** Probes that carry nothing but credentials: none, or each bad token as `accessToken`, Bearer and Consul token. */
export function credentialProbes(op: Operation, tokens: readonly BadValue[]): Probe[] {
  const path = fillPath(op.path);
  const out: Probe[] = [{ op, name: 'no credentials', target: path }];
  for (const tk of tokens) {
    out.push({ op, name: `accessToken=${tk.name}`, target: `${path}?accessToken=${tk.raw}&token=${tk.raw}` });
    out.push({
      op,
      name: `header token ${tk.name}`,
      target: path,
      headers: { Authorization: `Bearer ${tk.raw}`, accessToken: tk.raw, 'X-Consul-Token': tk.raw },
    });
  }
  return out;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/** One probe per path and method it is not served with: a 405 (or 404), never a crash. */
export function wrongMethodProbes(ops: readonly Operation[]): Probe[] {
  const served = new Map<string, Set<string>>();
  for (const op of ops) {
    const k = `${op.listener} ${op.path}`;
    if (!served.has(k)) served.set(k, new Set());
    served.get(k)!.add(op.method);
  }
  return [...served].flatMap(([k, methods]) => {
    const [listener, path] = k.split(' ') as [Operation['listener'], string];
    return METHODS.filter((m) => !methods.has(m)).map((method) => ({
      op: { method, path, listener },
      name: 'wrong method',
      target: fillPath(path),
    }));
  });
}

export interface Outcome {
  status: number;
  contentType: string;
  text: string;
  ms: number;
}

export async function send(base: string, p: Probe): Promise<Outcome> {
  const t0 = performance.now();
  const headers: Record<string, string> = { ...p.headers };
  if (p.body) headers['content-type'] = p.body.contentType;
  const res = await fetch(`${base}${p.target}`, {
    method: p.op.method,
    headers,
    body: p.body?.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    text,
    ms: performance.now() - t0,
  };
}

/**
 * 5xx answers the real servers give by design, so Batata gives them too (spec consul-api.md §1.3,
 * §6, §8.1): Consul's HTTP layer answers every RPC error that is not a typed HTTP error with 500.
 * - `?dc=<unknown>`: `No path to datacenter` (`structs.ErrNoDCPath`).
 * - KV `?flags=` / `?cas=` that are not uint64: the strconv error, returned unwrapped by
 *   `KVSPut` / `KVSDelete` (agent/kvs_endpoint.go).
 * - KV `?acquire=<unknown session>`: `invalid session "<id>"` from the state store's lock.
 * - Session create: `Session.Apply`'s checks of TTL, Behavior, node and checks.
 * - `/v1/agent/health/service/...`: 503 while a check of the service is critical (spec §3.13).
 */
const CONSUL_5XX: ReadonlyArray<{ path?: string; probe: RegExp; body: RegExp }> = [
  { probe: /^dc=/, body: /^No path to datacenter$/ },
  {
    path: '/v1/kv/{path}',
    probe: /^((flags|cas)=|duplicated params)/,
    body: /^strconv\.ParseUint: parsing ".*": invalid syntax$/s,
  },
  { path: '/v1/kv/{path}', probe: /^acquire=/, body: /^invalid session ".*"$/s },
  {
    path: '/v1/session/create',
    probe: /^body /,
    body: /^(Session TTL '.*' invalid: .*|Invalid Session TTL '-?\d+', must be between .*|Invalid Behavior setting '.*'|Missing check '.*' registration|Missing node registration|Check '.*' is in critical state)$/s,
  },
];

function byDesign5xx(p: Probe, o: Outcome): boolean {
  if (protocolOf(p.op) !== 'consul') return false;
  if (o.status === 503 && p.op.path === '/v1/agent/health/service/{path}') return true;
  if (o.status !== 500) return false;
  return CONSUL_5XX.some(
    (e) => (!e.path || e.path === p.op.path) && e.probe.test(p.name) && e.body.test(o.text),
  );
}

/**
 * Error bodies outside the protocol's usual shape, by design:
 * - Consul `/v1/txn` rolls back with 409 and a JSON `{Results: null, Errors: [...]}` (spec §7).
 * - Consul agent service health answers 429/503 with the health JSON (spec §3.13).
 * - Nacos login failures are a plain-text 403 on every generation (AccessException handler, spec §E.4).
 */
function byDesignShape(p: Probe, o: Outcome): boolean {
  if (p.op.path === '/v1/txn' && o.status === 409) return /"Errors":\[/.test(o.text);
  if (p.op.path === '/v1/agent/health/service/{path}' && (o.status === 429 || o.status === 503)) return true;
  if (/\/(users\/|user\/)?login$/.test(p.op.path) && o.status === 403)
    return o.contentType.startsWith('text/plain');
  return false;
}

/** The router's answer for a path no route serves (Nacos, Consul). */
const NO_ROUTE = /^(No route for |Invalid URL path: not a recognized HTTP API endpoint)/;

/** Why the outcome breaks the product rule, or undefined when it is fine. */
export function violation(p: Probe, o: Outcome): string | undefined {
  if (o.status >= 500 && !byDesign5xx(p, o)) return `status ${o.status}`;
  if (!p.name.startsWith('segment ') && NO_ROUTE.test(o.text)) return 'the probe never reached the route';
  // Bun refuses an over-long request line / header block before routing (Tomcat and Go do too).
  if (o.status === 431 || o.status === 414) return undefined;
  const json = o.contentType.includes('json');
  let parsed: unknown;
  if (json && o.text !== '') {
    try {
      parsed = JSON.parse(o.text);
    } catch {
      return `content-type ${o.contentType} but the body is not JSON`;
    }
  }
  if (o.status < 400 || byDesignShape(p, o)) return undefined;
  switch (protocolOf(p.op)) {
    case 'consul':
      if (o.text !== '' && !o.contentType.startsWith('text/plain')) return `Consul error as ${o.contentType}`;
      return undefined;
    case 'nacos-result': {
      const r = parsed as { code?: unknown; message?: unknown } | undefined;
      if (!r || typeof r.code !== 'number' || typeof r.message !== 'string' || !('data' in r))
        return 'v2/v3 error is not a {code,message,data} Result';
      return undefined;
    }
    case 'nacos-v1':
      if (json) {
        const r = parsed as { code?: unknown; message?: unknown } | undefined;
        if (!r || typeof r.code !== 'number') return 'v1 JSON error without a numeric code';
        return undefined;
      }
      if (o.text !== '' && !o.contentType.startsWith('text/')) return `v1 error as ${o.contentType}`;
      return undefined;
  }
}

/** Every operation of the OpenAPI document served at `nacos` (`http://host:port/nacos`). */
export async function operations(nacos: string): Promise<Operation[]> {
  const res = await fetch(`${nacos}${OPENAPI_PATH}`);
  const doc = (await res.json()) as {
    paths: Record<string, Record<string, { 'x-batata-listener': 'main' | 'console' }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([m, op]) => ({
      method: m.toUpperCase(),
      path,
      listener: op['x-batata-listener'],
    })),
  );
}

export interface SweepResult {
  failures: string[];
  /** How many probes got each status. */
  statuses: Map<number, number>;
  slowest: { ms: number; probe: string };
}

/** Sends every probe (a few at a time) to its listener and collects the answers that break a rule. */
export async function runProbes(
  probes: Probe[],
  bases: { main: string; console: string },
): Promise<SweepResult> {
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let slowest = { ms: 0, probe: '' };
  await pool(probes, CONCURRENCY, async (p) => {
    const label = `${p.op.method} ${p.op.path} [${p.name}]`;
    let o: Outcome;
    try {
      o = await send(p.op.listener === 'console' ? bases.console : bases.main, p);
    } catch (e) {
      failures.push(`${label} → ${(e as Error).name}: ${(e as Error).message}`);
      return;
    }
    if (o.ms > slowest.ms) slowest = { ms: o.ms, probe: label };
    statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    const why = violation(p, o);
    if (why) failures.push(`${label} → ${why}: ${o.status} ${o.contentType} ${o.text.slice(0, 160)}`);
  });
  return { failures, statuses, slowest };
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
