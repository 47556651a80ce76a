import type { SQL } from 'drizzle-orm';
import { Histogram, type Registry } from 'prom-client';
import type { Logger } from '../core/log';
import type { Db, RunResult, SqlRunner } from './db';
import { StorageUnavailable } from './storage-errors';

export interface ResilientDbOptions {
  /** Registry for `batata_storage_query_duration_seconds`; omitted = no metric. */
  registry?: Registry;
  log?: Logger;
  /** First wait before re-probing a failed database; doubles per failed probe. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A ping slower than this counts as unreachable (a silently dropped network, not only refusals). */
  pingTimeoutMs?: number;
  now?: () => number;
}

type Op = 'all' | 'get' | 'run' | 'transaction';

/**
 * Wraps a Db with (1) a storage latency histogram and (2) a circuit breaker: once a query fails
 * because the database is unreachable (StorageUnavailable), further queries fail at once with the
 * same 503 error instead of each waiting for a connect timeout. The database is re-probed with
 * exponential back-off (`minBackoffMs` doubling up to `maxBackoffMs`), and `ping()` (the
 * readiness check) always probes for real; the first successful probe closes the breaker, so the
 * server recovers without a restart. Reads served from memory never touch this path.
 */
export class ResilientDb implements Db {
  readonly dialect: Db['dialect'];
  readonly description: string;
  private readonly hist?: Histogram<'op' | 'outcome'>;
  private downSince = 0;
  private lastError?: StorageUnavailable;
  private backoffMs: number;
  private nextProbeAt = 0;
  private probing?: Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly inner: Db,
    private readonly opts: ResilientDbOptions = {},
  ) {
    this.dialect = inner.dialect;
    this.description = inner.description;
    this.now = opts.now ?? Date.now;
    this.backoffMs = opts.minBackoffMs ?? 250;
    if (opts.registry)
      this.hist = new Histogram({
        name: 'batata_storage_query_duration_seconds',
        help: 'Storage statement/transaction latency by operation and outcome (ok, error, unavailable)',
        labelNames: ['op', 'outcome'],
        buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
        registers: [opts.registry],
      });
  }

  /** True while the breaker is open (database considered unreachable). */
  get unavailable(): boolean {
    return this.downSince > 0;
  }

  all<T = Record<string, unknown>>(q: SQL): Promise<T[]> {
    return this.call('all', () => this.inner.all<T>(q));
  }
  get<T = Record<string, unknown>>(q: SQL): Promise<T | undefined> {
    return this.call('get', () => this.inner.get<T>(q));
  }
  run(q: SQL): Promise<RunResult> {
    return this.call('run', () => this.inner.run(q));
  }
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.call('transaction', () => this.inner.transaction(fn));
  }

  async ping(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = this.opts.pingTimeoutMs ?? 3000;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StorageUnavailable(
              Object.assign(new Error(`no answer in ${limit} ms`), { code: 'ETIMEDOUT' }),
            ),
          ),
        limit,
      );
    });
    try {
      await Promise.race([this.inner.ping(), timeout]);
      this.markUp();
    } catch (e) {
      this.markDown(e instanceof StorageUnavailable ? e : new StorageUnavailable(e));
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async call<T>(op: Op, fn: () => Promise<T>): Promise<T> {
    if (this.downSince) {
      if (this.now() < this.nextProbeAt || this.probing) {
        this.hist?.observe({ op, outcome: 'unavailable' }, 0);
        throw this.lastError!;
      }
      await this.probe();
      if (this.downSince) throw this.lastError!;
    }
    const end = this.hist?.startTimer({ op });
    try {
      const v = await fn();
      end?.({ outcome: 'ok' });
      return v;
    } catch (e) {
      if (e instanceof StorageUnavailable) {
        end?.({ outcome: 'unavailable' });
        this.markDown(e);
      } else end?.({ outcome: 'error' });
      throw e;
    }
  }

  private probe(): Promise<void> {
    this.probing ??= this.ping()
      .catch(() => {})
      .finally(() => {
        this.probing = undefined;
      });
    return this.probing;
  }

  private markDown(e: StorageUnavailable) {
    const max = this.opts.maxBackoffMs ?? 10_000;
    if (!this.downSince) {
      this.downSince = this.now();
      this.backoffMs = this.opts.minBackoffMs ?? 250;
      this.opts.log?.warn('storage unreachable; writes answer 503 until it recovers', {
        store: this.description,
        error: e.message,
      });
    } else this.backoffMs = Math.min(this.backoffMs * 2, max);
    this.lastError = e;
    this.nextProbeAt = this.now() + this.backoffMs;
  }

  private markUp() {
    if (!this.downSince) return;
    this.opts.log?.info('storage reachable again', {
      store: this.description,
      downMs: this.now() - this.downSince,
    });
    this.downSince = 0;
    this.lastError = undefined;
    this.backoffMs = this.opts.minBackoffMs ?? 250;
  }
}
