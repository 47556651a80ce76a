import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { CatalogService } from '../../src/consul/catalog-service';
import { catalogTxnOps } from '../../src/consul/catalog-txn-ops';
import { ConsulStore } from '../../src/consul/consul-store';
import { LockDelays } from '../../src/consul/consul-tx';
import { KvService } from '../../src/consul/kv-service';
import { SessionService } from '../../src/consul/session-service';
import { FakeClock } from '../../src/core/clock';
import { silentLogger } from '../../src/core/log';
import { NamingService } from '../../src/naming';
import { StateStore, WatchSet } from '../../src/state';
import { SqlConsulRepo } from '../../src/storage/consul-sql-repo';
import { migrate } from '../../src/storage/migrate';
import { MysqlDb } from '../../src/storage/mysql-db';
import { SqlNamingRepo } from '../../src/storage/naming-sql-repo';
import { createTestDatabase } from '../support/mysql';

/**
 * Two "nodes" (own pool, own state) on one MariaDB database, as in cluster mode: Consul conditional
 * writes must be decided by the database, so concurrent nodes never both win.
 */
let t: Awaited<ReturnType<typeof createTestDatabase>>;
const dbs: MysqlDb[] = [];

function node(url: string, startIndex: number) {
  const db = new MysqlDb({ url, poolSize: 4 });
  dbs.push(db);
  const state = new StateStore({ startIndex });
  const repo = new SqlConsulRepo(db);
  const store = new ConsulStore(state, repo);
  const clock = new FakeClock();
  const delays = new LockDelays(clock);
  const kv = new KvService(state, store, delays);
  const sessions = new SessionService(state, store, delays, clock, silentLogger, 'n1', {
    nodeExists: () => true,
    checkStatus: () => 'passing',
  });
  const naming = new NamingService(state, new SqlNamingRepo(db), clock, silentLogger);
  const local = { id: 'id', node: `local-${startIndex}`, address: '10.0.0.9', datacenter: 'dc1' };
  const catalog = new CatalogService(
    state,
    () => naming,
    clock,
    silentLogger,
    {
      namespaceId: 'public',
      group: 'DEFAULT_GROUP',
      datacenter: 'dc1',
      serverPort: 8500,
      local: { ...local, taggedAddresses: {}, meta: {} },
    },
    { checkFailed: () => {}, nodeRemoved: () => {} },
    store,
    repo,
  );
  store.attachCatalog((tx) => catalog.stage(tx));
  const ops = catalogTxnOps(catalog);
  /** A txn of KV ops (`verb` set) and catalog ops (raw Node/Service/Check bodies). */
  const txn = (raw: Array<Record<string, unknown>>) =>
    kv.txn(
      raw.map((o) => ('verb' in o ? (o as unknown as Parameters<typeof kv.txn>[0][number]) : null)),
      (tx, i) => ops.apply(raw[i]!, tx).what,
    );
  return { state, store, repo, kv, sessions, catalog, txn };
}
type Node = ReturnType<typeof node>;

const enc = (s: string) => new TextEncoder().encode(s);
const text = (n: Node, key: string) => {
  const v = n.kv.get(new WatchSet(), key).value?.value;
  return v ? new TextDecoder().decode(v) : undefined;
};

let a: Node;
let b: Node;
beforeAll(async () => {
  t = await createTestDatabase();
  const m = new MysqlDb({ url: t.url });
  await migrate(m);
  await m.close();
  a = node(t.url, 1);
  b = node(t.url, 5000); // B's own index is far ahead of A's: storage indexes still agree
  for (const n of [a, b]) {
    await n.store.load();
    await n.catalog.start();
  }
});
afterAll(async () => {
  for (const d of dbs) await d.close();
  await t.drop();
});

