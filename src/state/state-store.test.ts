import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { blockingQuery, waitForTopics } from './blocking-query';
import { StateStore } from './state-store';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('StateStore index', () => {
  test('starts at ≥1, bumps once per write, never backwards', async () => {
    const s = new StateStore();
    expect(s.index).toBe(1);
    const t = s.table<string>('kv');
    await s.write((w) => {
      w.put(t, 'a', '1');
      w.put(t, 'b', '2');
    });
    expect(s.index).toBe(2);
    expect(t.get('a')).toMatchObject({ createIndex: 2, modifyIndex: 2 });
    await s.write((w) => w.put(t, 'a', '3'));
    expect(t.get('a')).toMatchObject({ value: '3', createIndex: 2, modifyIndex: 3 });
    expect(t.get('b')!.modifyIndex).toBe(2);
    await s.write(() => {}); // no staged change, no index consumed
    expect(s.index).toBe(3);
  });

  test('failed writes apply nothing', async () => {
    const s = new StateStore();
    const t = s.table<number>('x');
    await expect(
      s.write((w) => {
        w.put(t, 'k', 1);
        throw new Error('storage down');
      }),
    ).rejects.toThrow('storage down');
    expect(t.get('k')).toBeUndefined();
    await s.write((w) => w.put(t, 'k', 2));
    expect(t.get('k')!.value).toBe(2);
  });

  test('writes are serialized in submission order even when async', async () => {
    const s = new StateStore();
    const t = s.table<number>('x');
    const order: number[] = [];
    const p1 = s.write(async (w) => {
      await new Promise((r) => setTimeout(r, 20));
      order.push(1);
      w.put(t, 'k', 1);
    });
    const p2 = s.write((w) => {
      order.push(2);
      expect(t.get('k')!.value).toBe(1); // sees the first write applied
      w.put(t, 'k', 2);
    });
    await Promise.all([p1, p2]);
    expect(order).toEqual([1, 2]);
    expect(t.get('k')!.modifyIndex).toBe(3);
  });

  test('deletes leave tombstones so prefix indexes never go backwards', async () => {
    const s = new StateStore();
    const t = s.table<string>('kv');
    await s.write((w) => w.put(t, 'app/a', 'x'));
    await s.write((w) => w.put(t, 'other', 'y'));
    await s.write((w) => w.delete(t, 'app/a'));
    expect(t.get('app/a')).toBeUndefined();
    expect(t.prefixIndex('app/')).toBe(4);
    expect(t.keyIndex('app/a')).toBe(4);
    expect(t.index()).toBe(4);
    expect(s.reapTombstones(5)).toBe(1);
    expect(t.prefixIndex('app/')).toBe(0);
  });

  test('reserves index blocks ahead and resumes above them', async () => {
    const reserved: number[] = [];
    const s = new StateStore({
      startIndex: 100,
      reserveBlock: 10,
      reserveIndex: (n) => void reserved.push(n),
    });
    expect(reserved).toEqual([110]);
    const t = s.table<number>('x');
    for (let i = 0; i < 6; i++) await s.write((w) => w.put(t, 'k', i));
    expect(reserved).toEqual([110, 115]);
    const s2 = new StateStore({ startIndex: reserved.at(-1)! });
    expect(s2.index).toBeGreaterThan(s.index);
  });
});

