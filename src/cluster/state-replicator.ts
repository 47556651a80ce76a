import type { Logger } from '../core/log';
import type { Change, StateStore } from '../state';

/**
 * A state table whose durable copy lives in the shared database. Peers never ship values: a
 * sync message names keys, and every node reloads them from the database (spec §G.5 "dump").
 */
export interface ReplicatedTable<V = unknown> {
  table: string;
  /** The durable value of one key, or undefined when it does not exist. */
  load(key: string): Promise<V | undefined>;
  /** Every durable key and value (periodic reconciliation). */
  loadAll(): Promise<Map<string, V>>;
  /** Whether a state value equals a loaded one (default: structural equality). */
  same?(stateValue: V, loaded: V): boolean;
  /**
   * For tables that also hold data not in the database (naming: ephemeral instances): whether a
   * value is durable. Others are never sent, loaded over or deleted by reconciliation.
   */
  owns?(value: V): boolean;
}

export interface ReplicatorStats {
  sent: number;
  received: number;
  repaired: number;
}

/**
 * Keeps replicated tables of this node's state equal to the shared database.
 *
 * - Local commits touching a replicated table are batched per microtask and handed to `send`
 *   (table + keys), which tells every peer.
 * - `reload(table, keys)` (a peer's message) re-reads those keys inside `state.write`, so it is
 *   ordered with this node's own writes; only differing values are applied (no spurious index
 *   bumps or watcher wake-ups), and applied changes are not echoed back to peers.
 * - `reconcile()` compares whole tables with the database and repairs differences: a missed
 *   message heals within one reconciliation period.
 */
export class StateReplicator {
  private readonly tables = new Map<string, ReplicatedTable>();
  private readonly remote = new Set<string>();
  private pending = new Map<string, Set<string>>();
  private flushQueued = false;
  private unsubscribe?: () => void;
  readonly stats: ReplicatorStats = { sent: 0, received: 0, repaired: 0 };

  constructor(
    private readonly state: StateStore,
    tables: ReplicatedTable[],
    private readonly send: (table: string, keys: string[]) => void,
    private readonly log: Logger,
  ) {
    for (const t of tables) this.tables.set(t.table, t);
  }

  start() {
    this.unsubscribe = this.state.subscribe((changes) => this.onCommit(changes));
  }

  stop() {
    this.unsubscribe?.();
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  private onCommit(changes: Change[]) {
    for (const c of changes) {
      const t = this.tables.get(c.table);
      if (!t) continue;
      const id = `${c.table}\0${c.key}`;
      if (this.remote.delete(id)) continue;
      if (t.owns && !t.owns(c.op === 'put' ? c.value : c.prev)) continue;
      let keys = this.pending.get(c.table);
      if (!keys) this.pending.set(c.table, (keys = new Set()));
      keys.add(c.key);
    }
    if (this.pending.size && !this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        const batch = this.pending;
        this.pending = new Map();
        for (const [table, keys] of batch) {
          this.stats.sent++;
          this.send(table, [...keys]);
        }
      });
    }
  }

  /** Re-reads `keys` of `table` from the database and applies what differs. Returns how many changed. */
  async reload(table: string, keys: string[]): Promise<number> {
    const t = this.tables.get(table);
    if (!t) throw new Error(`table ${table} is not replicated`);
    this.stats.received++;
    return this.apply(t, async () => {
      const m = new Map<string, unknown>();
      for (const k of keys) m.set(k, await t.load(k));
      return m;
    });
  }

  /** Compares every replicated table with the database; returns the number of repaired keys. */
  async reconcile(): Promise<number> {
    let n = 0;
    for (const t of this.tables.values()) {
      n += await this.apply(t, async () => {
        const all: Map<string, unknown> = await t.loadAll();
        const m = new Map<string, unknown>(all);
        for (const e of this.state.table(t.table).values())
          if (!all.has(e.key) && (!t.owns || t.owns(e.value))) m.set(e.key, undefined);
        return m;
      });
    }
    if (n) {
      this.stats.repaired += n;
      this.log.info('reconciliation repaired replicated state', { keys: n });
    }
    return n;
  }

  private async apply(t: ReplicatedTable, read: () => Promise<Map<string, unknown>>): Promise<number> {
    const staged: string[] = [];
    try {
      return await this.state.write(async (w) => {
        const wanted = await read();
        const table = this.state.table(t.table);
        for (const [key, value] of wanted) {
          const cur = table.get(key);
          if (cur && t.owns && !t.owns(cur.value) && value === undefined) continue;
          if (value === undefined) {
            if (!cur) continue;
            w.delete(table, key);
          } else {
            if (cur && (t.same ? t.same(cur.value, value) : sameValue(cur.value, value))) continue;
            w.put(table, key, value);
          }
          const id = `${t.table}\0${key}`;
          this.remote.add(id);
          staged.push(id);
        }
        return staged.length;
      });
    } catch (e) {
      for (const id of staged) this.remote.delete(id);
      throw e;
    }
  }
}

/** Structural equality of JSON-like values, independent of key order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as any)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as any)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameValue((a as any)[k], (b as any)[k]));
}
