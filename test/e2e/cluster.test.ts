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
/** The Consul API root of a node (`/v1/...` outside the Nacos context path). */
const consul = (n: ClusterTestNode) => n.nacos.replace(/\/nacos$/, '');
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

  test('Consul catalog register on A: B and C list the node, its service and checks with the same X-Consul-Index; deregister on B removes them everywhere', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    const paths = [
      '/v1/catalog/nodes',
      '/v1/catalog/node/ext-1',
      '/v1/health/node/ext-1',
      '/v1/health/checks/cat-web',
      '/v1/catalog/service/cat-web',
    ];
    /** Each path's X-Consul-Index and body, as a node serves them. */
    const read = (n: ClusterTestNode) =>
      Promise.all(
        paths.map(async (p) => {
          const r = await fetch(`${consul(n)}${p}`);
          return { p, index: r.headers.get('x-consul-index'), body: await r.json() };
        }),
      );
    const register = await fetch(`${consul(a)}/v1/catalog/register`, {
      method: 'PUT',
      body: JSON.stringify({
        Node: 'ext-1',
        Address: '10.9.0.1',
        NodeMeta: { rack: 'r1' },
        Service: { ID: 'cat-web-1', Service: 'cat-web', Port: 8080, Tags: ['v1'] },
        Checks: [
          { CheckID: 'alive', Name: 'alive', Status: 'passing' },
          { CheckID: 'web-http', Name: 'web', Status: 'critical', ServiceID: 'cat-web-1' },
        ],
      }),
    });
    expect(await register.text()).toBe('true');
    const onA = await read(a);
    const [nodes, node, health, checks, service] = onA.map((x) => x.body);
    // Every server is a node of the shared catalog, next to the registered one.
    expect(nodes.map((x: any) => x.Node)).toEqual(['batata-a', 'batata-b', 'batata-c', 'ext-1']);
    expect(node.Services['cat-web-1'].Port).toBe(8080);
    expect(health.map((x: any) => [x.CheckID, x.Status])).toEqual([
      ['alive', 'passing'],
      ['web-http', 'critical'],
    ]);
    expect(checks.map((x: any) => x.CheckID)).toEqual(['web-http']);
    expect(service.map((x: any) => [x.Node, x.ServiceID, x.ServiceAddress, x.Address])).toEqual([
      ['ext-1', 'cat-web-1', '', '10.9.0.1'],
    ]);
    for (const n of [b, c])
      await waitUntil(
        async () => JSON.stringify(await read(n)) === JSON.stringify(onA),
        2000,
        `catalog on ${n.name} equal to A (bodies and X-Consul-Index)`,
      );
    // A Nacos client on C sees the catalog service too (unhealthy: its check is critical).
    const hosts = (await (await fetch(`${c.nacos}/v1/ns/instance/list?serviceName=cat-web`)).json()).hosts;
    expect(hosts.map((h: any) => [h.instanceId, h.ip, h.port, h.healthy])).toEqual([
      ['cat-web-1', '10.9.0.1', 8080, false],
    ]);

    const dereg = await fetch(`${consul(b)}/v1/catalog/deregister`, {
      method: 'PUT',
      body: JSON.stringify({ Node: 'ext-1' }),
    });
    expect(await dereg.text()).toBe('true');
    const onB = await read(b);
    expect(onB.map((x) => x.body).slice(1)).toEqual([null, [], [], []]);
    expect(Number(onB[0]!.index)).toBeGreaterThan(Number(onA[0]!.index));
    for (const n of [a, c])
      await waitUntil(
        async () => JSON.stringify(await read(n)) === JSON.stringify(onB),
        2000,
        `deregistration on ${n.name}`,
      );
  }, 15_000);

  test('a blocking catalog query on C is woken by a catalog register on A; txn ops on C reach A and B', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    const first = await fetch(`${consul(c)}/v1/catalog/service/cat-api`);
    expect(await first.json()).toEqual([]);
    const index = first.headers.get('x-consul-index');
    const t0 = Date.now();
    const blocked = fetch(`${consul(c)}/v1/catalog/service/cat-api?index=${index}&wait=10s`).then(
      async (r) => ({
        index: Number(r.headers.get('x-consul-index')),
        body: await r.json(),
        ms: Date.now() - t0,
      }),
    );
    await Bun.sleep(200);
    await fetch(`${consul(a)}/v1/catalog/register`, {
      method: 'PUT',
      body: JSON.stringify({
        Node: 'ext-2',
        Address: '10.9.0.2',
        Service: { ID: 'cat-api-1', Service: 'cat-api', Port: 9090 },
      }),
    });
    const woke = await blocked;
    expect(woke.body.map((x: any) => [x.Node, x.ServiceID, x.ServicePort])).toEqual([
      ['ext-2', 'cat-api-1', 9090],
    ]);
    expect(woke.index).toBeGreaterThan(Number(index));
    expect(woke.ms).toBeLessThan(1500);
    const onA = await fetch(`${consul(a)}/v1/catalog/service/cat-api`);
    expect(woke.index).toBe(Number(onA.headers.get('x-consul-index')));

    // A txn on C: cas on the service with the ModifyIndex read on A, a new check, a node of its own.
    const svc = (await onA.json())[0];
    const txn = await fetch(`${consul(c)}/v1/txn`, {
      method: 'PUT',
      body: JSON.stringify([
        {
          Service: {
            Verb: 'cas',
            Node: 'ext-2',
            Service: { ID: 'cat-api-1', Service: 'cat-api', Port: 9091, ModifyIndex: svc.ModifyIndex },
          },
        },
        {
          Check: {
            Verb: 'set',
            Check: { Node: 'ext-2', CheckID: 'api', ServiceID: 'cat-api-1', Status: 'warning' },
          },
        },
        { Node: { Verb: 'set', Node: { Node: 'ext-3', Address: '10.9.0.3' } } },
      ]),
    });
    expect(txn.status).toBe(200);
    for (const n of [a, b])
      await waitUntil(
        async () => {
          const health = await (await fetch(`${consul(n)}/v1/health/service/cat-api`)).json();
          const nodes = await (await fetch(`${consul(n)}/v1/catalog/nodes`)).json();
          return (
            health[0]?.Service.Port === 9091 &&
            health[0].Checks.some((x: any) => x.CheckID === 'api' && x.Status === 'warning') &&
            nodes.some((x: any) => x.Node === 'ext-3')
          );
        },
        2000,
        `txn result on ${n.name}`,
      );
  }, 15_000);

  test("maintenance on A (node and agent service) shows on B and C; agent services stay A's", async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    const put = (n: ClusterTestNode, path: string, body?: unknown) =>
      fetch(`${consul(n)}${path}`, {
        method: 'PUT',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect(
      (await put(a, '/v1/agent/service/register', { ID: 'mw-1', Name: 'maint-web', Port: 7070 })).status,
    ).toBe(200);
    const entries = (n: ClusterTestNode) =>
      fetch(`${consul(n)}/v1/health/service/maint-web`).then((r) => r.json() as Promise<any[]>);
    for (const n of [b, c])
      await waitUntil(async () => (await entries(n)).length === 1, 3000, `agent service on ${n.name}`);
    const [entry] = await entries(b);
    expect([entry.Node.Node, entry.Service.ID]).toEqual(['batata-a', 'mw-1']);
    // It is A's agent service: not one of B's, not writable through B's catalog.
    expect(await (await fetch(`${consul(b)}/v1/agent/services`)).json()).not.toHaveProperty('mw-1');

    expect((await put(a, '/v1/agent/service/maintenance/mw-1?enable=true&reason=deploy')).status).toBe(200);
    expect((await put(a, '/v1/agent/maintenance?enable=true&reason=patching')).status).toBe(200);
    const checks = async (n: ClusterTestNode) =>
      ((await entries(n))[0]?.Checks ?? []).map((x: any) => [x.CheckID, x.Status, x.Notes]);
    const inMaintenance = [
      ['serfHealth', 'passing', ''],
      ['_node_maintenance', 'critical', 'patching'],
      ['_service_maintenance:mw-1', 'critical', 'deploy'],
    ];
    expect(await checks(a)).toEqual(inMaintenance);
    for (const n of [b, c]) {
      await waitUntil(
        async () => JSON.stringify(await checks(n)) === JSON.stringify(inMaintenance),
        2000,
        `maintenance on ${n.name}`,
      );
      const passing = await (await fetch(`${consul(n)}/v1/health/service/maint-web?passing`)).json();
      expect(passing).toEqual([]);
      const node = await (await fetch(`${consul(n)}/v1/health/node/batata-a`)).json();
      expect(node.map((x: any) => x.CheckID)).toContain('_node_maintenance');
    }
    await put(a, '/v1/agent/service/maintenance/mw-1?enable=false');
    await put(a, '/v1/agent/maintenance?enable=false');
    for (const n of [b, c])
      await waitUntil(
        async () =>
          (await (await fetch(`${consul(n)}/v1/health/service/maint-web?passing`)).json()).length === 1,
        3000,
        `maintenance over on ${n.name}`,
      );
    await put(a, '/v1/agent/service/deregister/mw-1');
    for (const n of [b, c])
      await waitUntil(async () => (await entries(n)).length === 0, 3000, `agent service gone on ${n.name}`);
  }, 20_000);

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
