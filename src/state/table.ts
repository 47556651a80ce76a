/** One stored record with the indexes of its creation and last modification (Consul's RaftIndex). */
export interface Entry<V> {
  readonly key: string;
  readonly value: V;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/**
 * An in-memory table of the shared state. Mutated only by StateStore commits; readers may read at
 * any time. Deleted keys leave a tombstone carrying the delete index, so the index of a prefix or
 * of the whole table never goes backwards when its last entry disappears.
 */
export class Table<V> {
  private readonly rows = new Map<string, Entry<V>>();
  private readonly tombstones = new Map<string, number>();
  private maxIndex = 0;

  constructor(readonly name: string) {}

  get size(): number {
    return this.rows.size;
  }
  get(key: string): Entry<V> | undefined {
    return this.rows.get(key);
  }
  has(key: string): boolean {
    return this.rows.has(key);
  }
  values(): IterableIterator<Entry<V>> {
    return this.rows.values();
  }
  keys(): IterableIterator<string> {
    return this.rows.keys();
  }
  /** Entries whose key starts with `prefix`, in key order. */
  scan(prefix: string): Entry<V>[] {
    const out: Entry<V>[] = [];
    for (const e of this.rows.values()) if (e.key.startsWith(prefix)) out.push(e);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }
  /** Highest index of any write (including deletes) to this table; 0 if never written. */
  index(): number {
    return this.maxIndex;
  }
  /** Highest index of any write under `prefix`, tombstones included. */
  prefixIndex(prefix: string): number {
    let max = 0;
    for (const e of this.rows.values())
      if (e.modifyIndex > max && e.key.startsWith(prefix)) max = e.modifyIndex;
    for (const [k, i] of this.tombstones) if (i > max && k.startsWith(prefix)) max = i;
    return max;
  }
  /** Index of the last write to `key`: its modifyIndex, its tombstone, or 0. */
  keyIndex(key: string): number {
    return this.rows.get(key)?.modifyIndex ?? this.tombstones.get(key) ?? 0;
  }

  /** @internal StateStore only. */
  _put(key: string, value: V, index: number, createIndex?: number): Entry<V> | undefined {
    const prev = this.rows.get(key);
    this.rows.set(key, {
      key,
      value,
      createIndex: createIndex ?? prev?.createIndex ?? index,
      modifyIndex: index,
    });
    this.tombstones.delete(key);
    if (index > this.maxIndex) this.maxIndex = index;
    return prev;
  }
  /**
   * @internal StateStore only. Deleting an absent key changes nothing, unless `recordAbsent` (a
   * delete made elsewhere, at its own index): then its tombstone is still recorded, so this
   * node's key/prefix/table indexes match those of nodes that saw the row.
   */
  _delete(key: string, index: number, recordAbsent = false): Entry<V> | undefined {
    const prev = this.rows.get(key);
    if (!prev) {
      if (recordAbsent && index > (this.tombstones.get(key) ?? 0)) {
        this.tombstones.set(key, index);
        if (index > this.maxIndex) this.maxIndex = index;
      }
      return undefined;
    }
    this.rows.delete(key);
    this.tombstones.set(key, index);
    if (index > this.maxIndex) this.maxIndex = index;
    return prev;
  }
  /** @internal Drops tombstones older than `belowIndex` (graveyard reaping). */
  _reap(belowIndex: number): number {
    let n = 0;
    for (const [k, i] of this.tombstones)
      if (i < belowIndex) {
        this.tombstones.delete(k);
        n++;
      }
    return n;
  }
  get tombstoneCount(): number {
    return this.tombstones.size;
  }
}
