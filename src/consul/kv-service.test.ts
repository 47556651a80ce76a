import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { LevelFilter, Log, MemorySink } from '../core/log';
import { StateStore, WatchSet } from '../state';
import { formatGoDuration, parseGoDuration } from './consul-errors';
import { ConsulStore } from './consul-store';
import { LockDelays } from './consul-tx';
import { FakeConsulRepo } from './fake-consul-repo';
import { KvService } from './kv-service';
import { SessionService } from './session-service';

const enc = (s: string) => new TextEncoder().encode(s);
/** Lets timer callbacks and the storage calls they start run to completion. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Bun.sleep(0);
};

/** One node: its own state over `repo`, which several nodes may share. */
function setup(repo = new FakeConsulRepo(), startIndex = 1, clock = new FakeClock()) {
  const state = new StateStore({ startIndex });
  const store = new ConsulStore(state, repo);
  const delays = new LockDelays(clock);
  const kv = new KvService(state, store, delays);
  const log = new Log({ filter: new LevelFilter('error'), sinks: [new MemorySink()] });
  const sessions = new SessionService(state, store, delays, clock, log, 'n1', {
    nodeExists: (n) => n === 'n1',
    checkStatus: (_n, id) => (id === 'serfHealth' ? 'passing' : id === 'bad' ? 'critical' : undefined),
  });
  return { clock, state, repo, store, kv, sessions };
}

