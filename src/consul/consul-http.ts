import { isBatataError } from '../core/errors';
import { type ErrorRenderer, holdOpen } from '../http/app';
import { type AuthDecl, type RouteDetail, route } from '../http/route-meta';
import type { AuthGate, ResourceRef } from '../server/auth-gate';
import { blockingQuery, type QueryResult, type StateStore, WatchSet, waitForTopics } from '../state';
import { badRequest, CONSUL_STATUS, ConsulError, parseGoDuration, serverError } from './consul-errors';
import type { KvEntry, SessionEntry } from './consul-model';

/** What every Consul handler gets from Elysia. */
export interface Req {
  request: Request;
  server?: {
    timeout?: (req: Request, seconds: number) => void;
    requestIP?: (req: Request) => { address: string } | null;
  } | null;
}

/**
 * Route `detail` of a Consul endpoint: its auth declaration, checked by the handler itself
 * (`ConsulHttp.authorize`, with the names only it can read), not by the HTTP guard.
 */
export function consulRoute(summary: string, decl: AuthDecl): RouteDetail {
  return route(summary, decl, { 'x-batata-auth-in-handler': true });
}

const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;

/**
 * Shared plumbing of the Consul adapter: query parsing (§1.2), ?dc and consistency checks,
 * ACL token extraction and authorization, blocking queries (§9) and response meta headers (§1.4).
 */
export class ConsulHttp {
  /** Aborted on shutdown: releases every held blocking query. */
  readonly shutdown = new AbortController();
  /** Requests already counted against the rate limit. */
  private readonly admitted = new WeakSet<Request>();

  constructor(
    readonly state: StateStore,
    readonly datacenter: string,
    private readonly auth: () => AuthGate | undefined,
    private readonly namespaceId: string,
    private readonly group: string,
  ) {}

  /** Parses the query string (presence flags need the raw form) and rejects a foreign ?dc. */
  query(request: Request): URLSearchParams {
    const q = new URL(request.url).searchParams;
    const dc = q.get('dc');
    if (dc && dc !== this.datacenter) throw serverError('No path to datacenter');
    if (q.has('stale') && q.has('consistent'))
      throw badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.');
    if (q.has('cached') && q.has('consistent'))
      throw badRequest('Cannot specify ?cached with ?consistent, conflicting semantics.');
    return q;
  }

  /**
   * Authorizes a Consul request with the auth gate (every Consul route does this itself, on every
   * listener; the HTTP guard skips them). The token is Consul's (`?token=`, `X-Consul-Token`,
   * `Authorization: Bearer`) or Nacos' `accessToken`. The first check of a request carries the
   * client address (rate limit, audit); further checks of the same request (each op of a txn)
   * do not count again.
   */
  async authorize(c: Req, q: URLSearchParams, decl: AuthDecl, name?: string): Promise<void> {
    const gate = this.auth();
    if (!gate || gate.trivial?.(decl)) return;
    const { request } = c;
    const first = !this.admitted.has(request);
    if (first) this.admitted.add(request);
    const headers: Record<string, string | undefined> = {};
    request.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const token = consulToken(request, q) ?? (headers.accesstoken || q.get('accessToken') || undefined);
    const resource: ResourceRef = { namespaceId: this.namespaceId, group: this.group, name };
    const ip = first ? (c.server?.requestIP?.(request)?.address ?? '') : '';
    await gate.authorize(
      decl,
      resource,
      { accessToken: token, headers, ip },
      `${request.method} ${pathOf(request)}`,
    );
  }

  /**
   * Runs `fn` as a Consul blocking query: `?index` (uint64; -1 and junk → 400 "Invalid index"),
   * `?wait` (Go duration, default 5 min, cap 10 min, + up to wait/16 jitter). The hold ends early on
   * shutdown or when the client goes away.
   */
  async block<T>(c: Req, q: URLSearchParams, fn: (ws: WatchSet) => QueryResult<T>): Promise<QueryResult<T>> {
    const { minIndex, waitMs } = parseBlocking(q);
    if (!minIndex) {
      const r = fn(new WatchSet());
      return { index: Math.max(r.index, 1), value: r.value };
    }
    holdOpen(c.server, c.request);
    const signal = AbortSignal.any([c.request.signal, this.shutdown.signal]);
    return blockingQuery(this.state, { minIndex, waitMs, signal }, fn);
  }
}

