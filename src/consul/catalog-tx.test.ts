import { describe, expect, test } from 'bun:test';
import { WatchSet } from '../state';
import { blankCheck, CHECKS_TABLE, checkKey } from './catalog-model';
import { decodeCheck } from './check-def';
import { KV_TABLE, type KvEntry } from './consul-model';
import { payService as def, EXT_NODE as ext, fakeConsulNode as world } from './fake-consul-node';

describe('catalog writes staged on one ConsulTx', () => {
  test('a storage failure applies nothing: no KV, no node, no naming instance, no index', async () => {
    const w = world();
    await w.boot();
    const before = w.state.index;
    w.repo.failNext = true;
    await expect(
      w.txn([
        { KV: { Key: 'k' } },
        { Node: { Verb: 'set', Node: { Node: 'ext', Address: '10.1.1.1' } } },
        { Service: { Verb: 'set', Node: 'ext', Service: { ID: 'pay-1', Service: 'pay', Port: 1 } } },
      ]),
    ).rejects.toThrow('storage down');
    expect(w.state.index).toBe(before);
    expect(w.state.table(KV_TABLE).get('k')).toBeUndefined();
    expect(w.cat.node('ext')).toBeUndefined();
    expect(w.pay()).toEqual([]);
    expect(w.rows()).toEqual([]);
  });

  test('one storage commit holds KV and catalog rows; deletes remove the rows', async () => {
    const w = world();
    await w.boot();
    const commits = w.repo.commits;
    const out = await w.txn([
      { KV: { Key: 'k' } },
      { Node: { Verb: 'set', Node: { Node: 'ext', Address: '10.1.1.1' } } },
      { Service: { Verb: 'set', Node: 'ext', Service: { ID: 'pay-1', Service: 'pay', Port: 1 } } },
      {
        Check: { Verb: 'set', Check: { Node: 'ext', CheckID: 'c1', Status: 'passing', ServiceID: 'pay-1' } },
      },
    ]);
    expect(out.errors).toEqual([]);
    expect(w.repo.commits).toBe(commits + 1);
    expect(w.rows().map((r) => `${r.kind}:${r.node}:${r.id}`)).toEqual([
      'check:ext:c1',
      'node:ext:',
      'service:ext:pay-1',
    ]);
    expect(w.repo.kv.has('k')).toBe(true);
    // One index for everything: the KV row, the catalog rows, the storage index and the state.
    const at = w.repo.kv.get('k')!.modifyIndex;
    expect(w.rows().map((r) => r.modifyIndex)).toEqual([at, at, at]);
    expect(w.repo.index).toBe(at);
    expect(w.cat.node('ext')!.modifyIndex).toBe(at);
    await w.txn([{ Node: { Verb: 'delete', Node: { Node: 'ext' } } }]);
    expect(w.rows()).toEqual([]);
    expect(w.pay()).toEqual([]);
  });

  test('a restart restores nodes, catalog services (health from their checks) and checks at their indexes', async () => {
    const a = world();
    await a.boot();
    await a.cat.catalogRegister(ext, def(), [
      { ...blankCheck('ext', 'c1', 'alive'), serviceId: 'pay-1', status: 'critical', source: 'catalog' },
    ]);
    const created = a.cat.node('ext')!.createIndex;
    expect(a.pay()[0]!.healthy).toBe(false);
    const commits = a.repo.commits;

    const b = world(a.repo);
    await b.boot();
    expect(b.cat.node('ext')!.value).toEqual(ext);
    expect(b.cat.node('ext')).toEqual(a.cat.node('ext'));
    expect(b.cat.node('ext')!.createIndex).toBe(created);
    expect(b.pay().map((i) => [i.instanceId, i.ip, i.port, i.healthy])).toEqual([
      ['pay-1', '10.1.1.1', 9000, false],
    ]);
    const checks = b.cat
      .allChecks(new WatchSet(), 'ext')
      .value.map((x) => [x.c.checkId, x.c.status, x.c.serviceName]);
    expect(checks).toEqual([['c1', 'critical', 'pay']]);
    // Same indexes as before the restart: a cas with an index read before it still works.
    expect(b.cat.views(new WatchSet(), 'pay').value.map((v) => [v.createIndex, v.modifyIndex])).toEqual(
      a.cat.views(new WatchSet(), 'pay').value.map((v) => [v.createIndex, v.modifyIndex]),
    );
    // Restoring writes nothing back.
    expect(b.repo.commits).toBe(commits);
  });

  test('nodes sharing storage: a catalog write takes the next shared index and catches up on KV first', async () => {
    const a = world();
    const b = world(a.repo, 'n2');
    await a.boot();
    await b.boot();
    await b.kv.put('from-b', new TextEncoder().encode('1'), {});
    const bIndex = a.repo.index;
    // A catalog-only txn on A: serialized after B's write, stored at the index it is applied at.
    const out = await a.txn([{ Node: { Verb: 'set', Node: { Node: 'ext', Address: '10.1.1.1' } } }]);
    expect(out.errors).toEqual([]);
    const [row] = a.rows().filter((r) => r.node === 'ext');
    expect(row!.modifyIndex).toBeGreaterThan(bIndex);
    expect(a.repo.index).toBe(row!.modifyIndex);
    expect(a.cat.node('ext')!.modifyIndex).toBe(row!.modifyIndex);
    expect(a.state.table<KvEntry>(KV_TABLE).get('from-b')?.value.modifyIndex).toBe(bIndex);
    // Standalone agent checks are stored the same way (row and state at one index).
    await a.cat.registerCheck(decodeCheck({ Name: 'disk', TTL: '30s' }, (x) => x));
    const check = a.rows().find((r) => r.kind === 'check')!;
    expect(check.modifyIndex).toBe(a.repo.index);
    expect(a.state.table(CHECKS_TABLE).get(checkKey('n1', 'disk'))?.modifyIndex).toBe(check.modifyIndex);
  });

  test("this server's own node entry is not changed by catalog writes, and its consul service is listed", async () => {
    const w = world();
    await w.boot();
    const out = await w.txn([{ Node: { Verb: 'set', Node: { Node: 'n1', Address: '9.9.9.9' } } }]);
    expect(out.errors).toEqual([]);
    expect(w.cat.node('n1')!.value.address).toBe('10.0.0.9');
    const own = w.cat.views(new WatchSet(), 'consul').value;
    expect(own.map((v) => [v.id, v.node, v.port, v.source])).toEqual([['consul', 'n1', 8500, 'server']]);
    expect(w.cat.serviceChecks(own[0]!)).toEqual([]);
  });
});
