/**
 * Change notification for the shared state.
 *
 * A *topic* names what a reader depends on: a whole table (`table`), one key (`table` + `key`) or
 * every key under a prefix (`table` + `prefix`). A write wakes exactly the watchers whose topics it
 * touched; other waiters stay asleep. Wake-ups are one-shot: a woken watcher re-reads the state and
 * registers again if it still needs to wait (Consul's WatchSet model).
 */
export class WatchHub {
  private readonly byTable = new Map<string, Set<Watcher>>();
  private readonly byKey = new Map<string, Set<Watcher>>();
  private readonly byPrefix = new Map<string, Set<Watcher>>();
  /** Shortest registered prefix length per table: bounds the prefix scan on every write. */
  private prefixTables = new Map<string, number>();

  /** Number of registered watchers (all kinds), for the waiter gauges. */
  get size(): number {
    let n = 0;
    for (const s of this.byTable.values()) n += s.size;
    for (const s of this.byKey.values()) n += s.size;
    for (const s of this.byPrefix.values()) n += s.size;
    return n;
  }

  register(w: Watcher) {
    for (const t of w.topics) {
      if (t.kind === 'table') add(this.byTable, t.table, w);
      else if (t.kind === 'key') add(this.byKey, topicKey(t.table, t.key), w);
      else {
        add(this.byPrefix, topicKey(t.table, t.prefix), w);
        const cur = this.prefixTables.get(t.table);
        if (cur === undefined || t.prefix.length < cur) this.prefixTables.set(t.table, t.prefix.length);
      }
    }
  }

  unregister(w: Watcher) {
    for (const t of w.topics) {
      if (t.kind === 'table') remove(this.byTable, t.table, w);
      else if (t.kind === 'key') remove(this.byKey, topicKey(t.table, t.key), w);
      else remove(this.byPrefix, topicKey(t.table, t.prefix), w);
    }
  }

  /** Wakes every watcher interested in (table, key). Called once per changed key after a commit. */
  notify(table: string, key: string, index: number) {
    fire(this.byTable.get(table), index);
    fire(this.byKey.get(topicKey(table, key)), index);
    const minLen = this.prefixTables.get(table);
    if (minLen === undefined || this.byPrefix.size === 0) return;
    const base = `${table}\u0000`;
    for (let i = key.length; i >= minLen; i--) fire(this.byPrefix.get(base + key.slice(0, i)), index);
  }
}

export type Topic =
  | { kind: 'table'; table: string }
  | { kind: 'key'; table: string; key: string }
  | { kind: 'prefix'; table: string; prefix: string };

/** A set of topics with one callback; fired at most once. */
export class Watcher {
  readonly topics: Topic[] = [];
  fired = false;
  constructor(private readonly onFire: (index: number) => void) {}
  fire(index: number) {
    if (this.fired) return;
    this.fired = true;
    this.onFire(index);
  }
}

function topicKey(table: string, key: string) {
  return `${table}\u0000${key}`;
}

function add(m: Map<string, Set<Watcher>>, k: string, w: Watcher) {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(w);
}

function remove(m: Map<string, Set<Watcher>>, k: string, w: Watcher) {
  const s = m.get(k);
  if (!s) return;
  s.delete(w);
  if (s.size === 0) m.delete(k);
}

function fire(s: Set<Watcher> | undefined, index: number) {
  if (!s) return;
  for (const w of [...s]) w.fire(index);
}