describe('indexes allocated elsewhere', () => {
  test('atLeast raises the commit index; rows keep their own modify/tombstone index', async () => {
    const s = new StateStore();
    const t = s.table<string>('kv');
    await s.write((w) => {
      w.atLeast(50);
      w.put(t, 'own', 'x');
      w.put(t, 'peer', 'y', { createIndex: 7, modifyIndex: 40 });
    });
    expect(s.index).toBe(50);
    expect(t.get('own')).toMatchObject({ createIndex: 50, modifyIndex: 50 });
    expect(t.get('peer')).toMatchObject({ createIndex: 7, modifyIndex: 40 });
    await s.write((w) => w.delete(t, 'peer', { index: 90 }));
    expect(s.index).toBe(90);
    expect(t.keyIndex('peer')).toBe(90);
    expect(t.index()).toBe(90);
    // A delete made elsewhere of a key this store never had still records its tombstone.
    await s.write((w) => w.delete(t, 'never/here', { index: 95 }));
    expect(t.keyIndex('never/here')).toBe(95);
    expect(t.prefixIndex('never/')).toBe(95);
    // The next local write continues above.
    await s.write((w) => w.put(t, 'own', 'z'));
    expect(t.get('own')!.modifyIndex).toBe(96);
  });

  test('a floor below the current index changes nothing; above an allocated index it throws', async () => {
    const s = new StateStore({ startIndex: 10 });
    await s.write((w) => {
      w.atLeast(3);
      w.put('t', 'a', 1);
    });
    expect(s.index).toBe(11);
    await expect(
      s.write((w) => {
        void w.index;
        w.atLeast(100);
      }),
    ).rejects.toThrow(/already allocated/);
  });

  test('replica changes are flagged for subscribers', async () => {
    const s = new StateStore();
    const seen: Array<[string, boolean]> = [];
    s.subscribe((cs) => {
      for (const c of cs) seen.push([c.key, !!c.replica]);
    });
    await s.write((w) => {
      w.put('t', 'mine', 1);
      w.put('t', 'theirs', 2, { replica: true });
    });
    await s.write((w) => w.delete('t', 'theirs', { replica: true }));
    expect(seen).toEqual([
      ['mine', false],
      ['theirs', true],
      ['theirs', true],
    ]);
  });
});

describe('watches', () => {
  test('a write wakes only the watchers of its topics', async () => {
    const s = new StateStore();
    const kv = s.table<string>('kv');
    const fired: string[] = [];
    s.watch([{ kind: 'key', table: 'kv', key: 'a' }], () => fired.push('key a'));
    s.watch([{ kind: 'key', table: 'kv', key: 'b' }], () => fired.push('key b'));
    s.watch([{ kind: 'prefix', table: 'kv', prefix: 'a' }], () => fired.push('prefix a'));
    s.watch([{ kind: 'prefix', table: 'kv', prefix: 'ab' }], () => fired.push('prefix ab'));
    s.watch([{ kind: 'table', table: 'kv' }], () => fired.push('table kv'));
    s.watch([{ kind: 'table', table: 'other' }], () => fired.push('table other'));
    await s.write((w) => w.put(kv, 'a', '1'));
    expect(fired.sort()).toEqual(['key a', 'prefix a', 'table kv']);
    expect(s.watches.size).toBe(3);
  });

  test('watchers are one-shot and can be cancelled', async () => {
    const s = new StateStore();
    const kv = s.table<string>('kv');
    let n = 0;
    s.watch([{ kind: 'key', table: 'kv', key: 'a' }], () => n++);
    const cancel = s.watch([{ kind: 'key', table: 'kv', key: 'a' }], () => n++);
    cancel();
    await s.write((w) => w.put(kv, 'a', '1'));
    await s.write((w) => w.put(kv, 'a', '2'));
    expect(n).toBe(1);
    expect(s.watches.size).toBe(0);
  });

  test('many waiters: 10k watchers on distinct keys, one write wakes one', async () => {
    const s = new StateStore();
    const kv = s.table<string>('kv');
    let woke = 0;
    for (let i = 0; i < 10_000; i++) s.watch([{ kind: 'key', table: 'kv', key: `k${i}` }], () => woke++);
    await s.write((w) => w.put(kv, 'k5000', 'x'));
    expect(woke).toBe(1);
    expect(s.watches.size).toBe(9_999);
  });

  test('waitForTopics times out with a fake clock', async () => {
    const clock = new FakeClock();
    const s = new StateStore();
    const p = waitForTopics(s, [{ kind: 'key', table: 'kv', key: 'a' }], 1000, clock);
    clock.advance(999);
    await tick();
    clock.advance(1);
    expect(await p).toBe(false);
    expect(s.watches.size).toBe(0);
  });

  test('waitForTopics ends on abort', async () => {
    const s = new StateStore();
    const ac = new AbortController();
    const p = waitForTopics(s, [{ kind: 'table', table: 't' }], 60_000, undefined, ac.signal);
    ac.abort();
    expect(await p).toBe(false);
  });
});

