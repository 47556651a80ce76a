import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ConsulStore } from '../../src/consul/consul-store';
import { LockDelays } from '../../src/consul/consul-tx';
import { KvService } from '../../src/consul/kv-service';
import { SessionService } from '../../src/consul/session-service';
import { FakeClock } from '../../src/core/clock';
import { silentLogger } from '../../src/core/log';
import { StateStore, WatchSet } from '../../src/state';
import { SqlConsulRepo } from '../../src/storage/consul-sql-repo';
import { migrate } from '../../src/storage/migrate';
import { MysqlDb } from '../../src/storage/mysql-db';
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
  const store = new ConsulStore(state, new SqlConsulRepo(db));
  const clock = new FakeClock();
  const delays = new LockDelays(clock);
  const kv = new KvService(state, store, delays);
  const sessions = new SessionService(state, store, delays, clock, silentLogger, 'n1', {
    nodeExists: () => true,
    checkStatus: () => 'passing',
  });
  return { state, store, kv, sessions };
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
  await a.store.load();
  await b.store.load();
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
});
