import { beforeEach, describe, expect, test } from 'bun:test';
import { silentLogger } from '../core/log';
import type { Connection } from './connection';
import { matchesPattern } from './fuzzy-pattern';
import { FuzzyWatch, type FuzzyWatchKind } from './fuzzy-watch';

const KIND: FuzzyWatchKind = {
  module: 'config',
  syncRequest: 'Sync',
  changeRequest: 'Change',
  keyField: 'groupKey',
  changeField: 'changeType',
  addType: 'ADD_CONFIG',
  deleteType: 'DELETE_CONFIG',
  existsType: 'CONFIG_CHANGED',
  batchSize: 2,
};

type Sent = { conn: string; type: string; body: Record<string, any> };
let sent: Sent[];
/** Keys that exist: `dataId+group+public`, all in namespace public. */
let existing: string[];

const conn = (id: string) =>
  ({
    id,
    push: {
      push(type: string, _module: string, body: Record<string, any>) {
        sent.push({ conn: id, type, body });
        return Promise.resolve({});
      },
    },
  }) as unknown as Connection;

const split = (k: string) => k.split('+') as [string, string, string];
const make = (maxPatterns: number, maxMatched: number) =>
  new FuzzyWatch(
    KIND,
    { maxPatterns, maxMatched },
    (pattern) => existing.filter((k) => matchesPattern(pattern, 'public', split(k)[1], split(k)[0])),
    {},
    silentLogger,
  );
const change = (w: FuzzyWatch, dataId: string, exists: boolean) => {
  const k = `${dataId}+G+public`;
  if (exists && !existing.includes(k)) existing.push(k);
  if (!exists) existing = existing.filter((x) => x !== k);
  w.changed('public', 'G', dataId, k, exists);
};
const changes = (id?: string) => sent.filter((s) => s.type === 'Change' && (!id || s.conn === id));
const syncKeys = (id: string) =>
  sent
    .filter((s) => s.type === 'Sync' && s.conn === id)
    .flatMap((s) => s.body.contexts)
    .map((c: any) => `${c.changedType}:${c.groupKey}`)
    .sort();

beforeEach(() => {
  sent = [];
  existing = ['a1+G+public', 'a2+G+public', 'a3+G+public', 'b1+G+public'];
});

describe('FuzzyWatch limits (Nacos 3 semantics)', () => {
  test('pattern count is server-wide: a new pattern over the limit is refused, known ones still accepted', () => {
    const w = make(2, 100);
    expect(w.watch(conn('c1'), 'public>>G>>a*', [], false)).toBe('ok');
    expect(w.watch(conn('c2'), 'public>>G>>b*', [], false)).toBe('ok');
    expect(w.watch(conn('c3'), 'public>>G>>c*', [], false)).toBe('pattern_over_limit');
    expect(syncKeys('c3')).toEqual([]);
    // Another connection may join a pattern that is already watched.
    expect(w.watch(conn('c3'), 'public>>G>>a*', [], false)).toBe('ok');
    // The refused pattern was not registered: no notify for it.
    change(w, 'c9', true);
    expect(changes()).toEqual([]);
    // Once every watcher of a pattern leaves, its slot is free again.
    w.cancel('c2', 'public>>G>>b*');
    expect(w.patternCount).toBe(1);
    expect(w.watch(conn('c3'), 'public>>G>>c*', [], false)).toBe('ok');
    w.removeConnection('c3');
    w.removeConnection('c1');
    expect(w.patternCount).toBe(0);
  });

  test('matched count: the set stops at the limit, the watch stays, the diff sends no deletes', () => {
    const w = make(10, 2);
    const c = conn('c1');
    expect(w.watch(c, 'public>>G>>a*', ['zz+G+public'], true)).toBe('match_over_limit');
    // Two of a1..a3, and no DELETE for the client's unknown key (the set may be incomplete).
    const synced = syncKeys('c1');
    expect(synced).toHaveLength(2);
    expect(synced.every((s) => s.startsWith('ADD_CONFIG:a'))).toBe(true);
    // A new match of a full pattern is ignored.
    change(w, 'a4', true);
    expect(changes()).toEqual([]);
    // A delete frees a slot; the set is refilled from what exists, silently.
    const tracked = synced.map((s) => s.split(':')[1]!.split('+')[0]!);
    change(w, tracked[0]!, false);
    expect(changes().map((s) => s.body)).toEqual([
      { groupKey: `${tracked[0]}+G+public`, changeType: 'DELETE_CONFIG' },
    ]);
    sent = [];
    // Still full after the refill: a later new key is still ignored.
    change(w, 'a5', true);
    expect(changes()).toEqual([]);
  });

  test('under the limit: new keys notify CONFIG_CHANGED once, updates of known keys notify nothing', () => {
    const w = make(10, 100);
    expect(w.watch(conn('c1'), 'public>>G>>a*', [], false)).toBe('ok');
    expect(w.watch(conn('c2'), 'public>>G>>*', [], false)).toBe('ok');
    change(w, 'a9', true);
    expect(changes().map((s) => [s.conn, s.body.changeType])).toEqual([
      ['c1', 'CONFIG_CHANGED'],
      ['c2', 'CONFIG_CHANGED'],
    ]);
    sent = [];
    change(w, 'a9', true); // content update: matched sets unchanged
    expect(changes()).toEqual([]);
    change(w, 'b1', false);
    expect(changes().map((s) => [s.conn, s.body.changeType])).toEqual([['c2', 'DELETE_CONFIG']]);
  });

  test('limits of 0 refuse every pattern / report every watch as over the match limit', () => {
    expect(make(0, 10).watch(conn('c1'), 'public>>G>>a*', [], false)).toBe('pattern_over_limit');
    const w = make(10, 0);
    expect(w.watch(conn('c1'), 'public>>G>>a*', [], true)).toBe('match_over_limit');
    // Initializing with nothing to sync still ends with the finish marker.
    return Promise.resolve().then(() =>
      expect(sent.map((s) => s.body.syncType)).toEqual(['FINISH_FUZZY_WATCH_INIT_NOTIFY']),
    );
  });
});