describe('Consul conditional writes from two nodes on one MySQL database', () => {
  test('racing ?cas= increments: every index has exactly one winner, no update is lost', async () => {
    await a.kv.put('counter', enc('0'), {});
    const wins = new Map<number, string[]>();
    const perNode = 60;
    const run = async (n: Node, name: string) => {
      let done = 0;
      while (done < perNode) {
        const cur = n.kv.get(new WatchSet(), 'counter');
        const next = String(Number(text(n, 'counter')) + 1);
        // Two concurrent attempts per node at the same index (group commit shares one transaction).
        const rs = await Promise.all([
          n.kv.put('counter', enc(next), { cas: cur.index }),
          n.kv.put('counter', enc(next), { cas: cur.index }),
        ]);
        for (const won of rs)
          if (won) {
            done++;
            const w = wins.get(cur.index) ?? [];
            w.push(name);
            wins.set(cur.index, w);
          }
        // A node that lost may not have seen the winner yet (no peer messages here): catch up.
        if (!rs.some(Boolean)) await n.store.catchUp();
      }
    };
    await Promise.all([run(a, 'A'), run(b, 'B')]);
    for (const [, w] of wins) expect(w).toHaveLength(1);
    expect(wins.size).toBe(2 * perNode);
    await a.store.catchUp();
    await b.store.catchUp();
    expect(text(a, 'counter')).toBe(String(2 * perNode));
    expect(text(b, 'counter')).toBe(String(2 * perNode));
    expect(b.kv.get(new WatchSet(), 'counter').index).toBe(a.kv.get(new WatchSet(), 'counter').index);
  }, 60_000);

  test('racing lock acquire: exactly one session holds the lock each round', async () => {
    const sa = await a.sessions.create({ lockDelay: 0 });
    const sb = await b.sessions.create({ lockDelay: 0 });
    const sa2 = await a.sessions.create({ lockDelay: 0 });
    for (let round = 0; round < 25; round++) {
      const attempts = await Promise.all([
        a.kv.put('leader', enc('a'), { acquire: sa.id }),
        b.kv.put('leader', enc('b'), { acquire: sb.id }),
        a.kv.put('leader', enc('a2'), { acquire: sa2.id }),
      ]);
      expect(attempts.filter(Boolean)).toHaveLength(1);
      const holder = [sa, sb, sa2][attempts.indexOf(true)]!;
      const owner = holder === sb ? b : a;
      // The other node releases with the wrong session: refused; the holder's node releases.
      const other = owner === a ? b : a;
      const wrong = holder === sb ? sa : sb;
      expect(await other.kv.put('leader', null, { release: wrong.id })).toBe(false);
      expect(await owner.kv.put('leader', null, { release: holder.id })).toBe(true);
    }
  }, 60_000);

  test('destroying the holder session on the other node releases the lock for everyone', async () => {
    const sa = await a.sessions.create({ lockDelay: 0 });
    const sb = await b.sessions.create({ lockDelay: 0 });
    expect(await a.kv.put('held', enc('x'), { acquire: sa.id })).toBe(true);
    // B has not seen the lock yet; destroying A's session from B must still release it.
    await b.sessions.destroy(sa.id);
    expect(await b.kv.put('held', enc('y'), { acquire: sb.id })).toBe(true);
    await a.store.catchUp();
    expect(a.kv.get(new WatchSet(), 'held').value?.session).toBe(sb.id);
    expect(a.sessions.info(new WatchSet(), sa.id).value).toEqual([]);
  });

  test('txn with check-index from both nodes: one commits, the other reports a stale index', async () => {
    await a.kv.put('tx/k', enc('0'), {});
    await b.store.catchUp();
    const idx = a.kv.get(new WatchSet(), 'tx/k').index;
    const op = (v: string) => ({
      verb: 'cas',
      key: 'tx/k',
      value: enc(v),
      flags: 0n,
      index: idx,
      session: '',
    });
    const [ra, rb] = await Promise.all([a.kv.txn([op('a')]), b.kv.txn([op('b')])]);
    expect([ra.errors.length, rb.errors.length].sort()).toEqual([0, 1]);
    const loser = ra.errors.length ? ra : rb;
    expect(loser.errors[0]!.what).toBe('failed to set key "tx/k", index is stale');
  });

  test('txn with KV and catalog ops from both nodes: the winner stores both at one index, the loser nothing', async () => {
    await a.kv.put('cat/k', enc('0'), {});
    await b.store.catchUp();
    const idx = a.kv.get(new WatchSet(), 'cat/k').index;
    const ops = (who: string) => [
      { verb: 'cas', key: 'cat/k', value: enc(who), flags: 0n, index: idx, session: '' },
      { Node: { Verb: 'set', Node: { Node: `ext-${who}`, Address: '10.1.1.1' } } },
      { Check: { Verb: 'set', Check: { Node: `ext-${who}`, CheckID: 'alive', Status: 'passing' } } },
    ];
    const [ra, rb] = await Promise.all([a.txn(ops('a')), b.txn(ops('b'))]);
    expect([ra.errors.length, rb.errors.length].sort()).toEqual([0, 1]);
    const [winner, loser] = ra.errors.length ? ['b', 'a'] : ['a', 'b'];
    const rows = (await a.repo.snapshot()).catalog.filter((r) => r.node.startsWith('ext-'));
    expect(rows.map((r) => `${r.kind}:${r.node}:${r.id}`)).toEqual([
      `check:ext-${winner}:alive`,
      `node:ext-${winner}:`,
    ]);
    await a.store.catchUp();
    const kvIndex = a.kv.get(new WatchSet(), 'cat/k').index;
    expect(text(a, 'cat/k')).toBe(winner);
    for (const r of rows) expect([r.createIndex, r.modifyIndex]).toEqual([kvIndex, kvIndex]);
    expect((await a.repo.changesSince(0)).index).toBe(kvIndex);
    const w = winner === 'a' ? a : b;
    const l = loser === 'a' ? a : b;
    expect(w.catalog.node(`ext-${winner}`)?.modifyIndex).toBe(kvIndex);
    expect(l.catalog.node(`ext-${loser}`)).toBeUndefined();
    // A catalog-only write on the loser is serialized after it: the next shared index.
    expect(
      (await l.txn([{ Node: { Verb: 'set', Node: { Node: 'ext-late', Address: '10.1.1.2' } } }])).errors,
    ).toEqual([]);
    const late = (await a.repo.snapshot()).catalog.find((r) => r.node === 'ext-late')!;
    expect(late.modifyIndex).toBe((await a.repo.changesSince(0)).index);
    expect(late.modifyIndex).toBeGreaterThan(kvIndex);
  });
  test('catalog rows written on one node are applied by the other at their storage indexes, deletions too', async () => {
    const reg = (n: Node, node: string, status: string) =>
      n.txn([
        { Node: { Verb: 'set', Node: { Node: node, Address: '10.2.2.2' } } },
        { Service: { Verb: 'set', Node: node, Service: { ID: 'db-1', Service: 'db', Port: 5432 } } },
        { Check: { Verb: 'set', Check: { Node: node, CheckID: 'db', ServiceID: 'db-1', Status: status } } },
      ]);
    const seen = (n: Node) => {
      const ws = new WatchSet();
      const nodes = n.catalog.allNodes(ws);
      const db = n.catalog.views(ws, 'db');
      const checks = n.catalog.allChecks(ws, 'sync-ext');
      return {
        nodes: [nodes.index, nodes.value.map((e) => [e.key, e.createIndex, e.modifyIndex])],
        db: [db.index, db.value.map((v) => [v.id, v.node, v.instance.healthy, v.createIndex, v.modifyIndex])],
        checks: [checks.index, checks.value.map((x) => [x.c.checkId, x.c.status, x.ci, x.mi])],
      };
    };
    expect((await reg(a, 'sync-ext', 'critical')).errors).toEqual([]);
    await b.store.catchUp();
    expect(seen(b)).toEqual(seen(a));
    expect(seen(b).nodes[1]).toContainEqual(['local-1', expect.any(Number), expect.any(Number)]);
    expect(seen(b).db[1]).toEqual([['db-1', 'sync-ext', false, expect.any(Number), expect.any(Number)]]);
    // B turns the check passing (no catch-up on A yet: A reads it from storage on its next write).
    expect((await reg(b, 'sync-ext', 'passing')).errors).toEqual([]);
    await a.store.catchUp();
    expect(seen(a)).toEqual(seen(b));
    expect(seen(a).db[1]).toEqual([['db-1', 'sync-ext', true, expect.any(Number), expect.any(Number)]]);
    await a.catalog.catalogDeregister('sync-ext');
    await b.store.catchUp();
    expect(b.catalog.node('sync-ext')).toBeUndefined();
    expect(seen(b)).toEqual(seen(a));
    expect(seen(b).nodes[0]).toBe((await a.repo.changesSince(0)).index);
  });
});
