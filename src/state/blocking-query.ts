import { type Clock, systemClock } from '../core/clock';
import type { StateStore, Topic } from './state-store';

/** What a query function reads, so the blocking loop knows which writes can change its answer. */
export class WatchSet {
  readonly topics: Topic[] = [];
  table(table: string): this {
    this.topics.push({ kind: 'table', table });
    return this;
  }
  key(table: string, key: string): this {
    this.topics.push({ kind: 'key', table, key });
    return this;
  }
  prefix(table: string, prefix: string): this {
    this.topics.push({ kind: 'prefix', table, prefix });
    return this;
  }
}

export interface QueryResult<T> {
  /** The index the reply reports (X-Consul-Index); clamped to ≥ 1. */
  index: number;
  value: T;
}

export interface BlockingOptions {
  /** Client's last seen index; 0 (or absent) means "answer now". */
  minIndex: number;
  /** Maximum time to hold, in ms. */
  waitMs: number;
  clock?: Clock;
  /** Aborts the hold early (client went away); the latest result is returned. */
  signal?: AbortSignal;
}

/**
 * Consul-style blocking query over the shared state.
 *
 * Rules for `query` (restated from Consul's blockingquery.Query):
 * - It must be a pure read of the state that records every topic it depends on in `ws`.
 * - It returns the index that describes its result: the highest modify index among what it read
 *   (table/prefix/key indexes, tombstones included), so the index never goes backwards.
 *
 * Behaviour:
 * - `minIndex` 0 → run once and return.
 * - Otherwise, if the result's index is > `minIndex`, return it at once. Else wait until a write
 *   touches one of the recorded topics, re-run, and repeat until the index passes `minIndex` or
 *   `waitMs` elapses; on timeout the latest result is returned (usually with the same index).
 * - A returned index is never 0 (a 0 would make clients spin).
 */
export async function blockingQuery<T>(
  state: StateStore,
  opts: BlockingOptions,
  query: (ws: WatchSet) => QueryResult<T>,
): Promise<QueryResult<T>> {
  const clock = opts.clock ?? systemClock;
  const deadline = clock.now() + Math.max(0, opts.waitMs);
  for (;;) {
    const ws = new WatchSet();
    const r = query(ws);
    if (r.index < 1) r.index = 1;
    if (!opts.minIndex || r.index > opts.minIndex) return r;
    const remaining = deadline - clock.now();
    if (remaining <= 0 || opts.signal?.aborted) return r;
    const woke = await waitForTopics(state, ws.topics, remaining, clock, opts.signal);
    if (!woke) {
      const last = query(new WatchSet());
      if (last.index < 1) last.index = 1;
      return last;
    }
  }
}

/**
 * Resolves `true` when a write touches any of `topics`, `false` on timeout or abort.
 * The building block for long-polling and blocking queries alike.
 */
export function waitForTopics(
  state: StateStore,
  topics: Topic[],
  timeoutMs: number,
  clock: Clock = systemClock,
  signal?: AbortSignal,
): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      unwatch();
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onAbort = () => finish(false);
    const unwatch = state.watch(topics, () => finish(true));
    const timer = clock.setTimeout(() => finish(false), timeoutMs);
    signal?.addEventListener('abort', onAbort);
  });
}
