import { CHECK_STATUSES, type CheckSpec, type CheckStatus } from './catalog-model';
import { badRequest, formatGoDuration, parseGoDuration } from './consul-errors';
import { field } from './consul-http';
import { goTypeError } from './go-json';

/** A check as given in a register body (CheckType / CheckDefinition), decoded leniently. */
export interface CheckDef {
  checkId: string;
  name: string;
  notes: string;
  serviceId: string;
  status?: CheckStatus;
  type: string;
  interval: string;
  timeout: string;
  ttl: string;
  deregisterCriticalServiceAfter: string;
  spec: CheckSpec;
}

/** Duration field: Go string or nanoseconds (HealthCheckDefinition.UnmarshalJSON). Returns [ms, display]. */
function duration(obj: unknown, ...names: string[]): [number, string] {
  // compat(consul): the first spelling that is set wins (Interval over IntervalDuration, as txn does).
  let v: unknown;
  for (const n of names) {
    v = field(obj, n);
    if (v !== undefined && v !== '' && v !== 0) break;
  }
  if (v === undefined || v === '') return [0, ''];
  if (typeof v === 'number') return [v / 1e6, v ? formatGoDuration(v) : ''];
  if (typeof v !== 'string') throw badRequest(`Request decode failed: invalid duration for ${names[0]}`);
  try {
    const ns = parseGoDuration(v);
    return [ns / 1e6, ns ? v : ''];
  } catch (e) {
    throw badRequest(`Request decode failed: ${(e as Error).message}`);
  }
}

const decodeError = (v: unknown, path: string, type: string) =>
  badRequest(`Request decode failed: ${goTypeError(v, type, { struct: '', path })}`);

/** A Go `string` field: null is '', another type is Go's decode error. */
const str = (o: unknown, ...n: string[]) => {
  const v = field(o, ...n);
  if (v !== undefined && typeof v !== 'string') throw decodeError(v, n[0]!, 'string');
  return v ?? '';
};

/** `Header`, a Go `map[string][]string`. */
function headerOf(o: unknown): Record<string, string[]> | undefined {
  const h = field(o, 'Header');
  if (h === undefined) return undefined;
  if (typeof h !== 'object' || Array.isArray(h)) throw decodeError(h, 'Header', 'map[string][]string');
  const out: Record<string, string[]> = {};
  for (const [k, vs] of Object.entries(h as Record<string, unknown>)) {
    if (vs !== null && !Array.isArray(vs)) throw decodeError(vs, 'Header', '[]string');
    out[k] = (vs ?? []).map((x) => {
      if (x !== null && typeof x !== 'string') throw decodeError(x, 'Header', 'string');
      return x ?? '';
    });
  }
  return out;
}

/** True when the object carries no check at all (Consul ignores an all-empty Check). */
export function isEmptyCheck(o: unknown): boolean {
  if (!o || typeof o !== 'object') return true;
  return Object.values(o as Record<string, unknown>).every(
    (v) => v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0),
  );
}

/**
 * Decodes and validates one check. `statusError` is the 400 text for a bad status (it differs
 * between service registration and check registration).
 */
export function decodeCheck(o: unknown, statusError: (s: string) => string): CheckDef {
  const [ttlMs, ttl] = duration(o, 'TTL');
  const [intervalMs, interval] = duration(o, 'Interval', 'IntervalDuration');
  const [timeoutMs, timeout] = duration(o, 'Timeout', 'TimeoutDuration');
  const [dcsaMs, dcsa] = duration(
    o,
    'DeregisterCriticalServiceAfter',
    'DeregisterCriticalServiceAfterDuration',
  );
  const http = str(o, 'HTTP');
  const tcp = str(o, 'TCP');
  const grpc = str(o, 'GRPC');
  const udp = str(o, 'UDP');
  const h2ping = str(o, 'H2PING');
  const args = field(o, 'ScriptArgs', 'Args');
  const docker = str(o, 'DockerContainerID');
  const alias = str(o, 'AliasService') || str(o, 'AliasNode');
  const script = Array.isArray(args) && args.length > 0;
  const statusRaw = field(o, 'Status');
  let status: CheckStatus | undefined;
  if (statusRaw !== undefined && statusRaw !== '') {
    if (!CHECK_STATUSES.includes(String(statusRaw))) throw badRequest(statusError(String(statusRaw)));
    status = statusRaw as CheckStatus;
  }
  const intervalCheck = script || !!docker || !!http || !!tcp || !!udp || !!grpc || !!h2ping;
  const invalid = (m: string) => badRequest(`Invalid check: ${m}`);
  if (intervalCheck && intervalMs <= 0)
    throw invalid('Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or GRPC checks');
  if (intervalCheck && alias) throw invalid('Interval cannot be set for Alias checks');
  if (alias && ttlMs > 0) throw invalid('TTL must be not be set for Alias checks');
  if (!intervalCheck && !alias && ttlMs <= 0) throw invalid('TTL must be > 0 for TTL checks');
  const type = http
    ? 'http'
    : tcp
      ? 'tcp'
      : grpc
        ? 'grpc'
        : udp
          ? 'udp'
          : h2ping
            ? 'h2ping'
            : docker
              ? 'docker'
              : script
                ? 'script'
                : alias
                  ? 'alias'
                  : 'ttl';
  const header = headerOf(o);
  return {
    checkId: str(o, 'CheckID', 'ID'),
    name: str(o, 'Name'),
    notes: str(o, 'Notes'),
    serviceId: str(o, 'ServiceID'),
    status,
    type,
    interval,
    timeout,
    ttl,
    deregisterCriticalServiceAfter: dcsa,
    spec: {
      ttlMs,
      // compat(consul): intervals under 1 s are raised to 1 s; DCSA under 1 min to 1 min.
      intervalMs: intervalMs > 0 ? Math.max(1000, intervalMs) : 0,
      timeoutMs: timeoutMs > 0 ? timeoutMs : 10_000,
      deregisterAfterMs: dcsaMs > 0 ? Math.max(60_000, dcsaMs) : 0,
      ...(http ? { http } : {}),
      ...(tcp ? { tcp } : {}),
      ...(str(o, 'Method') ? { method: str(o, 'Method') } : {}),
      ...(header ? { header } : {}),
      ...(str(o, 'Body') ? { body: str(o, 'Body') } : {}),
      ...(field(o, 'TLSSkipVerify') === true ? { tlsSkipVerify: true } : {}),
    },
  };
}
