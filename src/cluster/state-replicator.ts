import type { Logger } from '../core/log';
import type { Change, StateStore } from '../state';

/**
 * A state table whose durable copy lives in the shared database. Peers never ship values: a
 * sync message names keys, and every node reloads them from the database (spec §G.5 "dump").
 */
export interface ReplicatedTable<V = unknown> {
  table: string;
  /** The durable values of `keys`; a key missing from the result does not exist. */
  load(keys: string[]): Promise<Map<string, V>>;
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

/**
 * Tables that bring themselves up to date from the shared database (Consul KV, sessions and
 * catalog read every change after the storage index they last saw): a sync message or a
 * reconciliation of any of them calls `catchUp`, which applies what it found as replica changes
 * and returns their number.
 */
export interface SelfSyncingTables {
  tables: string[];
  catchUp(): Promise<number>;
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
 * - `reload(table, keys)` (a peer's message) re-reads only those keys inside `state.write`, so it
 *   is ordered with this node's own writes; only differing values are applied (no spurious index
 *   bumps or watcher wake-ups), as replica changes, which are never sent back to peers.
 * - `reconcile()` compares whole tables with the database and repairs differences: a missed
 *   message heals within one reconciliation period.
 * - Self-syncing tables (`SelfSyncingTables`) are sent the same way; reload and reconcile call
 *   their `catchUp` instead.
 */
export class StateReplicator {
  private readonly tables = new Map<string, ReplicatedTable>();
  private readonly selfSyncing = new Map<string, SelfSyncingTables>();
  private pending = new Map<string, Set<string>>();
  private flushQueued = false;
  private unsubscribe?: () => void;
  readonly stats: ReplicatorStats = { sent: 0, received: 0, repaired: 0 };

  constructor(
    private readonly state: StateStore,
    tables: ReplicatedTable[],
    private readonly send: (table: string, keys: string[]) => void,
    private readonly log: Logger,
    selfSyncing: SelfSyncingTables[] = [],
  ) {
    for (const t of tables) this.tables.set(t.table, t);
    for (const g of selfSyncing) for (const name of g.tables) this.selfSyncing.set(name, g);
  }

  start() {
    this.unsubscribe = this.state.subscribe((changes) => this.onCommit(changes));
  }

  stop() {
    this.unsubscribe?.();
  }

  tableNames(): string[] {
    return [...this.tables.keys(), ...this.selfSyncing.keys()];
  }

  private onCommit(changes: Change[]) {
    for (const c of changes) {
      if (c.replica) continue;
      const t = this.tables.get(c.table);
      if (!t && !this.selfSyncing.has(c.table)) continue;
      if (t?.owns && !t.owns(c.op === 'put' ? c.value : c.prev)) continue;
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
    const self = this.selfSyncing.get(table);
    const t = this.tables.get(table);
    if (!t && !self) throw new Error(`table ${table} is not replicated`);
    this.stats.received++;
    if (self) return self.catchUp();
    return this.apply(t!, async () => {
      const found: Map<string, unknown> = keys.length ? await t!.load(keys) : new Map();
      return new Map(keys.map((k) => [k, found.get(k)]));
    });
  }

  /** Compares every replicated table with the database; returns the number of repaired keys. */
  async reconcile(): Promise<number> {
    let n = 0;
    for (const g of new Set(this.selfSyncing.values())) n += await g.catchUp();
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

  private apply(t: ReplicatedTable, read: () => Promise<Map<string, unknown>>): Promise<number> {
    return this.state.write(async (w) => {
      const wanted = await read();
      const table = this.state.table(t.table);
      let n = 0;
      for (const [key, value] of wanted) {
        const cur = table.get(key);
        if (cur && t.owns && !t.owns(cur.value) && value === undefined) continue;
        if (value === undefined) {
          if (!cur) continue;
          w.delete(table, key, { replica: true });
        } else {
          if (cur && (t.same ? t.same(cur.value, value) : sameValue(cur.value, value))) continue;
          w.put(table, key, value, { replica: true });
        }
        n++;
      }
      return n;
    });
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
