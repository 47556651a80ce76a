import { Unavailable } from '../core/errors';

/** Storage could not be reached or failed; writes are refused with 503 until it recovers. */
export class StorageUnavailable extends Unavailable {
  constructor(cause: unknown) {
    super(`storage unavailable: ${describeCause(cause)}`, 30000);
    this.cause = cause;
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'POOL_CLOSED',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
]);

/** True when the error means "the database is not usable now" rather than "this query is wrong". */
export function isConnectionError(e: unknown): boolean {
  let cur: any = e;
  for (let i = 0; cur && i < 5; i++, cur = cur.cause) {
    const code = String(cur.code ?? '');
    if (CONNECTION_CODES.has(code) || code.startsWith('SQLITE_IOERR')) return true;
    const msg = String(cur.message ?? '');
    if (
      !msg.startsWith('Failed query') &&
      !cur.sqlMessage &&
      /connect(ion)? (lost|refused|closed)|closed state|Pool is closed/i.test(msg)
    )
      return true;
  }
  return false;
}

function describeCause(e: unknown): string {
  let cur: any = e;
  while (cur?.cause && !cur.code) cur = cur.cause;
  const code = cur?.code ? `${cur.code}: ` : '';
  return `${code}${(cur?.message ?? String(e)).split('\n')[0]}`;
}
