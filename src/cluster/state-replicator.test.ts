import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../core/log';
import { StateStore } from '../state';
import { type ReplicatedTable, StateReplicator, sameValue } from './state-replicator';

function setup() {
  const db = new Map<string, { v: number }>();
  const table: ReplicatedTable<{ v: number }> = {
    table: 't',
    load: async (ks) => new Map(ks.filter((k) => db.has(k)).map((k) => [k, db.get(k)!])),
    loadAll: async () => new Map(db),
  };
  const state = new StateStore();
  const sent: Array<[string, string[]]> = [];
  const r = new StateReplicator(state, [table], (t, k) => sent.push([t, k]), silentLogger);
  r.start();
  return { db, state, sent, r };
}

describe('StateReplicator', () => {
  test('local commits are batched into one sync per table; other tables are ignored', async () => {
    const { state, sent } = setup();
    await state.write((w) => {
      w.put('t', 'a', { v: 1 });
      w.put('t', 'b', { v: 1 });
      w.put('other', 'x', 1);
    });
    await Promise.resolve();
    expect(sent).toEqual([['t', ['a', 'b']]]);
  });

  test('reload applies only differences and does not echo them back', async () => {
    const { db, state, sent, r } = setup();
    db.set('a', { v: 2 });
    const before = state.index;
    expect(await r.reload('t', ['a', 'gone'])).toBe(1);
    expect(state.table('t').get('a')!.value).toEqual({ v: 2 });
    expect(state.index).toBeGreaterThan(before);
    const idx = state.index;
    expect(await r.reload('t', ['a'])).toBe(0);
    expect(state.index).toBe(idx);
    db.delete('a');
    expect(await r.reload('t', ['a'])).toBe(1);
    expect(state.table('t').has('a')).toBe(false);
    await Promise.resolve();
    expect(sent).toEqual([]);
  });

  test('reconcile repairs missed puts and deletes', async () => {
    const { db, state, r } = setup();
    await state.write((w) => w.put('t', 'stale', { v: 1 }));
    db.set('new', { v: 3 });
    expect(await r.reconcile()).toBe(2);
    expect([...state.table('t').values()].map((e) => e.key)).toEqual(['new']);
    expect(await r.reconcile()).toBe(0);
    expect(r.stats.repaired).toBe(2);
  });

  test('a local write after a reload is still sent', async () => {
    const { db, state, sent, r } = setup();
    db.set('a', { v: 1 });
    await r.reload('t', ['a']);
    await state.write((w) => w.put('t', 'a', { v: 5 }));
    await Promise.resolve();
    expect(sent).toEqual([['t', ['a']]]);
  });

  test('sameValue ignores key order and undefined fields', () => {
    expect(sameValue({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
    expect(sameValue({ a: 1 }, { a: '1' })).toBe(false);
  });

  test('owns: values outside the database are neither sent nor deleted by reconciliation', async () => {
    const db = new Map<string, { v: number; durable: boolean }>();
    const table: ReplicatedTable<{ v: number; durable: boolean }> = {
      table: 'mixed',
      load: async (ks) => new Map(ks.filter((k) => db.has(k)).map((k) => [k, db.get(k)!])),
      loadAll: async () => new Map(db),
      owns: (x) => x.durable,
    };
    const state = new StateStore();
    const sent: string[][] = [];
    const r = new StateReplicator(state, [table], (_t, k) => sent.push(k), silentLogger);
    r.start();
    await state.write((w) => {
      w.put('mixed', 'mem', { v: 1, durable: false });
      w.put('mixed', 'dur', { v: 1, durable: true });
    });
    await Promise.resolve();
    expect(sent).toEqual([['dur']]);
    db.set('dur', { v: 1, durable: true });
    expect(await r.reconcile()).toBe(0);
    expect(await r.reload('mixed', ['mem'])).toBe(0);
    expect(state.table('mixed').has('mem')).toBe(true);
    db.delete('dur');
    expect(await r.reconcile()).toBe(1);
    expect(state.table('mixed').has('dur')).toBe(false);
  });

  test('reload reads only the named keys, never the whole table', async () => {
    const asked: string[][] = [];
    const table: ReplicatedTable<number> = {
      table: 'big',
      load: async (ks) => {
        asked.push(ks);
        return new Map(ks.map((k) => [k, 1]));
      },
      loadAll: () => Promise.reject(new Error('whole table read')),
    };
    const r = new StateReplicator(new StateStore(), [table], () => {}, silentLogger);
    expect(await r.reload('big', ['k1', 'k2'])).toBe(2);
    expect(asked).toEqual([['k1', 'k2']]);
  });

  test('self-syncing tables: local changes are sent; reload and reconcile call catchUp', async () => {
    const state = new StateStore();
    let catchUps = 0;
    const sent: Array<[string, string[]]> = [];
    const r = new StateReplicator(state, [], (t, k) => sent.push([t, k]), silentLogger, [
      { tables: ['kv', 'sess'], catchUp: async () => ++catchUps },
    ]);
    r.start();
    await state.write((w) => {
      w.put('kv', 'a', 1);
      w.put('kv', 'peer', 2, { replica: true });
    });
    await Promise.resolve();
    expect(sent).toEqual([['kv', ['a']]]);
    expect(await r.reload('sess', ['x'])).toBe(1);
    expect(await r.reconcile()).toBe(2);
    expect(catchUps).toBe(2);
    expect(r.tableNames()).toEqual(['kv', 'sess']);
  });
});
