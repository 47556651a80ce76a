import { Elysia } from 'elysia';
import type { AuthDecl } from '../http/route-meta';
import { badRequest, tooLarge } from './consul-errors';
import {
  type ConsulHttp,
  consulRoute,
  dirEntryJson,
  field,
  json,
  metaHeaders,
  parseUint,
  pathTail,
  type Req,
} from './consul-http';
import type { ConsulTx } from './consul-tx';
import { goBase64Error, goTypeError, isGoUint64 } from './go-json';
import { isKvWriteVerb, type KvService, type KvTxnOp } from './kv-service';

const KV_R = { resource: 'consul-kv', action: 'r' } as const;
const KV_W = { resource: 'consul-kv', action: 'w' } as const;
const MAX_TXN_OPS = 64;
const TXN_MAX_REQ_LEN = 512 * 1024;

/** Non-KV txn ops (Node/Service/Check), evaluated by the catalog in the same ConsulTx. */
export interface TxnExtension {
  /** Whether the op writes, and the ACL declaration and resource name it is checked against. */
  describe(op: Record<string, unknown>): { write: boolean; decl: AuthDecl; name?: string };
  apply(op: Record<string, unknown>, tx: ConsulTx): { what?: string; result?: unknown };
}

/** `/v1/kv/*` (spec §6) and `PUT /v1/txn` (§7). */
export function kvRoutes(
  http: ConsulHttp,
  kv: KvService,
  maxValueSize: number,
  extension?: () => TxnExtension | undefined,
) {
  const notFound = (index: number) => new Response(null, { status: 404, headers: metaHeaders(index) });

  return new Elysia({ name: 'consul.kv' })
    .get(
      '/v1/kv/*',
      async (c: Req) => {
        const q = http.query(c.request);
        const key = pathTail(c.request, '/v1/kv/');
        const recurse = q.has('recurse');
        const keys = q.has('keys');
        await http.authorize(c, q, KV_R, key);
        if (!key && !recurse && !keys) throw badRequest('Missing key name');
        if (keys) {
          const sep = q.get('separator') ?? q.get('seperator') ?? '';
          const r = await http.block(c, q, (ws) => kv.keys(ws, key, sep));
          if (!r.value.length && key !== '') return notFound(r.index);
          return json(q, r.value, { headers: metaHeaders(r.index) });
        }
        if (recurse) {
          const r = await http.block(c, q, (ws) => kv.list(ws, key));
          if (!r.value.length) return notFound(r.index);
          return json(
            q,
            r.value.map((e) => dirEntryJson(e)),
            { headers: metaHeaders(r.index) },
          );
        }
        const r = await http.block(c, q, (ws) => kv.get(ws, key));
        if (!r.value) return notFound(r.index);
        if (q.has('raw')) {
          const body = r.value.value ?? new Uint8Array();
          return new Response(body, {
            headers: {
              ...metaHeaders(r.index),
              'Content-Type': 'text/plain',
              'X-Content-Type-Options': 'nosniff',
              'Content-Security-Policy': 'sandbox',
              'Content-Length': String(body.length),
            },
          });
        }
        return json(q, [dirEntryJson(r.value)], { headers: metaHeaders(r.index) });
      },
      { detail: consulRoute('Consul KV read (single, ?recurse, ?keys, ?raw; blocking)', KV_R) },
    )
    .put(
      '/v1/kv/*',
      async (c: Req) => {
        const q = http.query(c.request);
        const key = pathTail(c.request, '/v1/kv/');
        await http.authorize(c, q, KV_W, key);
        if (!key) throw badRequest('Missing key name');
        const modes = ['cas', 'acquire', 'release'].filter((m) => q.has(m));
        if (modes.length > 1) throw badRequest(`Conflicting flags: ${encodeQuery(q)}\n`);
        const flags = q.has('flags') ? parseUint(q.get('flags') ?? '') : undefined;
        const cas = q.has('cas') ? Number(parseUint(q.get('cas') ?? '')) : undefined;
        const declared = Number(c.request.headers.get('content-length') ?? '0');
        if (declared > maxValueSize) throw tooLarge(tooLargeText(declared, maxValueSize));
        const body = new Uint8Array(await c.request.arrayBuffer());
        if (body.length > maxValueSize) throw tooLarge(tooLargeText(body.length, maxValueSize));
        const ok = await kv.put(key, body.length ? body : null, {
          flags,
          cas,
          acquire: q.has('acquire') ? (q.get('acquire') ?? '') : undefined,
          release: q.has('release') ? (q.get('release') ?? '') : undefined,
        });
        return json(q, ok);
      },
      { parse: 'none', detail: consulRoute('Consul KV write (?flags, ?cas, ?acquire, ?release)', KV_W) },
    )
    .delete(
      '/v1/kv/*',
      async (c: Req) => {
        const q = http.query(c.request);
        const key = pathTail(c.request, '/v1/kv/');
        const recurse = q.has('recurse');
        await http.authorize(c, q, KV_W, key);
        if (recurse && q.has('cas')) throw badRequest(`Conflicting flags: ${encodeQuery(q)}\n`);
        if (!key && !recurse) throw badRequest('Missing key name');
        const cas = q.has('cas') ? Number(parseUint(q.get('cas') ?? '')) : undefined;
        return json(q, await kv.delete(key, { recurse, cas }));
      },
      { parse: 'none', detail: consulRoute('Consul KV delete (?recurse, ?cas)', KV_W) },
    )
    .put(
      '/v1/txn',
      async (c: Req) => {
        const q = http.query(c.request);
        let raw: unknown[];
        let ops: Array<KvTxnOp | null>;
        try {
          ({ raw, ops } = await decodeTxn(c.request, maxValueSize));
        } catch (e) {
          // A body we cannot read names nothing: callers without KV write access learn nothing more.
          await http.authorize(c, q, KV_W);
          throw e;
        }
        if (!ops.length) await http.authorize(c, q, KV_R);
        const ext = extension?.();
        let writes = false;
        for (let i = 0; i < ops.length; i++) {
          const op = ops[i];
          if (op) {
            if (isKvWriteVerb(op.verb)) writes = true;
            await http.authorize(c, q, isKvWriteVerb(op.verb) ? KV_W : KV_R, op.key);
          } else if (ext) {
            const d = ext.describe(raw[i] as Record<string, unknown>);
            if (d.write) writes = true;
            await http.authorize(c, q, d.decl, d.name);
          } else writes = true;
        }
        const extraResults = new Map<number, unknown>();
        const out = await kv.txn(ops, (tx, i) => {
          if (!ext) return 'unsupported operation: the catalog is not available';
          const r = ext.apply(raw[i] as Record<string, unknown>, tx);
          if (r.result !== undefined) extraResults.set(i, r.result);
          return r.what;
        });
        const headers: Record<string, string> = writes
          ? {}
          : { 'X-Consul-KnownLeader': 'true', 'X-Consul-LastContact': '0' };
        if (out.errors.length)
          return json(
            q,
            { Results: null, Errors: out.errors.map((e) => ({ OpIndex: e.opIndex, What: e.what })) },
            { status: 409, headers },
          );
        const results: unknown[] = [];
        let k = 0;
        // Results in op order: KV results were pushed in order; splice in extension results.
        const kvResults = out.results;
        for (let i = 0; i < ops.length; i++) {
          if (ops[i]) {
            while (k < kvResults.length && kvResults[k]!.opIndex === i) {
              const r = kvResults[k++]!;
              results.push({ KV: dirEntryJson(r.entry, r.withValue) });
            }
          } else if (extraResults.has(i)) results.push(extraResults.get(i));
        }
        return json(q, { Results: results, Errors: null }, { headers });
      },
      {
        parse: 'none',
        detail: consulRoute('Consul transaction (KV and catalog ops atomic at one index)', KV_W),
      },
    );
}

