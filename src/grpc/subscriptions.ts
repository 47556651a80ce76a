import type { Clock, TimerHandle } from '../core/clock';
import type { Connection } from './connection';

/**
 * Which connections watch which keys (config listeners, naming subscribers, fuzzy patterns), with
 * per-connection data (listened md5 and tenant spelling, cluster filter, …). Kept in both
 * directions so that dropping a connection costs O(its keys), not O(all keys).
 */
export class Subscriptions<D> {
  private readonly byKey = new Map<string, Map<string, { conn: Connection; data: D }>>();
  private readonly byConn = new Map<string, Set<string>>();

  add(key: string, conn: Connection, data: D) {
    let m = this.byKey.get(key);
    if (!m) this.byKey.set(key, (m = new Map()));
    m.set(conn.id, { conn, data });
    let s = this.byConn.get(conn.id);
    if (!s) this.byConn.set(conn.id, (s = new Set()));
    s.add(key);
  }

  remove(key: string, connId: string) {
    const m = this.byKey.get(key);
    if (m?.delete(connId) && m.size === 0) this.byKey.delete(key);
    const s = this.byConn.get(connId);
    if (s?.delete(key) && s.size === 0) this.byConn.delete(connId);
  }

  /** Drops every key of a connection; returns the keys it had. */
  removeConnection(connId: string): string[] {
    const keys = [...(this.byConn.get(connId) ?? [])];
    for (const k of keys) this.remove(k, connId);
    return keys;
  }

  get(key: string, connId: string): D | undefined {
    return this.byKey.get(key)?.get(connId)?.data;
  }

  /** Watchers of one key (a snapshot, safe to iterate while pushing). */
  watchers(key: string): Array<{ conn: Connection; data: D }> {
    const m = this.byKey.get(key);
    return m ? [...m.values()] : [];
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  keysOf(connId: string): string[] {
    return [...(this.byConn.get(connId) ?? [])];
  }

  get size(): number {
    let n = 0;
    for (const m of this.byKey.values()) n += m.size;
    return n;
  }
}

/**
 * Runs `fn(key)` once per key, `delayMs` after the first `schedule(key)` of a burst (Nacos'
 * PushDelayTaskExecuteEngine merges pushes of one service for 500 ms).
 */
export class Debouncer {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly delayMs: number,
    private readonly fn: (key: string) => void,
  ) {}

  schedule(key: string) {
    if (this.timers.has(key)) return;
    this.timers.set(
      key,
      this.clock.setTimeout(() => {
        this.timers.delete(key);
        this.fn(key);
      }, this.delayMs),
    );
  }

  dispose() {
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }
}
