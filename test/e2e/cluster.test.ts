import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { runBinary } from '../support/binary';
import { type ClusterTestNode, startCluster, type TestCluster, waitUntil } from '../support/cluster';
import { form } from '../support/server';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster(3);
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

/** address → state; a member this node has not exchanged a report with yet (no version) counts as 'UNKNOWN'. */
async function nodeStates(n: ClusterTestNode): Promise<Record<string, string>> {
  const r = await (await fetch(`${n.nacos}/v1/core/cluster/nodes`)).json();
  return Object.fromEntries(r.data.map((m: any) => [m.address, m.extendInfo?.version ? m.state : 'UNKNOWN']));
}
const allUp = (n: ClusterTestNode, addrs: string[]) => async () => {
  const s = await nodeStates(n);
  return addrs.every((a) => s[a] === 'UP') && Object.keys(s).length === addrs.length;
};
async function namespaces(n: ClusterTestNode): Promise<string[]> {
  const r = await (await fetch(`${n.nacos}/v1/console/namespaces`)).json();
  return r.data.map((x: any) => x.namespace);
}

describe('3-node cluster of compiled binaries on one MariaDB', () => {
  test('membership: every node lists 3 UP members; metrics and v3 agree', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    const addrs = [a, b, c].map((n) => n.address);
    for (const n of [a, b, c]) await waitUntil(allUp(n, addrs), 5000, `${n.name} sees 3 UP`);
    const v3 = await (await fetch(`${a.nacos}/v3/admin/core/cluster/node/list`)).json();
    expect(v3.data.map((m: any) => m.address)).toEqual([...addrs].sort());
    const peer = v3.data.find((m: any) => m.address === b.address);
    expect(peer.extendInfo.version).toBeString();
    expect(peer.abilities.remoteAbility.grpcReportEnabled).toBe(true);
    const metrics = await (await fetch(`${c.nacos}/metrics`)).text();
    expect(metrics).toMatch(/batata_cluster_size 3/);
    expect(metrics).toMatch(/batata_cluster_members\{state="UP"\} 3/);
  });

  test('a namespace created on A is visible on B and C within 1 s; updates and deletes too', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    const created = await form('POST', `${a.nacos}/v1/console/namespaces`, {
      customNamespaceId: 'prop-ns',
      namespaceName: 'Propagated',
    });
    expect(created.text).toBe('true');
    for (const n of [b, c]) {
      const ms = await waitUntil(
        async () => (await namespaces(n)).includes('prop-ns'),
        1000,
        `prop-ns on ${n.name}`,
      );
      expect(ms).toBeLessThan(1000);
    }
    await form('PUT', `${b.nacos}/v1/console/namespaces`, {
      namespace: 'prop-ns',
      namespaceShowName: 'Renamed',
      namespaceDesc: 'd',
    });
    await waitUntil(
      async () => {
        const r = await (await fetch(`${c.nacos}/v1/console/namespaces?show=all&namespaceId=prop-ns`)).json();
        return r.namespaceShowName === 'Renamed';
      },
      1000,
      'rename on C',
    );
    await fetch(`${c.nacos}/v1/console/namespaces?namespaceId=prop-ns`, { method: 'DELETE' });
    for (const n of [a, b])
      await waitUntil(async () => !(await namespaces(n)).includes('prop-ns'), 1000, `delete on ${n.name}`);
  });

  test('a config published on A: B and C serve it and their long-pollers fire within 1 s', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    // A long-poll on B for a config that does not exist yet (empty md5).
    const t0 = Date.now();
    const poll = fetch(`${b.nacos}/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '10000' },
      body: new URLSearchParams({ 'Listening-Configs': 'cl.yaml\x02DEFAULT_GROUP\x02\x01' }).toString(),
    }).then(async (r) => ({ text: await r.text(), ms: Date.now() - t0 }));
    await Bun.sleep(200);
    const pub = await form('POST', `${a.nacos}/v1/cs/configs`, {
      dataId: 'cl.yaml',
      group: 'DEFAULT_GROUP',
      content: 'v: 1',
    });
    expect(pub.text).toBe('true');
    const published = Date.now();
    const woke = await poll;
    expect(decodeURIComponent(woke.text)).toContain('cl.yaml');
    expect(t0 + woke.ms - published).toBeLessThan(1000);
    for (const n of [b, c])
      await waitUntil(
        async () =>
          (await (await fetch(`${n.nacos}/v1/cs/configs?dataId=cl.yaml&group=DEFAULT_GROUP`)).text()) ===
          'v: 1',
        1000,
        `config on ${n.name}`,
      );
    // Delete on C reaches A.
    await fetch(`${c.nacos}/v1/cs/configs?dataId=cl.yaml&group=DEFAULT_GROUP`, { method: 'DELETE' });
    await waitUntil(
      async () => (await fetch(`${a.nacos}/v1/cs/configs?dataId=cl.yaml&group=DEFAULT_GROUP`)).status === 404,
      1000,
      'config deleted on A',
    );
  });

  test('Consul KV written on A wakes a blocking query on C within 1 s', async () => {
    const [a, , c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    const base = (n: ClusterTestNode) => n.nacos.replace(/\/nacos$/, '');
    await fetch(`${base(a)}/v1/kv/cl/key`, { method: 'PUT', body: 'one' });
    await waitUntil(
      async () => (await (await fetch(`${base(c)}/v1/kv/cl/key?raw`)).text()) === 'one',
      1000,
      'kv on C',
    );
    const first = await fetch(`${base(c)}/v1/kv/cl/key`);
    const index = first.headers.get('x-consul-index');
    const t0 = Date.now();
    const blocked = fetch(`${base(c)}/v1/kv/cl/key?index=${index}&wait=10s`).then(async (r) => ({
      body: await r.json(),
      ms: Date.now() - t0,
    }));
    await Bun.sleep(200);
    await fetch(`${base(a)}/v1/kv/cl/key`, { method: 'PUT', body: 'two' });
    const woke = await blocked;
    expect(Buffer.from(woke.body[0].Value, 'base64').toString()).toBe('two');
    expect(woke.ms).toBeLessThan(1200);
  });

  test('Consul ?cas= increments racing on A and B: exactly one winner per index, no update lost', async () => {
    const [a, b] = cluster.nodes as [ClusterTestNode, ClusterTestNode];
    const base = (n: ClusterTestNode) => n.nacos.replace(/\/nacos$/, '');
    expect(await (await fetch(`${base(a)}/v1/kv/race/counter`, { method: 'PUT', body: '0' })).text()).toBe(
      'true',
    );
    const winners = new Map<number, string[]>();
    const perNode = 25;
    const run = async (n: ClusterTestNode) => {
      let won = 0;
      while (won < perNode) {
        const r = await fetch(`${base(n)}/v1/kv/race/counter`);
        if (r.status !== 200) continue; // not propagated to this node yet
        const [e] = await r.json();
        const next = String(Number(Buffer.from(e.Value, 'base64').toString()) + 1);
        const put = await fetch(`${base(n)}/v1/kv/race/counter?cas=${e.ModifyIndex}`, {
          method: 'PUT',
          body: next,
        });
        if ((await put.text()) === 'true') {
          won++;
          winners.set(e.ModifyIndex, [...(winners.get(e.ModifyIndex) ?? []), n.name]);
        }
      }
    };
    await Promise.all([run(a), run(b)]);
    for (const [, w] of winners) expect(w).toHaveLength(1);
    expect(winners.size).toBe(2 * perNode);
    for (const n of [a, b])
      await waitUntil(
        async () => (await (await fetch(`${base(n)}/v1/kv/race/counter?raw`)).text()) === String(2 * perNode),
        1000,
        `final counter on ${n.name}`,
      );
  }, 30_000);

  test('Consul lock acquire racing on A and B: one holder per round', async () => {
    const [a, b] = cluster.nodes as [ClusterTestNode, ClusterTestNode];
    const base = (n: ClusterTestNode) => n.nacos.replace(/\/nacos$/, '');
    const session = async (n: ClusterTestNode) =>
      (
        await (
          await fetch(`${base(n)}/v1/session/create`, { method: 'PUT', body: '{"LockDelay":"0s"}' })
        ).json()
      ).ID as string;
    const [sa, sb] = [await session(a), await session(b)];
    for (let round = 0; round < 10; round++) {
      const acquire = (n: ClusterTestNode, s: string) =>
        fetch(`${base(n)}/v1/kv/race/leader?acquire=${s}`, { method: 'PUT', body: n.name }).then((r) =>
          r.text(),
        );
      const [ra, rb] = await Promise.all([acquire(a, sa), acquire(b, sb)]);
      expect([ra, rb].filter((x) => x === 'true')).toHaveLength(1);
      const [n, s] = ra === 'true' ? [a, sa] : [b, sb];
      expect(await (await fetch(`${base(n)}/v1/kv/race/leader?release=${s}`, { method: 'PUT' })).text()).toBe(
        'true',
      );
    }
  }, 30_000);

  test('X-Consul-Index is the same on every node: a client failing over from A to B blocks correctly', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    const base = (n: ClusterTestNode) => n.nacos.replace(/\/nacos$/, '');
    await fetch(`${base(a)}/v1/kv/fo/one`, { method: 'PUT', body: '1' });
    await fetch(`${base(b)}/v1/kv/fo/two`, { method: 'PUT', body: '2' });
    await fetch(`${base(a)}/v1/kv/fo/two`, { method: 'DELETE' });
    const indexes = async (n: ClusterTestNode) =>
      Promise.all(
        ['/v1/kv/fo/one', '/v1/kv/fo/?recurse', '/v1/kv/fo/two', '/v1/kv/?keys'].map(async (p) =>
          (await fetch(`${base(n)}${p}`)).headers.get('x-consul-index'),
        ),
      );
    const onA = await indexes(a);
    for (const n of [b, c])
      await waitUntil(async () => (await indexes(n)).join() === onA.join(), 1000, `indexes on ${n.name}`);
    // The client saw index N on A; on B `?index=N` must hold until a newer write, then return it.
    const n0 = Number((await fetch(`${base(a)}/v1/kv/fo/?recurse`)).headers.get('x-consul-index'));
    const t0 = Date.now();
    const held = fetch(`${base(b)}/v1/kv/fo/?recurse&index=${n0}&wait=5s`).then(async (r) => ({
      index: Number(r.headers.get('x-consul-index')),
      keys: (await r.json()).map((e: any) => e.Key),
      ms: Date.now() - t0,
    }));
    await Bun.sleep(300);
    await fetch(`${base(c)}/v1/kv/fo/three`, { method: 'PUT', body: '3' });
    const r = await held;
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(1500);
    expect(r.index).toBeGreaterThan(n0);
    expect(r.keys).toEqual(['fo/one', 'fo/three']);
  }, 15_000);

  test('persistent instances and explicit services registered on one node are listed on the others within 1 s', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    const list = async (n: ClusterTestNode) =>
      (await (await fetch(`${n.nacos}/v1/ns/instance/list?serviceName=pers`)).json()).hosts?.map(
        (h: any) => h.ip,
      ) ?? [];
    const r = await form('POST', `${a.nacos}/v1/ns/instance`, {
      serviceName: 'pers',
      ip: '10.55.0.1',
      port: 80,
      ephemeral: 'false',
    });
    expect(r.text).toBe('ok');
    for (const n of [b, c])
      await waitUntil(
        async () => (await list(n)).includes('10.55.0.1'),
        1000,
        `persistent instance on ${n.name}`,
      );
    const svc = await form('POST', `${b.nacos}/v1/ns/service`, {
      serviceName: 'explicit',
      protectThreshold: 0.5,
    });
    expect(svc.text).toBe('ok');
    await waitUntil(
      async () =>
        (await (await fetch(`${c.nacos}/v1/ns/service?serviceName=explicit`)).json()).protectThreshold ===
        0.5,
      1000,
      'explicit service on C',
    );
    await fetch(`${c.nacos}/v1/ns/instance?serviceName=pers&ip=10.55.0.1&port=80&ephemeral=false`, {
      method: 'DELETE',
    });
    for (const n of [a, b])
      await waitUntil(async () => (await list(n)).length === 0, 1000, `instance gone on ${n.name}`);
  });

  test('kill -9 marks the node DOWN on the others; restarted it is UP and caught up', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    await c.kill9();
    for (const n of [a, b])
      await waitUntil(
        async () => (await nodeStates(n))[c.address] === 'DOWN',
        5000,
        `${n.name} marks C DOWN`,
      );
    // Written while C is down: C loads it from the database on restart.
    await form('POST', `${a.nacos}/v1/console/namespaces`, {
      customNamespaceId: 'while-down',
      namespaceName: 'x',
    });
    await cluster.start(c);
    const addrs = [a, b, c].map((n) => n.address);
    for (const n of [a, b, c]) await waitUntil(allUp(n, addrs), 5000, `${n.name} sees C UP again`);
    await waitUntil(
      async () => (await fetch(`${c.nacos}/v1/console/health/readiness`)).status === 200,
      5000,
      'C ready',
    );
    expect(await namespaces(c)).toContain('while-down');
    // And it receives new changes again.
    await form('POST', `${b.nacos}/v1/console/namespaces`, {
      customNamespaceId: 'after-up',
      namespaceName: 'y',
    });
    await waitUntil(async () => (await namespaces(c)).includes('after-up'), 1000, 'after-up on C');
  }, 20_000);

  test('a change missed by a peer is healed by reconciliation against the database', async () => {
    const [a] = cluster.nodes as [ClusterTestNode];
    // Written straight into the shared DB, bypassing every node: only reconciliation can find it.
    const mysql = (await import('mysql2/promise')).default;
    const conn = await mysql.createConnection(cluster.dbUrl);
    const now = Date.now();
    await conn.query(
      "INSERT INTO tenant_info (kp, tenant_id, tenant_name, tenant_desc, create_source, gmt_create, gmt_modified) VALUES ('1', 'sideways', 'S', '', 'test', ?, ?)",
      [now, now],
    );
    await conn.end();
    await waitUntil(
      async () => (await namespaces(a)).includes('sideways'),
      4000,
      'reconciled namespace on A',
    );
  }, 10_000);

  test('batata cluster join adds a 4th node: everyone learns it, cluster.conf is updated', async () => {
    const [a, b] = cluster.nodes as [ClusterTestNode, ClusterTestNode];
    const d = await cluster.addNode('D');
    const bad = await runBinary(['cluster', 'join', '127.0.0.1:1', '--server', d.address]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('cannot reach seed 127.0.0.1:1');
    const r = await runBinary(['cluster', 'join', a.address, '--server', d.address]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const addrs = cluster.nodes.map((n) => n.address);
    for (const n of cluster.nodes) await waitUntil(allUp(n, addrs), 5000, `${n.name} sees 4 UP`);
    expect(readFileSync(b.confPath, 'utf8')).toContain(d.address);
    // D serves the shared state and takes part in propagation.
    expect(await namespaces(d)).toContain('after-up');
    await form('POST', `${d.nacos}/v1/console/namespaces`, {
      customNamespaceId: 'from-d',
      namespaceName: 'd',
    });
    await waitUntil(async () => (await namespaces(b)).includes('from-d'), 1000, 'from-d on B');
    const members = await runBinary(['cluster', 'members', '--server', b.address]);
    expect(members.code).toBe(0);
    expect(members.stdout).toContain(d.address);
    // Leave: D drops out of every list.
    const left = await runBinary(['cluster', 'leave', '--server', d.address]);
    expect(left.code).toBe(0);
    const three = addrs.filter((x) => x !== d.address);
    for (const n of cluster.nodes.slice(0, 3))
      await waitUntil(allUp(n, three), 5000, `${n.name} sees D gone`);
  }, 30_000);
});