function tooLargeText(n: number, max: number) {
  return `Request body(${n} bytes) too large, max size: ${max} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`;
}

/** Go's url.Values.Encode(): keys sorted. */
function encodeQuery(q: URLSearchParams): string {
  const c = new URLSearchParams(q);
  c.sort();
  return c.toString();
}

/** The ops of a txn body with Consul's limits and error texts (400/413). */
async function decodeTxn(
  request: Request,
  maxValueSize: number,
): Promise<{ raw: unknown[]; ops: Array<KvTxnOp | null> }> {
  const maxBody = Math.max(TXN_MAX_REQ_LEN, maxValueSize);
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBody) throw tooLarge(`Request body too large, max size: ${maxBody} bytes`);
  const text = await request.text();
  if (text.length > maxBody) throw tooLarge(`Request body too large, max size: ${maxBody} bytes`);
  let raw: unknown;
  try {
    // Keep uint64 Flags exact: long integers become marked strings before JSON.parse.
    raw = JSON.parse(text.replace(/("Flags"\s*:\s*)(\d{16,})/gi, `$1"${BIG_FLAGS}$2"`));
  } catch (e) {
    throw badRequest(`Failed to parse body: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw)) throw badRequest(`Failed to parse body: ${goTypeError(raw, 'api.TxnOps')}`);
  for (const o of raw)
    if (o !== null && (typeof o !== 'object' || Array.isArray(o)))
      throw badRequest(`Failed to parse body: ${goTypeError(o, 'api.TxnOp')}`);
  if (raw.length > MAX_TXN_OPS)
    throw tooLarge(`Transaction contains too many operations (${raw.length} > ${MAX_TXN_OPS})`);
  return { raw, ops: raw.map((o) => decodeKvOp(o, maxValueSize)) };
}

/** JSON escape of the marker that tags a Flags literal quoted to keep its uint64 digits exact. */
const BIG_FLAGS = '\\u0001';

/** A KV op in Go's field types (`api.KVTxnOp`); a mistyped field is Go's decode error, a 400. */
function decodeKvOp(o: unknown, maxValueSize: number): KvTxnOp | null {
  const k = field(o, 'KV');
  if (k === undefined) return null;
  const fail = (v: unknown, name: string, type: string) =>
    badRequest(`Failed to parse body: ${goTypeError(v, type, { struct: 'KVTxnOp', path: `KV.${name}` })}`);
  if (typeof k !== 'object' || Array.isArray(k))
    throw badRequest(
      `Failed to parse body: ${goTypeError(k, 'api.KVTxnOp', { struct: 'TxnOp', path: 'KV' })}`,
    );
  const text = (name: string, type = 'string'): string => {
    const v = field(k, name);
    if (v !== undefined && typeof v !== 'string') throw fail(v, name, type);
    return v ?? '';
  };
  const key = text('Key');
  const v = field(k, 'Value');
  let value: Uint8Array | null = null;
  if (v !== undefined && typeof v !== 'string') throw fail(v, 'Value', '[]uint8');
  if (v) {
    const bad = goBase64Error(v);
    if (bad) throw badRequest(`Failed to parse body: ${bad}`);
    value = new Uint8Array(Buffer.from(v, 'base64'));
  }
  if (value && value.length > maxValueSize)
    throw tooLarge(`Value for key "${key}" is too large (${value.length} > ${maxValueSize} bytes)`);
  const rawFlags = field(k, 'Flags');
  const flags = typeof rawFlags === 'string' && rawFlags.startsWith('\u0001') ? rawFlags.slice(1) : rawFlags;
  if (flags !== rawFlags ? !isGoUint64(flags) : typeof flags === 'string' || !isGoUint64(flags))
    throw fail(rawFlags, 'Flags', 'uint64');
  const index = field(k, 'Index');
  if (!isGoUint64(index) || typeof index === 'string') throw fail(index, 'Index', 'uint64');
  return {
    verb: text('Verb', 'api.KVOp'),
    key,
    value,
    flags: flags === undefined ? 0n : BigInt(flags as string | number),
    index: Number(index ?? 0),
    session: text('Session'),
  };
}
