import { describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import type { Db, RunResult, SqlRunner } from './db';
import { ResilientDb } from './resilient-db';
import { StorageUnavailable } from './storage-errors';

/** A Db whose reachability the test switches; counts the calls that reach it. */
class SwitchableDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly description = 'switchable';
  down = false;
  calls = 0;
  private hit<T>(v: T): Promise<T> {
    this.calls++;
    if (this.down)
      return Promise.reject(
        new StorageUnavailable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
      );
    return Promise.resolve(v);
  }
  all<T>(_q: unknown) {
    return this.hit([] as T[]);
  }
  get<T>(_q: unknown) {
    return this.hit(undefined as T | undefined);
  }
  run(_q: unknown): Promise<RunResult> {
    return this.hit({ changes: 1, insertId: 0 });
  }
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>) {
    return this.hit(0).then(() => fn(this));
  }
  ping() {
    return this.hit(undefined);
  }
  async close() {}
}

describe('ResilientDb', () => {
  test('opens on an unreachable database, fails fast, re-probes with doubling back-off, closes on success', async () => {
    let now = 1000;
    const inner = new SwitchableDb();
    const db = new ResilientDb(inner, { now: () => now, minBackoffMs: 100, maxBackoffMs: 400 });
    await db.run(sql`x`);
    inner.down = true;
    await expect(db.run(sql`x`)).rejects.toBeInstanceOf(StorageUnavailable);
    expect(db.unavailable).toBe(true);
    const before = inner.calls;
    // Inside the back-off window: rejected without touching the database.
    for (let i = 0; i < 5; i++) await expect(db.get(sql`x`)).rejects.toBeInstanceOf(StorageUnavailable);
    expect(inner.calls).toBe(before);
    // Window over: one probe, still down → window doubles (200 ms).
    now += 100;
    await expect(db.run(sql`x`)).rejects.toBeInstanceOf(StorageUnavailable);
    expect(inner.calls).toBe(before + 1);
    now += 150;
    await expect(db.run(sql`x`)).rejects.toBeInstanceOf(StorageUnavailable);
    expect(inner.calls).toBe(before + 1);
    now += 50;
    await expect(db.run(sql`x`)).rejects.toBeInstanceOf(StorageUnavailable);
    expect(inner.calls).toBe(before + 2);
    // Recovered: the readiness ping closes the breaker at once, whatever the window.
    inner.down = false;
    await db.ping();
    expect(db.unavailable).toBe(false);
    expect(await db.run(sql`x`)).toEqual({ changes: 1, insertId: 0 });
  });

  test('non-connection errors pass through and do not open the breaker; latency is recorded', async () => {
    const registry = new Registry();
    const inner = new SwitchableDb();
    const db = new ResilientDb(inner, { registry });
    await expect(db.transaction(async () => Promise.reject(new Error('constraint')))).rejects.toThrow(
      'constraint',
    );
    expect(db.unavailable).toBe(false);
    await db.all(sql`x`);
    const text = await registry.metrics();
    expect(text).toContain('batata_storage_query_duration_seconds_count{op="transaction",outcome="error"} 1');
    expect(text).toContain('batata_storage_query_duration_seconds_count{op="all",outcome="ok"} 1');
  });

  test('a ping that never answers counts as unreachable after pingTimeoutMs', async () => {
    const inner = new SwitchableDb();
    inner.ping = () => new Promise<undefined>(() => {});
    const db = new ResilientDb(inner, { pingTimeoutMs: 30 });
    const t0 = performance.now();
    await expect(db.ping()).rejects.toThrow('no answer in 30 ms');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(db.unavailable).toBe(true);
    await expect(db.run(sql`x`)).rejects.toBeInstanceOf(StorageUnavailable);
  });
});