describe('blockingQuery', () => {
  const query = (s: StateStore) => (ws: import('./blocking-query').WatchSet) => {
    const t = s.table<string>('kv');
    ws.key('kv', 'a');
    return { index: t.keyIndex('a'), value: t.get('a')?.value };
  };

  test('returns at once for minIndex 0 or an older index, never index 0', async () => {
    const s = new StateStore();
    const r0 = await blockingQuery(s, { minIndex: 0, waitMs: 1000 }, query(s));
    expect(r0.index).toBe(1);
    await s.write((w) => w.put('kv', 'a', 'v'));
    const r1 = await blockingQuery(s, { minIndex: 1, waitMs: 1000 }, query(s));
    expect(r1).toEqual({ index: 2, value: 'v' });
  });

  test('blocks until a relevant write, ignoring unrelated writes', async () => {
    const s = new StateStore();
    await s.write((w) => w.put('kv', 'a', 'v1'));
    let done = false;
    const p = blockingQuery(s, { minIndex: 2, waitMs: 5000 }, query(s)).then((r) => {
      done = true;
      return r;
    });
    await s.write((w) => w.put('kv', 'b', 'unrelated'));
    await tick();
    expect(done).toBe(false);
    await s.write((w) => w.put('kv', 'a', 'v2'));
    expect(await p).toEqual({ index: 4, value: 'v2' });
  });

  test('times out returning the same index', async () => {
    const clock = new FakeClock();
    const s = new StateStore();
    await s.write((w) => w.put('kv', 'a', 'v1'));
    const p = blockingQuery(s, { minIndex: 2, waitMs: 300_000, clock }, query(s));
    await tick();
    clock.advance(300_000);
    expect(await p).toEqual({ index: 2, value: 'v1' });
    expect(s.watches.size).toBe(0);
  });
});

describe('subscribers and feeds', () => {
  test('subscribers see every commit with its changes', async () => {
    const s = new StateStore();
    const seen: string[] = [];
    const off = s.subscribe((changes, index) => {
      for (const c of changes) seen.push(`${index}:${c.op}:${c.key}`);
    });
    await s.write((w) => w.put('t', 'a', 1));
    await s.write((w) => w.delete('t', 'a'));
    await s.write((w) => w.delete('t', 'missing'));
    off();
    await s.write((w) => w.put('t', 'b', 1));
    expect(seen).toEqual(['2:put:a', '3:delete:a']);
  });

  test('a slow feed overflows into a resync marker without blocking writers', async () => {
    const s = new StateStore();
    const feed = s.feed({ maxQueued: 5 });
    for (let i = 0; i < 20; i++) await s.write((w) => w.put('t', `k${i}`, i));
    expect(feed.queued).toBe(0);
    expect(await feed.next()).toBe('resync');
    await s.write((w) => w.put('t', 'after', 1));
    const batch = await feed.next();
    expect(Array.isArray(batch) && batch.map((c) => c.key)).toEqual(['after']);
    feed.close();
    expect(await feed.next()).toBe('closed');
  });

  test('feed filters and delivers in order', async () => {
    const s = new StateStore();
    const feed = s.feed({ maxQueued: 100, filter: (c) => c.table === 'want' });
    const got = feed.next();
    await s.write((w) => w.put('skip', 'x', 1));
    await s.write((w) => {
      w.put('want', 'a', 1);
      w.put('want', 'b', 2);
    });
    const batch = await got;
    expect(Array.isArray(batch) && batch.map((c) => c.key)).toEqual(['a', 'b']);
    feed.close();
  });
});

test('reaper keeps tombstones for at least one tick', async () => {
  const s = new StateStore();
  s.reapTick();
  await s.write((w) => w.put('t', 'a', 1));
  await s.write((w) => w.delete('t', 'a'));
  expect(s.reapTick()).toBe(0); // newer than the previous snapshot: kept
  expect(s.table('t').tombstoneCount).toBe(1);
  expect(s.reapTick()).toBe(1);
  expect(s.table('t').tombstoneCount).toBe(0);
  s.startReaper(10)();
});