/**
 * Hash-based blocking of agent endpoints (spec §3.4, Consul `agentLocalBlockingQuery`): when
 * `?hash=` equals the hash of `render()`, the request is held until a write to the topics `watch`
 * records yields another hash, or `?wait` passes (default 5 min, cap 10 min, + up to wait/16
 * jitter); then the latest rendering is returned. Without `?hash` (or with another one) it answers
 * at once. `render` may throw (e.g. the service went away): the error is the answer.
 */
export async function blockOnHash<T extends { hash: string }>(
  http: ConsulHttp,
  c: Req,
  q: URLSearchParams,
  watch: (ws: WatchSet) => void,
  render: () => T,
): Promise<T> {
  let cur = render();
  const want = q.get('hash');
  if (!want || cur.hash !== want) return cur;
  const { waitMs } = parseBlocking(q);
  holdOpen(c.server, c.request);
  const signal = AbortSignal.any([c.request.signal, http.shutdown.signal]);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || signal.aborted) return cur;
    const ws = new WatchSet();
    watch(ws);
    await waitForTopics(http.state, ws.topics, remaining, undefined, signal);
    cur = render();
    if (cur.hash !== want) return cur;
  }
}

/** `?index` / `?wait` per spec §9.1. */
export function parseBlocking(q: URLSearchParams): { minIndex: number; waitMs: number } {
  const rawIndex = q.get('index');
  let minIndex = 0;
  if (rawIndex !== null && rawIndex !== '') {
    if (!/^\d+$/.test(rawIndex) || BigInt(rawIndex) > 18446744073709551615n)
      throw badRequest('Invalid index');
    minIndex = Number(rawIndex);
  }
  let waitMs = DEFAULT_WAIT_MS;
  const rawWait = q.get('wait');
  if (rawWait !== null && rawWait !== '') {
    let ns: number;
    try {
      ns = parseWait(rawWait);
    } catch {
      throw badRequest('Invalid wait time');
    }
    if (ns > 0) waitMs = Math.min(ns / 1e6, MAX_WAIT_MS);
  }
  waitMs += Math.random() * (waitMs / 16);
  return { minIndex, waitMs };
}

function parseWait(s: string): number {
  // compat(consul): the Go client sends `<n>ms`; a bare number is not a duration.
  return parseGoDuration(s);
}

/** ACL token precedence (§1.6): ?token, X-Consul-Token, Authorization: Bearer. */
export function consulToken(request: Request, q: URLSearchParams): string | undefined {
  const t = q.get('token');
  if (t) return t;
  const h = request.headers.get('x-consul-token');
  if (h) return h;
  const auth = request.headers.get('authorization');
  if (auth) {
    const [scheme, value] = auth.trim().split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return value;
  }
  return undefined;
}

/** Sets X-Consul-Index (never 0), X-Consul-KnownLeader and X-Consul-LastContact. */
export function metaHeaders(index: number | bigint | undefined): Record<string, string> {
  const h: Record<string, string> = { 'X-Consul-KnownLeader': 'true', 'X-Consul-LastContact': '0' };
  if (index !== undefined) h['X-Consul-Index'] = String(index === 0 || index === 0n ? 1 : index);
  return h;
}

const BIG = '\u0001big:';

/** JSON with exact uint64 (bigint) numbers; `?pretty` indents by 4 and ends with a newline. */
export function toJson(data: unknown, pretty = false): string {
  let s: string;
  try {
    s = JSON.stringify(data, null, pretty ? 4 : 0);
  } catch {
    // Only uint64 values above 2^53 are bigints; render them as exact JSON numbers.
    s = JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? BIG + v.toString() : v), pretty ? 4 : 0);
  }
  if (s.includes('\\u0001big:')) s = s.replace(/"\\u0001big:(\d+)"/g, '$1');
  return pretty ? `${s}\n` : s;
}

