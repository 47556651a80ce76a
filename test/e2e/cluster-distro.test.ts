import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { responsibleMember } from '../../src/cluster/distro';
import { type ClusterTestNode, startCluster, type TestCluster, waitUntil } from '../support/cluster';
import { NacosGrpcClient } from '../support/grpc-client';
import { form } from '../support/server';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster(3, {
    settings: {
      'nacos.core.protocol.distro.data.verify.intervalMs': '1000',
      'naming.health-check.interval-ms': '250',
      'naming.health-check.threshold': '1',
    },
  });
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

const SVC = 'distro-svc';
const IPS = Array.from({ length: 12 }, (_, i) => `10.77.0.${i + 1}`);

async function hosts(n: ClusterTestNode): Promise<string[]> {
  const r = await (await fetch(`${n.nacos}/v1/ns/instance/list?serviceName=${SVC}`)).json();
  return r.hosts.map((h: any) => h.ip).sort();
}
async function distroCounts(n: ClusterTestNode) {
  const text = await (await fetch(`${n.nacos}/metrics`)).text();
  const get = (k: string) =>
    Number(new RegExp(`batata_cluster_distro_clients\\{kind="${k}"\\} (\\d+)`).exec(text)?.[1]);
  return { native: get('native'), replica: get('replica') };
}
async function ready(n: ClusterTestNode) {
  return (await fetch(`${n.nacos}/v1/console/health/readiness`)).status === 200;
}

