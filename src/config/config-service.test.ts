import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { silentLogger } from '../core/log';
import { StateStore } from '../state';
import { SqlConfigRepo } from '../storage/config-sql-repo';
import type { Db } from '../storage/db';
import { migrate } from '../storage/migrate';
import { SqliteDb } from '../storage/sqlite-db';
import { md5Hex } from './config-model';
import { ConfigService, lineDiff } from './config-service';
import {
  clientVersionNumber,
  formatChanged,
  LongPoller,
  legacyProbeHeaders,
  parseListeningConfigs,
} from './long-poll';

/** Repo that fails on demand, to prove rejected writes change nothing. */
class FlakyRepo extends SqlConfigRepo {
  fail = false;
  override saveBatch(...a: Parameters<SqlConfigRepo['saveBatch']>) {
    if (this.fail) return Promise.reject(new Error('disk full'));
    return super.saveBatch(...a);
  }
}

describe('ConfigService', () => {
  let db: Db;
  let repo: FlakyRepo;
  let state: StateStore;
  let clock: FakeClock;
  let svc: ConfigService;
  const published: string[] = [];

  beforeEach(async () => {
    db = new SqliteDb({ path: ':memory:' });
    await migrate(db);
    repo = new FlakyRepo(db);
    state = new StateStore();
    clock = new FakeClock();
    svc = new ConfigService(state, repo, clock, silentLogger, {
      maxContentBytes: 100,
      onPublish: (k) => published.push(k),
    });
  });
  afterEach(() => db.close());

  const key = { namespaceId: 'public', group: 'G', dataId: 'app.yaml' };

  test('publish stores content + md5 in state and is readable without the DB', async () => {
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'a: 1', type: 'yaml', configTags: 'x,y' });
    const v = svc.query(key)!;
    expect(v.content).toBe('a: 1');
    expect(v.md5).toBe(md5Hex('a: 1'));
    expect(v.type).toBe('yaml');
    expect(svc.record(key)?.formal?.tags).toEqual(['x', 'y']);
    expect(svc.count('public')).toBe(1);
    expect(published.at(-1)).toBe('formal');
  });

  test('history pages are Java ints: a page past 2^31 - 1 is refused before any SQL runs', async () => {
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'v1' });
    expect((await svc.history(key, 2 ** 31 - 1, 500)).pageItems).toEqual([]);
    for (const [pageNo, pageSize] of [
      [1e23, 10],
      [2 ** 31, 10],
      [1.5, 10],
      [1, Number.NaN],
    ] as const)
      await expect(svc.history(key, pageNo, pageSize)).rejects.toMatchObject({
        kind: 'invalid_argument',
        detailCode: 20002,
      });
  });

  test('history: insert keeps the new version, update keeps the replaced one; rollback republishes', async () => {
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'v1' });
    clock.advance(1000);
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'v2', srcUser: 'bob' });
    const h = await svc.history(key, 1, 10);
    expect(h.totalCount).toBe(2);
    expect(h.pageItems.map((x) => [x.opType, x.content])).toEqual([
      ['U', 'v1'],
      ['I', 'v1'],
    ]);
    expect(h.pageItems[0]!.srcUser).toBe('bob');
    await svc.rollback(h.pageItems[0]!.nid);
    expect(svc.query(key)?.content).toBe('v1');
    const d = await svc.diff(h.pageItems[0]!.nid);
    expect(d.lines).toEqual([{ op: ' ', text: 'v1' }]);
  });

  test('casMd5 mismatch is rejected and changes nothing', async () => {
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'v1' });
    const idx = state.index;
    await expect(
      svc.publish({ dataId: 'app.yaml', group: 'G', content: 'v2', casMd5: 'nope' }),
    ).rejects.toThrow('Cas publish fail');
    expect(state.index).toBe(idx);
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'v2', casMd5: md5Hex('v1') });
    expect(svc.query(key)?.content).toBe('v2');
    // CAS on a missing config fails (Nacos insertOrUpdateCas updates 0 rows).
    await expect(
      svc.publish({ dataId: 'new', group: 'G', content: 'x', casMd5: md5Hex('x') }),
    ).rejects.toThrow();
  });

  test('invalid input and storage failures leave state untouched', async () => {
    await expect(svc.publish({ dataId: 'a b', group: 'G', content: 'x' })).rejects.toThrow('invalid dataId');
    await expect(svc.publish({ dataId: 'a', group: 'G', content: '  ' })).rejects.toThrow('content is blank');
    await expect(svc.publish({ dataId: 'a', group: 'G', content: 'x'.repeat(101) })).rejects.toThrow(
      'invalid content, over 100',
    );
    await expect(
      svc.publish({ dataId: 'a', group: 'G', content: 'x', tag: 'way-too-long-tag-name' }),
    ).rejects.toThrow('too long tag');
    repo.fail = true;
    await expect(svc.publish({ dataId: 'a', group: 'G', content: 'x' })).rejects.toThrow('disk full');
    expect(svc.count()).toBe(0);
    expect(state.index).toBe(1);
  });

  test('beta and tag grays are served to matching clients only; remove with tag drops just that gray', async () => {
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'formal' });
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'beta', betaIps: '10.0.0.1' });
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'blue', tag: 'blue' });
    expect(svc.query(key, { clientIp: '10.0.0.1' })?.content).toBe('beta');
    expect(svc.query(key, { clientIp: '10.0.0.2' })?.content).toBe('formal');
    expect(svc.query(key, { tag: 'blue' })?.content).toBe('blue');
    expect(svc.md5Of(key, { clientIp: '10.0.0.1' })).toBe(md5Hex('beta'));
    await svc.remove({ dataId: 'app.yaml', group: 'G', tag: 'blue' });
    expect(svc.query(key, { tag: 'blue' })).toBeUndefined();
    expect(svc.query(key)?.content).toBe('formal');
    await svc.removeGray(key, 'beta');
    expect(svc.query(key, { clientIp: '10.0.0.1' })?.content).toBe('formal');
    expect(await svc.remove({ dataId: 'app.yaml', group: 'G' })).toBe(true);
    expect(svc.query(key)).toBeUndefined();
    expect(svc.md5Of(key)).toBe('');
    expect(await svc.remove({ dataId: 'app.yaml', group: 'G' })).toBe(false);
  });

  test('group commit: concurrent publishes share a transaction, keep order per key and fail individually', async () => {
    const batches: number[] = [];
    const orig = repo.saveBatch.bind(repo);
    repo.saveBatch = (ops) => {
      batches.push(ops.length);
      return orig(ops);
    };
    const results = await Promise.allSettled([
      svc.publish({ dataId: 'a', group: 'G', content: 'a1' }),
      svc.publish({ dataId: 'a', group: 'G', content: 'a2' }),
      svc.publish({ dataId: 'b', group: 'G', content: 'b1' }),
      svc.publish({ dataId: 'a', group: 'G', content: 'a3', casMd5: 'wrong' }),
      svc.publish({ dataId: 'a', group: 'G', content: 'a4', casMd5: md5Hex('a2') }),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(batches).toEqual([4]); // one transaction; the CAS failure never reaches storage
    const a = { ...key, dataId: 'a' };
    expect(svc.query(a)?.content).toBe('a4');
    const h = await svc.history(a, 1, 10);
    expect(h.pageItems.map((x) => [x.opType, x.content])).toEqual([
      ['U', 'a2'],
      ['U', 'a1'],
      ['I', 'a1'],
    ]);
    // Every history row of the key points at the one config row.
    expect(new Set(h.pageItems.map((x) => x.id)).size).toBe(1);
    expect(svc.record(a)?.formal?.id).toBe(h.pageItems[0]!.id);
  });

  test('history retention: cleanHistory drops entries older than the retention', async () => {
    await svc.publish({ dataId: 'old', group: 'G', content: 'v1' });
    clock.advance(31 * 86_400_000);
    await svc.publish({ dataId: 'old', group: 'G', content: 'v2' });
    expect(await svc.cleanHistory(0)).toBe(0); // 0 keeps history forever
    expect(await svc.cleanHistory(30)).toBe(1);
    const h = await svc.history({ ...key, dataId: 'old' }, 1, 10);
    expect(h.pageItems.map((x) => x.opType)).toEqual(['U']);
    expect(svc.query({ ...key, dataId: 'old' })?.content).toBe('v2');
  });

  test('tags survive updates that keep them and are replaced when changed (as stored)', async () => {
    await svc.publish({ dataId: 't', group: 'G', content: '1', configTags: 'a,b' });
    await svc.publish({ dataId: 't', group: 'G', content: '2' });
    const reload = async () => {
      const fresh = new ConfigService(new StateStore(), repo, clock, silentLogger, { maxContentBytes: 100 });
      await fresh.load();
      return fresh.record({ ...key, dataId: 't' })?.formal?.tags;
    };
    expect(await reload()).toEqual(['a', 'b']);
    await svc.publish({ dataId: 't', group: 'G', content: '3', configTags: 'c' });
    expect(await reload()).toEqual(['c']);
    await svc.publish({ dataId: 't', group: 'G', content: '4', configTags: '' });
    expect(await reload()).toEqual([]);
  });

  test('load() restores state from storage (boot)', async () => {
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'v1', namespaceId: 'dev' });
    await svc.publish({
      dataId: 'app.yaml',
      group: 'G',
      content: 'b',
      namespaceId: 'dev',
      betaIps: '1.1.1.1',
    });
    const fresh = new ConfigService(new StateStore(), repo, clock, silentLogger, { maxContentBytes: 100 });
    expect(await fresh.load()).toBe(1);
    const k = { ...key, namespaceId: 'dev' };
    expect(fresh.query(k)?.content).toBe('v1');
    expect(fresh.query(k, { clientIp: '1.1.1.1' })?.content).toBe('b');
  });

  test('search: accurate, blur with *, tags, types, paging', async () => {
    for (const [d, t] of [
      ['a.yaml', 'yaml'],
      ['b.yaml', 'yaml'],
      ['c.json', 'json'],
    ] as const)
      await svc.publish({
        dataId: d,
        group: 'G',
        content: d,
        type: t,
        configTags: d === 'b.yaml' ? 'hot' : '',
      });
    expect(svc.search({ mode: 'accurate', dataId: 'a.yaml', pageNo: 1, pageSize: 10 }).totalCount).toBe(1);
    expect(svc.search({ mode: 'blur', dataId: '*.yaml', pageNo: 1, pageSize: 10 }).totalCount).toBe(2);
    expect(
      svc.search({ mode: 'blur', types: 'json', pageNo: 1, pageSize: 10 }).pageItems[0]!.key.dataId,
    ).toBe('c.json');
    expect(svc.search({ mode: 'blur', configTags: 'hot', pageNo: 1, pageSize: 10 }).totalCount).toBe(1);
    const p = svc.search({ mode: 'blur', pageNo: 2, pageSize: 2 });
    expect([p.totalCount, p.pagesAvailable, p.pageItems.length]).toEqual([3, 2, 1]);
  });

  test('onChange reports changed keys per commit', async () => {
    const seen: string[] = [];
    const off = svc.onChange((keys) => seen.push(...keys.map((k) => k.dataId)));
    await svc.publish({ dataId: 'x', group: 'G', content: '1' });
    await svc.remove({ dataId: 'x', group: 'G' });
    off();
    await svc.publish({ dataId: 'y', group: 'G', content: '1' });
    expect(seen).toEqual(['x', 'x']);
  });

  test('long poll: immediate on md5 mismatch, wakes on publish, times out empty', async () => {
    const poller = new LongPoller(state, svc, { maxWaiters: 10, minHoldMs: 10_000, clock });
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'v1' });
    const stale = parseListeningConfigs(`app.yaml\u0002G\u0002old\u0001`);
    expect((await poller.poll({ entries: stale, labels: {}, timeoutMs: 30_000 })).length).toBe(1);
    const fresh = parseListeningConfigs(`app.yaml\u0002G\u0002${md5Hex('v1')}\u0001`);
    const waiting = poller.poll({ entries: fresh, labels: {}, timeoutMs: 30_000 });
    expect(poller.waiters).toBe(1);
    await svc.publish({ dataId: 'other', group: 'G', content: 'z' }); // not watched
    await svc.publish({ dataId: 'app.yaml', group: 'G', content: 'v2' });
    expect((await waiting).map((e) => e.key.dataId)).toEqual(['app.yaml']);
    const fresh2 = parseListeningConfigs(`app.yaml\u0002G\u0002${md5Hex('v2')}\u0001`);
    const timing = poller.poll({ entries: fresh2, labels: {}, timeoutMs: 30_000 });
    clock.advance(29_499);
    expect(poller.waiters).toBe(1);
    clock.advance(1);
    expect(await timing).toEqual([]);
    expect(poller.waiters).toBe(0);
    // No-Hangup and short polling answer at once.
    expect(await poller.poll({ entries: fresh2, labels: {}, timeoutMs: 30_000, noHangup: true })).toEqual([]);
    expect(await poller.poll({ entries: fresh2, labels: {} })).toEqual([]);
  });
});

