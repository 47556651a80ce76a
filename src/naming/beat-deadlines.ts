/** Heartbeat state of one beat-driven instance (times in ms). */
export interface Beat {
  /** Last heartbeat. */
  last: number;
  /** Idle time after which the instance turns unhealthy. */
  timeout: number;
  /** Idle time after which it is removed. */
  del: number;
}

interface Tracked extends Beat {
  /** Time of this key's one live entry in the heap; older heap entries for the key are stale. */
  due: number;
}

/**
 * Heartbeat deadlines of beat-driven instances. A beat only stores its time (O(1)); a min-heap of
 * check times lets the sweeper look at the instances whose deadline may have passed instead of
 * walking every instance on every tick (100 k instances = 100 k map entries per tick otherwise).
 * Each key has one live heap entry; when it comes up and the instance beat since, it is simply
 * pushed again at the new deadline.
 */
export class BeatDeadlines {
  private readonly beats = new Map<string, Tracked>();
  private readonly times: number[] = [];
  private readonly keys: string[] = [];

  /** @param retryMs when an overdue key is reported, how soon to report it again if still there. */
  constructor(private readonly retryMs: number) {}

  get size(): number {
    return this.beats.size;
  }

  get(key: string): Beat | undefined {
    return this.beats.get(key);
  }

  /** Starts (or restarts) tracking `key`. */
  set(key: string, beat: Beat): void {
    const cur = this.beats.get(key);
    const due = beat.last + beat.timeout + 1;
    if (!cur) {
      this.beats.set(key, { ...beat, due });
      this.push(due, key);
      return;
    }
    cur.last = beat.last;
    this.retime(key, cur, beat.timeout, beat.del);
  }

  /** A heartbeat. Returns false when the key is not tracked. */
  touch(key: string, now: number): boolean {
    const b = this.beats.get(key);
    if (!b) return false;
    b.last = now;
    return true;
  }

  /** New timeouts (instance metadata changed). */
  setTimeouts(key: string, timeout: number, del: number): void {
    const b = this.beats.get(key);
    if (b) this.retime(key, b, timeout, del);
  }

  delete(key: string): void {
    this.beats.delete(key);
  }

  /**
   * Keys idle longer than their timeout at `now`, with their idle time. Each reported key is
   * reported again at its delete deadline, or after `retryMs` if it is still overdue then.
   */
  overdue(now: number): Array<{ key: string; beat: Beat; idle: number }> {
    const out: Array<{ key: string; beat: Beat; idle: number }> = [];
    while (this.times.length && this.times[0]! <= now) {
      const [time, key] = this.pop();
      const b = this.beats.get(key);
      if (!b || b.due !== time) continue; // removed, or superseded by a sooner entry
      const idle = now - b.last;
      if (idle <= b.timeout) {
        this.schedule(key, b, b.last + b.timeout + 1);
        continue;
      }
      out.push({ key, beat: b, idle });
      this.schedule(
        key,
        b,
        idle <= b.del ? Math.min(b.last + b.del + 1, now + this.retryMs) : now + this.retryMs,
      );
    }
    return out;
  }

  private retime(key: string, b: Tracked, timeout: number, del: number) {
    b.timeout = timeout;
    b.del = del;
    const due = b.last + timeout + 1;
    if (due < b.due) this.schedule(key, b, due);
  }

  private schedule(key: string, b: Tracked, due: number) {
    b.due = due;
    this.push(due, key);
  }

  private push(time: number, key: string) {
    const t = this.times;
    const k = this.keys;
    let i = t.length;
    t.push(time);
    k.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! <= time) break;
      t[i] = t[p]!;
      k[i] = k[p]!;
      i = p;
    }
    t[i] = time;
    k[i] = key;
  }

  private pop(): [number, string] {
    const t = this.times;
    const k = this.keys;
    const top: [number, string] = [t[0]!, k[0]!];
    const lastT = t.pop()!;
    const lastK = k.pop()!;
    const n = t.length;
    if (n) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const c = l + 1 < n && t[l + 1]! < t[l]! ? l + 1 : l;
        if (t[c]! >= lastT) break;
        t[i] = t[c]!;
        k[i] = k[c]!;
        i = c;
      }
      t[i] = lastT;
      k[i] = lastK;
    }
    return top;
  }
}