describe('Distro: ephemeral instances across 3 compiled-binary nodes', () => {
  test('register via one node → every node lists all, each client owned by exactly one node; kill -9 loses nothing; restart catches up', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    const addrs = [a, b, c].map((n) => n.address);
    for (const n of [a, b, c]) {
      await waitUntil(
        async () => {
          const r = await (await fetch(`${n.nacos}/v1/core/cluster/nodes`)).json();
          return addrs.every((x) =>
            r.data.some((m: any) => m.address === x && m.state === 'UP' && m.extendInfo.version),
          );
        },
        5000,
        `${n.name} sees 3 UP`,
      );
      await waitUntil(() => ready(n), 5000, `${n.name} ready`);
    }
    for (const ip of IPS) {
      const r = await form('POST', `${b.nacos}/v1/ns/instance`, { serviceName: SVC, ip, port: 8080 });
      expect(r.text).toBe('ok');
    }
    for (const n of [a, b, c]) {
      const ms = await waitUntil(
        async () => (await hosts(n)).length === IPS.length,
        1500,
        `12 hosts on ${n.name}`,
      );
      expect(ms).toBeLessThan(1500);
    }
    // Writes were forwarded to the responsible member: each client is native on exactly one node.
    // The owner of each client is the Distro hash of `ip:port` over the sorted members (spec §G.3).
    const expected = (ips: string[], members: ClusterTestNode[]) =>
      members.map(
        (n) =>
          ips.filter(
            (ip) => responsibleMember(`${ip}:8080`, members.map((m) => m.address).sort()) === n.address,
          ).length,
      );
    const counts = await Promise.all([a, b, c].map(distroCounts));
    expect(counts.map((x) => x.native)).toEqual(expected(IPS, [a, b, c]));
    for (const x of counts) expect(x.replica).toBe(IPS.length - x.native);

    // kill -9 C: the survivors never drop below 12 (no mass deregistration, no empty list) and take
    // over C's IP-port clients.
    await c.kill9();
    const t0 = Date.now();
    const seen: string[] = [];
    while (Date.now() - t0 < 2500) {
      for (const n of [a, b]) {
        const count = (await hosts(n)).length;
        if (count !== IPS.length) seen.push(`${n.name} listed ${count} at +${Date.now() - t0} ms`);
      }
      await Bun.sleep(100);
    }
    expect(seen).toEqual([]);
    await waitUntil(
      async () => {
        const ab = await Promise.all([a, b].map(distroCounts));
        return JSON.stringify(ab.map((x) => x.native)) === JSON.stringify(expected(IPS, [a, b]));
      },
      5000,
      'A and B own every client',
    );

    // Restart C: it loads a snapshot from a peer before it is ready.
    await cluster.start(c);
    await waitUntil(() => ready(c), 8000, 'C ready again');
    expect((await hosts(c)).length).toBe(IPS.length);

    // A deregistration through any node reaches every node.
    const del = await fetch(`${c.nacos}/v1/ns/instance?serviceName=${SVC}&ip=${IPS[0]}&port=8080`, {
      method: 'DELETE',
    });
    expect(await del.text()).toBe('ok');
    for (const n of [a, b, c])
      await waitUntil(async () => (await hosts(n)).length === IPS.length - 1, 1500, `11 hosts on ${n.name}`);
  }, 40_000);

  test("gRPC clients: instances registered on each node are listed everywhere; kill -9 of a node keeps its clients' instances (grace period)", async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    for (const n of [a, b, c]) await waitUntil(() => ready(n), 8000, `${n.name} ready`);
    const labels = { source: 'sdk', module: 'naming', AppName: 'e2e' };
    const svc = {
      namespace: 'public',
      serviceName: 'grpc-svc',
      groupName: 'DEFAULT_GROUP',
      module: 'naming',
    };
    const register = (cl: NacosGrpcClient, ip: string) =>
      cl.request('InstanceRequest', {
        ...svc,
        type: 'registerInstance',
        instance: {
          ip,
          port: 9000,
          weight: 1,
          healthy: true,
          enabled: true,
          ephemeral: true,
          clusterName: 'DEFAULT',
          metadata: {},
        },
      });
    const clients: NacosGrpcClient[] = [];
    for (const [i, n] of [a, b, c].entries()) {
      const cl = await NacosGrpcClient.connect(`${n.ip}:${n.ports.sdk}`, { labels });
      clients.push(cl);
      expect((await register(cl, `10.88.0.${i + 1}`)).body.success).toBe(true);
    }
    const grpcHosts = async (n: ClusterTestNode) =>
      ((await (await fetch(`${n.nacos}/v1/ns/instance/list?serviceName=grpc-svc`)).json()).hosts ?? [])
        .map((h: any) => h.ip)
        .sort();
    const all = ['10.88.0.1', '10.88.0.2', '10.88.0.3'];
    for (const n of [a, b, c])
      await waitUntil(async () => (await grpcHosts(n)).length === 3, 1500, `3 gRPC instances on ${n.name}`);

    await b.kill9();
    clients[1]!.close();
    const t0 = Date.now();
    const seen: string[] = [];
    while (Date.now() - t0 < 2000) {
      for (const n of [a, c]) {
        const h = await grpcHosts(n);
        if (JSON.stringify(h) !== JSON.stringify(all)) seen.push(`${n.name}: ${h.join(',')}`);
      }
      await Bun.sleep(100);
    }
    expect(seen).toEqual([]);
    // B's client reconnects to A and registers again: still exactly one instance per address.
    const moved = await NacosGrpcClient.connect(`${a.ip}:${a.ports.sdk}`, { labels });
    clients.push(moved);
    expect((await register(moved, '10.88.0.2')).body.success).toBe(true);
    await Bun.sleep(400);
    for (const n of [a, c]) expect(await grpcHosts(n)).toEqual(all);
    for (const cl of clients) cl.close();
    await cluster.start(b);
    await waitUntil(() => ready(b), 8000, 'B ready again');
  }, 30_000);

  test('persistent-instance health checks: only the responsible node probes; the others take its result', async () => {
    const nodes = cluster.nodes.slice(0, 3) as ClusterTestNode[];
    for (const n of nodes)
      await waitUntil(
        async () => {
          const r = await (await fetch(`${n.nacos}/v1/core/cluster/nodes`)).json();
          return r.data.filter((m: any) => m.state === 'UP').length === 3;
        },
        8000,
        `${n.name} sees 3 UP`,
      );
    let probes = 0;
    const target = Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        open(sock) {
          probes++;
          sock.end();
        },
        data() {},
      },
    });
    const r = await form('POST', `${nodes[0]!.nacos}/v1/ns/instance`, {
      serviceName: 'hc-svc',
      ip: '127.0.0.1',
      port: target.port,
      ephemeral: 'false',
    });
    expect(r.text).toBe('ok');
    const healthy = async (n: ClusterTestNode) =>
      (await (await fetch(`${n.nacos}/v1/ns/instance/list?serviceName=hc-svc`)).json()).hosts?.[0]?.healthy;
    for (const n of nodes)
      await waitUntil(async () => (await healthy(n)) === true, 2000, `hc-svc on ${n.name}`);
    // Probes seen in 2 s: one prober at a 250 ms interval makes ≤ ~8; every node probing would make ~3×.
    probes = 0;
    await Bun.sleep(2000);
    expect(probes).toBeGreaterThan(2);
    expect(probes).toBeLessThanOrEqual(10);
    // The owner's "unhealthy" reaches every node through the database and sync.
    target.stop(true);
    for (const n of nodes)
      await waitUntil(async () => (await healthy(n)) === false, 3000, `unhealthy on ${n.name}`);
  }, 30_000);

  test('rolling restart: SIGTERM sends SDK clients a ConnectResetRequest pointing at another UP member', async () => {
    const [a, b, c] = cluster.nodes as [ClusterTestNode, ClusterTestNode, ClusterTestNode];
    await waitUntil(
      async () => {
        const r = await (await fetch(`${a.nacos}/v1/core/cluster/nodes`)).json();
        return r.data.filter((m: any) => m.state === 'UP').length === 3;
      },
      5000,
      'A sees 3 UP',
    );
    const client = await NacosGrpcClient.connect(`${a.ip}:${a.ports.sdk}`);
    expect(await a.stop()).toBe(0);
    const reset = await client.waitFor('ConnectResetRequest', 2000);
    expect(reset.body.serverIp).toBe(b.ip);
    expect([String(b.ports.main), String(c.ports.main)]).toContain(reset.body.serverPort);
    client.close();
    // The peers learnt about the shutdown.
    for (const n of [b, c])
      await waitUntil(
        async () => {
          const r = await (await fetch(`${n.nacos}/v1/core/cluster/nodes`)).json();
          return r.data.find((m: any) => m.address === a.address)?.state === 'DOWN';
        },
        3000,
        `${n.name} marks A DOWN`,
      );
  });
});
