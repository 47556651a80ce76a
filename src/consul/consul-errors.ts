import { BatataError, type ErrorKind } from '../core/errors';

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  429: 'rate_limited',
  500: 'internal',
};

/**
 * A Consul error with Consul's own status and exact plain-text body. Clients match on these
 * strings (spec §11.7), so the message is the wire text, byte for byte.
 */
export class ConsulError extends BatataError {
  readonly kind: ErrorKind;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.kind = KIND_BY_STATUS[status] ?? 'internal';
  }
}

export const badRequest = (msg: string) => new ConsulError(400, msg);
export const notFound = (msg: string) => new ConsulError(404, msg);
export const serverError = (msg: string) => new ConsulError(500, msg);
export const tooLarge = (msg: string) => new ConsulError(413, msg);

/** Status per error kind for BatataErrors thrown by other domains (naming, auth). */
export const CONSUL_STATUS: Record<ErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 400,
  conflict: 409,
  unauthenticated: 403,
  permission_denied: 403,
  rate_limited: 429,
  unavailable: 500,
  payload_too_large: 413,
  internal: 500,
};

/** Parses a Go `time.ParseDuration` string into nanoseconds; throws Go's error text. */
export function parseGoDuration(s: string): number {
  const orig = s;
  const bad = () => new Error(`time: invalid duration "${orig}"`);
  if (s === '0' || s === '+0' || s === '-0') return 0;
  if (s === '') throw bad();
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '') throw bad();
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  const unitNs: Record<string, number> = {
    ns: 1,
    us: 1e3,
    µs: 1e3,
    μs: 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
  };
  while (s.length) {
    const m = re.exec(s);
    if (!m) {
      if (/^\d*(\.\d*)?$/.test(s)) throw new Error(`time: missing unit in duration "${orig}"`);
      if (/^(\d+(\.\d*)?|\.\d+)[^\d.]/.test(s)) {
        const unit = /^\d*(?:\.\d*)?([^\d.]+)/.exec(s)?.[1] ?? '';
        throw new Error(`time: unknown unit "${unit}" in duration "${orig}"`);
      }
      throw bad();
    }
    const [whole, int = '', frac = '', unit = 's'] = m;
    if (int === '' && frac === '') throw bad();
    total += Number(`${int || '0'}.${frac || '0'}`) * unitNs[unit]!;
    s = s.slice(whole.length);
  }
  return Math.round(sign * total);
}

/** Renders nanoseconds the way Go's Duration.String() does for the common cases ("15s", "1m30s"). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(ns);
  if (n < 1e3) return `${neg ? '-' : ''}${n}ns`;
  if (n < 1e6) return `${neg ? '-' : ''}${trim(n / 1e3)}µs`;
  if (n < 1e9) return `${neg ? '-' : ''}${trim(n / 1e6)}ms`;
  let out = '';
  const h = Math.floor(n / 3600e9);
  n -= h * 3600e9;
  const m = Math.floor(n / 60e9);
  n -= m * 60e9;
  if (h) out += `${h}h`;
  if (h || m) out += `${m}m`;
  out += `${trim(n / 1e9)}s`;
  return (neg ? '-' : '') + out;
}

function trim(x: number): string {
  return String(Math.round(x * 1e9) / 1e9);
}
