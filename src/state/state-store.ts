import { Table } from './table';
import { type Topic, Watcher, WatchHub } from './watch';

export type { Entry } from './table';
export { Table } from './table';

/** One applied mutation, as seen by change subscribers (push, cluster sync, metrics). */
export interface Change<V = unknown> {
  readonly table: string;
  readonly key: string;
  readonly op: 'put' | 'delete';
  readonly index: number;
  readonly value?: V;
  readonly prev?: V;
  /**
   * Set when the change was already durable elsewhere and is only being mirrored here (a peer's
   * write read back from the shared database): cluster sync does not send it on again.
   */
  readonly replica?: boolean;
}

/** Options of a staged put. */
export interface PutOptions {
  createIndex?: number;
  /**
   * The row's own modify index when it was allocated elsewhere (the shared database): the entry
   * records it instead of the commit index, and the commit index is raised to at least it.
   */
  modifyIndex?: number;
  replica?: boolean;
}

/** Options of a staged delete: `index` is the tombstone's index when allocated elsewhere. */
export interface DeleteOptions {
  index?: number;
  replica?: boolean;
}

type StagedOp = {
  table: string;
  key: string;
  op: 'put' | 'delete';
  value?: unknown;
  createIndex?: number;
  /** put: modify index; delete: tombstone index (when not the commit index). */
  rowIndex?: number;
  replica?: boolean;
};

/**
 * The write side handed to `StateStore.write`. Stage puts and deletes; they are applied together,
 * at one index, only when the write function resolves. `index` is allocated on first use so a
 * write that fails validation consumes none.
 */
export class WriteContext {
  private allocated = 0;
  private floor = 0;
  /** @internal */
  readonly staged: StagedOp[] = [];

  constructor(private readonly store: StateStore) {}

  /** The index this write will commit at; use it for rows written to storage. */
  get index(): number {
    if (!this.allocated) this.allocated = this.store._allocate(this.floor);
    return this.allocated;
  }
  get hasIndex(): boolean {
    return this.allocated !== 0;
  }
  /**
   * Makes this write commit at an index ≥ `n` (an index allocated elsewhere that this node's
   * state must not fall behind). Must be called before `index` is first read.
   */
  atLeast(n: number) {
    if (this.allocated) {
      if (this.allocated < n) throw new Error(`write index ${this.allocated} already allocated below ${n}`);
      return;
    }
    if (n > this.floor) this.floor = n;
  }
  put<V>(table: Table<V> | string, key: string, value: V, opts: PutOptions = {}) {
    if (opts.modifyIndex) this.atLeast(opts.modifyIndex);
    this.staged.push({
      table: tableName(table),
      key,
      op: 'put',
      value,
      createIndex: opts.createIndex,
      rowIndex: opts.modifyIndex,
      replica: opts.replica,
    });
  }
  delete(table: Table<unknown> | string, key: string, opts: DeleteOptions = {}) {
    if (opts.index) this.atLeast(opts.index);
    this.staged.push({
      table: tableName(table),
      key,
      op: 'delete',
      rowIndex: opts.index,
      replica: opts.replica,
    });
  }
}

function tableName(t: Table<any> | string) {
  return typeof t === 'string' ? t : t.name;
}

export interface StateStoreOptions {
  /** First index to hand out; the store never returns an index below it. Default 1. */
  startIndex?: number;
  /**
   * Persists an index high-water mark so indexes never go backwards across restarts. Called
   * (not awaited by writers) whenever the index passes half of the current reservation.
   */
  reserveIndex?: (upTo: number) => Promise<void> | void;
  reserveBlock?: number;
}

/**
 * The one in-memory state of a server process.
 *
 * Contract:
 * - `index` only goes up and is never 0. Every committed write gets a fresh index; all of its
 *   changes carry that index, and every touched table/key/prefix index moves to it.
 * - Writes are serialized: `write(fn)` runs `fn` exclusively (reads are never blocked), so `fn`
 *   may validate against current state, then persist to storage, then stage its changes. The
 *   staged changes are applied and watchers notified after `fn` resolves; if `fn` throws, nothing
 *   is applied.
 * - Watchers are woken only by writes to their topics (see WatchHub). Subscribers (`subscribe`)
 *   receive every commit synchronously and must not block; use `feed` for a bounded queue.
 */
export class StateStore {
  readonly watches = new WatchHub();
  private readonly tables = new Map<string, Table<any>>();
  private current: number;
  private lastAllocated: number;
  private reservedUpTo: number;
  private readonly reserveBlock: number;
  private readonly subscribers = new Set<(changes: Change[], index: number) => void>();
  private lock: Promise<void> = Promise.resolve();
  private pendingWrites = 0;

  constructor(private readonly opts: StateStoreOptions = {}) {
    this.current = Math.max(1, opts.startIndex ?? 1);
    this.lastAllocated = this.current;
    this.reserveBlock = opts.reserveBlock ?? 10_000;
    this.reservedUpTo = this.current;
    this.maybeReserve();
  }

  /** Current (highest committed) index; never 0. */
  get index(): number {
    return this.current;
  }