export function json(
  q: URLSearchParams,
  data: unknown,
  opts: { status?: number; headers?: Record<string, string> } = {},
): Response {
  return new Response(toJson(data, q.has('pretty')), {
    status: opts.status ?? 200,
    headers: { 'Content-Type': 'application/json', ...opts.headers },
  });
}

/** 200 with an empty body and no Content-Type (agent writes). */
export function empty(headers?: Record<string, string>): Response {
  const r = new Response(null, { status: 200, headers });
  r.headers.delete('content-type');
  return r;
}

function pathOf(request: Request): string {
  return new URL(request.url).pathname;
}

/** Rest of the path after `prefix`, percent-decoded (keys may contain encoded `/`). */
export function pathTail(request: Request, prefix: string): string {
  const p = new URL(request.url).pathname;
  const raw = p.startsWith(prefix) ? p.slice(prefix.length) : '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest('Invalid URL path');
  }
}

/** Parses a uint64 query value; Consul answers Go's strconv error with 500. */
export function parseUint(raw: string): bigint {
  if (!/^\d+$/.test(raw) || BigInt(raw) > 18446744073709551615n)
    throw serverError(`strconv.ParseUint: parsing "${raw}": invalid syntax`);
  return BigInt(raw);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const b64 = (v: Uint8Array | null) => (v?.length ? Buffer.from(v).toString('base64') : null);

/** DirEntry JSON in Consul's field order; `Session` only while locked. */
export function dirEntryJson(e: KvEntry, withValue = true) {
  return {
    LockIndex: e.lockIndex,
    Key: e.key,
    Flags: e.flags <= MAX_SAFE ? Number(e.flags) : e.flags,
    Value: withValue ? b64(e.value) : null,
    ...(e.session ? { Session: e.session } : {}),
    CreateIndex: e.createIndex,
    ModifyIndex: e.modifyIndex,
  };
}

export function sessionJson(s: SessionEntry) {
  return {
    ID: s.id,
    Name: s.name,
    Node: s.node,
    LockDelay: s.lockDelayNs,
    Behavior: s.behavior,
    TTL: s.ttl,
    NodeChecks: s.nodeChecks,
    ServiceChecks: s.serviceChecks.length ? s.serviceChecks : null,
    Checks: s.nodeChecks,
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

/** Case- and underscore-insensitive field lookup (Go encoding/json + Consul's snake_case aliases). */
export function field(obj: unknown, ...names: string[]): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const want = new Set(names.map(norm));
  for (const [k, v] of Object.entries(obj as Record<string, unknown>))
    if (want.has(norm(k)) && v !== null) return v;
  return undefined;
}

export function hasField(obj: unknown, name: string): boolean {
  if (!obj || typeof obj !== 'object') return false;
  return Object.keys(obj as object).some((k) => norm(k) === norm(name));
}

const norm = (k: string) => k.replace(/_/g, '').toLowerCase();

/** Consul plain-text errors for everything under `/v1/` (spec §1.1, §1.3). */
export const consulRenderer: ErrorRenderer = {
  prefix: '/v1/',
  render(err, status, message) {
    const text = (s: number, body: string) =>
      new Response(body, { status: s, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    if (err instanceof ConsulError) return text(err.status, err.message);
    // compat(consul): ACL failures answer acl.ErrNotFound / acl.ErrPermissionDenied texts.
    if (isBatataError(err) && err.kind === 'unauthenticated') return text(403, 'ACL not found');
    if (isBatataError(err) && err.kind === 'permission_denied') return text(403, 'Permission denied');
    if (isBatataError(err)) return text(CONSUL_STATUS[err.kind], err.message);
    if (status === 404) return text(404, 'Invalid URL path: not a recognized HTTP API endpoint\n');
    if (status === 405) {
      const m = /'([A-Z]+)'/.exec(message)?.[1] ?? '';
      return text(405, `method ${m} not allowed`);
    }
    if (status === 400 && message.startsWith('Malformed'))
      return text(400, `Request decode failed: ${message}`);
    return text(status || 500, message);
  },
};