describe('KvService', () => {
  test('a failing storage commit changes nothing in memory and consumes no visible index', async () => {
    const { kv, repo, state } = setup();
    await kv.put('a', enc('1'), {});
    const idx = state.index;
    repo.failNext = true;
    await expect(kv.put('a', enc('2'), {})).rejects.toThrow('storage down');
    expect(new TextDecoder().decode(kv.get(new WatchSet(), 'a').value!.value!)).toBe('1');
    expect(state.index).toBe(idx);
  });

  test('txn applies every op at one index with one storage commit, or none of them', async () => {
    const { kv, repo } = setup();
    const before = repo.commits;
    const op = (verb: string, key: string, value = '') => ({
      verb,
      key,
      value: value ? enc(value) : null,
      flags: 0n,
      index: 0,
      session: '',
    });
    const ok = await kv.txn([op('set', 'x', '1'), op('set', 'y', '2'), op('get', 'x')]);
    expect(ok.errors).toEqual([]);
    expect(repo.commits).toBe(before + 1);
    expect(ok.results[0]!.entry.modifyIndex).toBe(ok.results[1]!.entry.modifyIndex);
    const bad = await kv.txn([op('set', 'z', '3'), op('check-not-exists', 'x')]);
    expect(bad.errors).toEqual([{ opIndex: 1, what: 'key "x" exists' }]);
    expect(repo.kv.has('z')).toBe(false);
    expect(repo.commits).toBe(before + 1);
  });

  test('concurrent writes are group-committed in arrival order; a bad op fails alone', async () => {
    const { kv, repo } = setup();
    const before = repo.commits;
    const results = await Promise.allSettled([
      kv.put('g', enc('1'), {}),
      kv.put('g', enc('2'), { cas: 0 }), // 'g' exists by now (arrival order) → false
      kv.put('h', enc('x'), { acquire: 'no-such-session' }),
      kv.put('g2', enc('3'), {}),
      kv.delete('g', {}),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      true,
      false,
      'invalid session "no-such-session"',
      true,
      true,
    ]);
    expect(repo.commits - before).toBe(1);
    expect(repo.kv.has('g')).toBe(false);
    expect(repo.kv.has('g2')).toBe(true);
    expect(await kv.put('p0', enc('0'), {})).toBe(true);
    repo.failNext = true;
    const failed = await Promise.allSettled([kv.put('f1', enc('1'), {}), kv.put('f2', enc('2'), {})]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(repo.kv.has('f1') || repo.kv.has('f2')).toBe(false);
  });

  test('blocking watch on a key is woken only by writes to it', async () => {
    const { kv, state } = setup();
    await kv.put('w/a', enc('1'), {});
    const ws = new WatchSet();
    kv.get(ws, 'w/a');
    let woke = 0;
    state.watch(ws.topics, () => woke++);
    await kv.put('w/b', enc('1'), {});
    expect(woke).toBe(0);
    await kv.put('w/a', enc('2'), {});
    expect(woke).toBe(1);
  });
});

describe('two nodes sharing one storage', () => {
  const get = (n: ReturnType<typeof setup>, key: string) => n.kv.get(new WatchSet(), key);
  const text = (n: ReturnType<typeof setup>, key: string) => {
    const v = get(n, key).value?.value;
    return v ? new TextDecoder().decode(v) : undefined;
  };

  test('racing CAS on the same index: exactly one node wins, the loser sees the winner', async () => {
    const repo = new FakeConsulRepo();
    const a = setup(repo);
    const b = setup(repo, 500); // B's own index is far ahead: indexes still agree
    await a.kv.put('c', enc('0'), {});
    await b.store.catchUp();
    for (let round = 0; round < 20; round++) {
      const idx = get(a, 'c').index;
      expect(get(b, 'c').index).toBe(idx);
      const [ra, rb] = await Promise.all([
        a.kv.put('c', enc(`a${round}`), { cas: idx }),
        b.kv.put('c', enc(`b${round}`), { cas: idx }),
      ]);
      expect([ra, rb].filter(Boolean)).toHaveLength(1);
      // The loser's write brought it up to date; the winner catches up from a sync message.
      await a.store.catchUp();
      await b.store.catchUp();
      expect(text(a, 'c')).toBe(ra ? `a${round}` : `b${round}`);
      expect(text(b, 'c')).toBe(text(a, 'c'));
    }
  });

  test('lock acquire race: one holder; a session destroyed on the other node releases it there too', async () => {
    const repo = new FakeConsulRepo();
    const a = setup(repo);
    const b = setup(repo);
    const sa = await a.sessions.create({ lockDelay: 0 });
    const sb = await b.sessions.create({ lockDelay: 0 });
    await a.store.catchUp();
    const [ra, rb] = await Promise.all([
      a.kv.put('lock', enc('a'), { acquire: sa.id }),
      b.kv.put('lock', enc('b'), { acquire: sb.id }),
    ]);
    expect([ra, rb]).toEqual([true, false]);
    expect(await b.kv.put('lock', enc('b'), { acquire: sb.id })).toBe(false);
    // B's release with the wrong session fails; destroying A's session from B releases it.
    expect(await b.kv.put('lock', null, { release: sb.id })).toBe(false);
    await b.sessions.destroy(sa.id);
    expect(repo.kv.get('lock')!.session).toBeUndefined();
    expect(await b.kv.put('lock', enc('b'), { acquire: sb.id })).toBe(true);
    await a.store.catchUp();
    expect(get(a, 'lock').value!.session).toBe(sb.id);
    expect(a.sessions.info(new WatchSet(), sa.id).value).toEqual([]);
  });

  test('indexes are the storage indexes on every node, for rows, tombstones and lists', async () => {
    const repo = new FakeConsulRepo();
    const a = setup(repo);
    const b = setup(repo, 10_000);
    await b.kv.put('dir/x', enc('1'), {}); // committed above B's own index
    await a.kv.put('dir/y', enc('2'), {}); // A jumps above it
    expect(get(a, 'dir/y').index).toBeGreaterThan(get(a, 'dir/x').index);
    await b.store.catchUp();
    const list = (n: ReturnType<typeof setup>) => n.kv.list(new WatchSet(), 'dir/').index;
    expect(list(b)).toBe(list(a));
    await a.kv.delete('dir/y', {});
    await b.store.catchUp();
    expect(list(b)).toBe(list(a));
    expect(get(b, 'dir/y').index).toBe(get(a, 'dir/y').index); // missing key: KV table index
    expect(b.state.index).toBeGreaterThanOrEqual(list(a));
    // Nothing new: catching up again changes nothing and bumps nothing.
    const idx = b.state.index;
    expect(await b.store.catchUp()).toBe(0);
    expect(b.state.index).toBe(idx);
    // A node started now (it never saw dir/y) reports the same indexes: tombstones are loaded too.
    const c = setup(repo);
    await c.store.load();
    expect(list(c)).toBe(list(a));
    expect(get(c, 'dir/y').index).toBe(get(a, 'dir/y').index);
    expect(c.state.index).toBeGreaterThanOrEqual(list(a));
  });

  test('a TTL session renewed on another node is not expired by its creator; it lapses 2 × TTL after the last renewal', async () => {
    const repo = new FakeConsulRepo();
    const clock = new FakeClock();
    const a = setup(repo, 1, clock);
    const b = setup(repo, 1, clock);
    const s = await a.sessions.create({ ttl: '10s', lockDelay: 0 });
    expect(await a.kv.put('ttl-lock', enc('v'), { acquire: s.id })).toBe(true);
    await b.store.catchUp(); // B learns the session (and arms its own timer)
    clock.advance(15_000);
    expect(await b.sessions.renew(s.id)).toBeDefined();
    clock.advance(19_000); // A's timer fired at 20 s: the stored renewal kept the session
    await settle();
    expect(repo.sessions.has(s.id)).toBe(true);
    expect(a.sessions.info(new WatchSet(), s.id).value).toHaveLength(1);
    clock.advance(1_500); // 20.5 s after the renewal
    await settle();
    expect(repo.sessions.has(s.id)).toBe(false);
    expect(repo.kv.get('ttl-lock')!.session).toBeUndefined();
    await a.store.catchUp();
    await b.store.catchUp();
    for (const n of [a, b]) expect(n.sessions.info(new WatchSet(), s.id).value).toEqual([]);
    // Renewing a session that is gone reports it missing.
    expect(await b.sessions.renew(s.id)).toBeUndefined();
  });

  test('a node behind reaped tombstones reloads everything', async () => {
    const repo = new FakeConsulRepo();
    const a = setup(repo);
    const b = setup(repo);
    await a.kv.put('t/1', enc('1'), {});
    await a.kv.put('t/2', enc('2'), {});
    await b.store.catchUp();
    await a.kv.delete('t/1', {});
    await a.store.reapTombstones(repo.index);
    expect(await b.store.catchUp()).toBe(1);
    expect(b.kv.keys(new WatchSet(), 't/', '').value).toEqual(['t/2']);
  });
});

describe('SessionService', () => {
  test('a TTL session lapses at 2 × TTL, releasing its locks; renew postpones it', async () => {
    const { sessions, kv, clock } = setup();
    const s = await sessions.create({ ttl: '10s', lockDelay: '0s' });
    expect(await kv.put('l', enc('v'), { acquire: s.id })).toBe(true);
    clock.advance(15_000);
    expect(await sessions.renew(s.id)).toBeDefined();
    clock.advance(19_000); // 34 s since create, 19 s since renew
    await settle();
    expect(sessions.info(new WatchSet(), s.id).value).toHaveLength(1);
    clock.advance(1_500); // 20.5 s since renew > 2 × 10 s
    await settle();
    expect(sessions.info(new WatchSet(), s.id).value).toHaveLength(0);
    expect(kv.get(new WatchSet(), 'l').value!.session).toBeUndefined();
  });

  test('lock-delay blocks re-acquire until it passes; delete behavior removes held keys', async () => {
    const { sessions, kv, clock } = setup();
    const a = await sessions.create({ lockDelay: '5s' });
    const b = await sessions.create({});
    await kv.put('k', enc('v'), { acquire: a.id });
    await sessions.destroy(a.id);
    expect(await kv.put('k', enc('v'), { acquire: b.id })).toBe(false);
    clock.advance(5_001);
    expect(await kv.put('k', enc('v'), { acquire: b.id })).toBe(true);
    const d = await sessions.create({ behavior: 'delete', lockDelay: 0 });
    await kv.put('gone', enc('v'), { acquire: d.id });
    await sessions.destroy(d.id);
    expect(kv.get(new WatchSet(), 'gone').value).toBeUndefined();
  });

  test('validation texts and the LockDelay seconds quirk', async () => {
    const { sessions } = setup();
    await expect(sessions.create({ ttl: 'abc' })).rejects.toThrow(
      `Session TTL 'abc' invalid: time: invalid duration "abc"`,
    );
    await expect(sessions.create({ node: 'other' })).rejects.toThrow('Missing node registration');
    await expect(sessions.create({ checks: ['nope'] })).rejects.toThrow("Missing check 'nope' registration");
    await expect(sessions.create({ checks: ['bad'] })).rejects.toThrow("Check 'bad' is in critical state");
    expect((await sessions.create({ lockDelay: 7 })).lockDelayNs).toBe(7e9);
    expect((await sessions.create({ lockDelay: '250ms' })).lockDelayNs).toBe(250e6);
    expect((await sessions.create({ checks: [] })).nodeChecks).toEqual([]);
  });
});

describe('Go durations', () => {
  test('parse and format', () => {
    expect(parseGoDuration('300000ms')).toBe(300e9);
    expect(parseGoDuration('1m30s')).toBe(90e9);
    expect(parseGoDuration('1.5h')).toBe(5400e9);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('10us')).toBe(10e3);
    expect(() => parseGoDuration('5')).toThrow('time: missing unit in duration "5"');
    expect(() => parseGoDuration('')).toThrow();
    expect(() => parseGoDuration('1x')).toThrow('time: unknown unit "x" in duration "1x"');
    expect(formatGoDuration(90e9)).toBe('1m30s');
    expect(formatGoDuration(10e9)).toBe('10s');
    expect(formatGoDuration(3600e9)).toBe('1h0m0s');
    expect(formatGoDuration(250e6)).toBe('250ms');
  });
});