  table<V>(name: string): Table<V> {
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = new Table<V>(name)));
    return t as Table<V>;
  }

  /** Runs `fn` as the only writer; applies what it staged at one new index. */
  async write<T>(fn: (w: WriteContext) => Promise<T> | T): Promise<T> {
    this.pendingWrites++;
    const prev = this.lock;
    let release!: () => void;
    this.lock = new Promise((r) => (release = r));
    try {
      if (this.pendingWrites > 1) await prev;
      const w = new WriteContext(this);
      const result = await fn(w);
      this.apply(w);
      return result;
    } finally {
      this.pendingWrites--;
      release();
    }
  }

  /**
   * Applies changes that are already durable elsewhere (boot load, peer sync) at a new index,
   * without taking the write lock. Only for callers that cannot race with `write`.
   */
  applyNow(stage: (w: WriteContext) => void): number {
    const w = new WriteContext(this);
    stage(w);
    this.apply(w);
    return this.current;
  }

  /** Calls `fn` after every commit with its changes. Returns an unsubscribe function. */
  subscribe(fn: (changes: Change[], index: number) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /**
   * A bounded queue of changes for one slow consumer. When more than `maxQueued` changes are
   * waiting, the queue is dropped and the consumer gets a single `resync` marker instead: the
   * writer is never blocked and memory stays bounded (etcd's "victim" watchers).
   */
  feed(opts: { maxQueued: number; filter?: (c: Change) => boolean }): ChangeFeed {
    const feed = new ChangeFeed(opts.maxQueued, opts.filter, () => unsubscribe());
    const unsubscribe = this.subscribe((changes) => feed._push(changes));
    return feed;
  }

  /** Registers a one-shot watcher on `topics`; `onFire` gets the index of the waking write. */
  watch(topics: Topic[], onFire: (index: number) => void): () => void {
    const w: Watcher = new Watcher((index) => {
      this.watches.unregister(w);
      onFire(index);
    });
    w.topics.push(...topics);
    this.watches.register(w);
    return () => this.watches.unregister(w);
  }

  /**
   * Reaps tombstones periodically: each tick drops those older than the index seen one tick
   * earlier, so a tombstone lives at least `intervalMs` (long enough for blocking readers that
   * saw the delete's index to have returned). Returns a stop function.
   */
  startReaper(intervalMs = 5 * 60_000): () => void {
    const timer = setInterval(() => this.reapTick(), intervalMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  private reapSnapshot = 0;
  /** One reaper step: drop tombstones not newer than the previous step's index. */
  reapTick(): number {
    const n = this.reapSnapshot ? this.reapTombstones(this.reapSnapshot + 1) : 0;
    this.reapSnapshot = this.current;
    return n;
  }

  /** Drops tombstones older than `belowIndex` in every table. */
  reapTombstones(belowIndex: number): number {
    let n = 0;
    for (const t of this.tables.values()) n += t._reap(belowIndex);
    return n;
  }

  /** @internal Next index, above everything handed out so far and ≥ `floor`. */
  _allocate(floor = 0): number {
    this.lastAllocated = Math.max(this.lastAllocated, this.current, floor - 1) + 1;
    this.maybeReserve();
    return this.lastAllocated;
  }

  private maybeReserve() {
    if (!this.opts.reserveIndex) return;
    if (this.lastAllocated + this.reserveBlock / 2 < this.reservedUpTo) return;
    this.reservedUpTo = this.lastAllocated + this.reserveBlock;
    void this.opts.reserveIndex(this.reservedUpTo);
  }

  private apply(w: WriteContext) {
    if (!w.staged.length) return;
    const index = w.index;
    const changes: Change[] = [];
    for (const s of w.staged) {
      const t = this.table(s.table);
      const replica = s.replica ? { replica: true } : {};
      if (s.op === 'put') {
        const prev = t._put(s.key, s.value, s.rowIndex ?? index, s.createIndex);
        changes.push({
          table: s.table,
          key: s.key,
          op: 'put',
          index,
          value: s.value,
          prev: prev?.value,
          ...replica,
        });
      } else {
        const prev = t._delete(s.key, s.rowIndex ?? index, s.rowIndex !== undefined);
        if (prev)
          changes.push({ table: s.table, key: s.key, op: 'delete', index, prev: prev.value, ...replica });
      }
    }
    if (index > this.current) this.current = index;
    for (const c of changes) this.watches.notify(c.table, c.key, index);
    if (changes.length) for (const fn of this.subscribers) fn(changes, index);
  }
}

/** See StateStore.feed. */
export class ChangeFeed {
  private queue: Change[] = [];
  private needResync = false;
  private waiter?: () => void;
  private closed = false;

  constructor(
    private readonly maxQueued: number,
    private readonly filter: ((c: Change) => boolean) | undefined,
    private readonly onClose: () => void,
  ) {}

  /** @internal */
  _push(changes: Change[]) {
    if (this.closed || this.needResync) return;
    for (const c of changes) if (!this.filter || this.filter(c)) this.queue.push(c);
    if (this.queue.length > this.maxQueued) {
      this.queue = [];
      this.needResync = true;
    }
    if (this.waiter && (this.queue.length || this.needResync)) {
      const w = this.waiter;
      this.waiter = undefined;
      w();
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Waits for the next batch: changes in commit order, or `'resync'` after an overflow. */
  async next(): Promise<Change[] | 'resync' | 'closed'> {
    for (;;) {
      if (this.closed) return 'closed';
      if (this.needResync) {
        this.needResync = false;
        return 'resync';
      }
      if (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        return batch;
      }
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.waiter?.();
  }
}

export type { Topic } from './watch';
