import type { Clock } from '../core/clock';

/**
 * Counts failed logins per key (user + client address) in a sliding window and locks the key for
 * `lockoutMs` after `maxAttempts` failures. Bounded: the oldest keys are dropped past `maxKeys`.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { times: number[]; lockedUntil: number }>();

  constructor(
    private readonly opts: { maxAttempts: number; windowMs: number; lockoutMs: number; maxKeys?: number },
    private readonly clock: Clock,
  ) {}

  /** Milliseconds the key stays locked, 0 when a login may be attempted. */
  lockedFor(key: string): number {
    if (this.opts.maxAttempts <= 0) return 0;
    const e = this.failures.get(key);
    if (!e) return 0;
    return Math.max(0, e.lockedUntil - this.clock.now());
  }

  /** Records a failure; returns true when it triggered a lockout. */
  fail(key: string): boolean {
    if (this.opts.maxAttempts <= 0) return false;
    const now = this.clock.now();
    const e = this.failures.get(key) ?? { times: [], lockedUntil: 0 };
    this.failures.delete(key);
    e.times = e.times.filter((t) => now - t < this.opts.windowMs);
    e.times.push(now);
    let locked = false;
    if (e.times.length >= this.opts.maxAttempts) {
      e.lockedUntil = now + this.opts.lockoutMs;
      e.times = [];
      locked = true;
    }
    this.failures.set(key, e);
    const max = this.opts.maxKeys ?? 100_000;
    while (this.failures.size > max) this.failures.delete(this.failures.keys().next().value as string);
    return locked;
  }

  succeed(key: string) {
    this.failures.delete(key);
  }
}

/** Token bucket per client address; `rps` 0 disables. */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;

  constructor(
    private readonly rps: number,
    burst: number,
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {
    this.burst = burst || rps * 2;
  }

  get enabled(): boolean {
    return this.rps > 0;
  }

  /** Takes one token; false when the client is over its rate. */
  take(client: string): boolean {
    if (this.rps <= 0) return true;
    const now = this.clock.now();
    let b = this.buckets.get(client);
    if (!b) {
      b = { tokens: this.burst, at: now };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
      this.buckets.set(client, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rps);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** Small LRU map with a size bound (0 = no caching). */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V) {
    if (this.max <= 0) return;
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  delete(k: string) {
    this.map.delete(k);
  }
  clear() {
    this.map.clear();
  }
  get size() {
    return this.map.size;
  }
}