describe('long-poll wire format', () => {
  test('parses 3- and 4-field entries, decoding the value once more (+ → space)', () => {
    const e = parseListeningConfigs('a.b\u0002G\u0002md5x\u0001c%2Bd\u0002G+2\u0002\u0002dev\u0001');
    expect(e.map((x) => [x.key.dataId, x.key.group, x.md5, x.key.namespaceId, x.wireTenant])).toEqual([
      ['a.b', 'G', 'md5x', 'public', ''],
      ['c+d', 'G 2', '', 'dev', 'dev'],
    ]);
  });

  test('rejects blank, too many fields and broken escapes with "invalid probeModify"', () => {
    for (const bad of ['', 'a\u0002b\u0002c\u0002d\u0002e\u0001', '%zz', 'a\u0001'])
      expect(() => parseListeningConfigs(bad)).toThrow('invalid probeModify');
  });

  test('formats changed keys URL-encoded with %02/%01, tenant echoed only when sent, plus newline', () => {
    const e = parseListeningConfigs(
      'a b\u0002G\u0002x\u0001c\u0002G\u0002x\u0002dev\u0001'.replace(' ', '%20'),
    );
    expect(formatChanged(e)).toBe('a+b%02G%01c%02G%02dev%01\n');
    expect(formatChanged([])).toBe('');
  });

  test('legacy short-poll headers for clients older than 2.0.4', () => {
    const e = parseListeningConfigs('a\u0002G\u0002x\u0001');
    expect(clientVersionNumber('2.0.4')).toBe(204);
    expect(clientVersionNumber('1.4.1')).toBe(141);
    expect(clientVersionNumber('Nacos-Java-Client:v2.0.3'.split(':v')[1])).toBe(203);
    expect(legacyProbeHeaders('1.4.1', e)).toEqual({
      'Probe-Modify-Response': 'a:G;',
      'Probe-Modify-Response-New': 'a%02G%01',
    });
    expect(legacyProbeHeaders('2.1.0', e)).toEqual({});
  });

  test('line diff', () => {
    expect(lineDiff('a\nb\nc', 'a\nc\nd')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: ' ', text: 'c' },
      { op: '+', text: 'd' },
    ]);
  });
});
