import { afterAll, describe, expect, test } from 'bun:test';
import { ClusterNode, MSG } from '../../src/cluster/cluster-node';
import { ClusterCallError, ClusterRpcClient, ClusterRpcServer } from '../../src/cluster/cluster-rpc';
import { StaticLookup } from '../../src/cluster/member-lookup';
import { MemberManager } from '../../src/cluster/member-manager';
import { StateReplicator } from '../../src/cluster/state-replicator';
import { systemClock } from '../../src/core/clock';
import { silentLogger } from '../../src/core/log';
import { StateStore } from '../../src/state';
import { runBinary } from '../support/binary';
import { freeClusterPorts } from '../support/cluster';
import { startTestServer } from '../support/server';

const ID = { key: 'X-Cluster-Id', value: 's3cret' };
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A real cluster gRPC server for a node at 127.0.0.1:<main> with the given identity. */
async function peer(identity = ID) {
  const ports = await freeClusterPorts();
  const address = `127.0.0.1:${ports.main}`;
  const members = new MemberManager(address, '0.0.0-test', systemClock);
  const rpc = new ClusterRpcClient(identity, 1000);
  const node = new ClusterNode(
    members,
    new StaticLookup([address]),
    rpc,
    new StateReplicator(new StateStore(), [], () => {}, silentLogger),
    silentLogger,
    { reportIntervalMs: 60_000, reconcileIntervalMs: 60_000 },
  );
  const server = new ClusterRpcServer(identity, silentLogger);
  node.registerHandlers(server);
  await server.listen('127.0.0.1', ports.cluster);
  cleanups.push(
    () => server.close(),
    () => rpc.close(),
    () => node.stop(),
  );
  return { address, node, members };
}

describe('cluster gRPC', () => {
  test('server identity: right value passes, wrong value is refused with 403', async () => {
    const p = await peer();
    const good = new ClusterRpcClient(ID, 1000);
    const bad = new ClusterRpcClient({ key: ID.key, value: 'nope' }, 1000);
    cleanups.push(
      () => good.close(),
      () => bad.close(),
    );
    const r = await good.call<{ members: any[] }>(p.address, MSG.MEMBERS_GET, {});
    expect(r.members.map((m) => m.address)).toEqual([p.address]);
    const err: any = await bad.call(p.address, MSG.MEMBERS_GET, {}).catch((e: any) => e);
    expect(err).toBeInstanceOf(ClusterCallError);
    expect(err.reason).toBe('identity');
    expect(err.code).toBe(403);
  });

  test('messages far above grpc-js 4 MiB default travel both ways (Distro snapshots are large)', async () => {
    const ports = await freeClusterPorts();
    const server = new ClusterRpcServer(ID, silentLogger);
    const big = 'x'.repeat(6 * 1024 * 1024);
    server.register('test.echo', async (b: any) => ({ got: b.blob.length, blob: big }));
    await server.listen('127.0.0.1', ports.cluster);
    const c = new ClusterRpcClient(ID, 10_000);
    cleanups.push(
      () => server.close(),
      () => c.close(),
    );
    const r = await c.call<{ got: number; blob: string }>(`127.0.0.1:${ports.main}`, 'test.echo', {
      blob: 'y'.repeat(5 * 1024 * 1024),
    });
    expect(r.got).toBe(5 * 1024 * 1024);
    expect(r.blob.length).toBe(big.length);
  });

  test('an illegal member report is rejected with 400; a port nobody listens on is "refused"', async () => {
    const p = await peer();
    const c = new ClusterRpcClient(ID, 1000);
    cleanups.push(() => c.close());
    const err: any = await c.call(p.address, MSG.MEMBER_REPORT, { node: { port: 1 } }).catch((e: any) => e);
    expect(err.code).toBe(400);
    expect(err.message).toContain('Node information is illegal');
    const { main } = await freeClusterPorts();
    const refused: any = await c.call(`127.0.0.1:${main}`, MSG.MEMBERS_GET, {}).catch((e: any) => e);
    expect(refused.reason).toBe('refused');
  });

  test('join: wrong identity and unreachable seed give clear errors; a good join updates both lists', async () => {
    const seed = await peer();
    const wrong = await peer({ key: ID.key, value: 'other' });
    const e1 = await wrong.node.join(seed.address).catch((e: any) => e);
    expect(e1.kind).toBe('permission_denied');
    expect(e1.message).toContain("refused this node's server identity");
    const { main } = await freeClusterPorts();
    const e2 = await wrong.node.join(`127.0.0.1:${main}`).catch((e: any) => e);
    expect(e2.kind).toBe('unavailable');
    expect(e2.message).toContain(`cannot reach seed 127.0.0.1:${main}`);

    const joiner = await peer();
    const r = await joiner.node.join(seed.address);
    expect(r.members).toEqual([seed.address, joiner.address].sort());
    expect(r.notified).toEqual([seed.address]);
    expect(seed.members.addresses()).toEqual([seed.address, joiner.address].sort());
    await joiner.node.reportOnce();
    expect(joiner.members.get(seed.address)!.extendInfo.version).toBe('0.0.0-test');
    expect(seed.members.get(joiner.address)!.extendInfo.version).toBe('0.0.0-test');
    // Graceful shutdown: peers mark the node DOWN at once (reports are 60 s apart here).
    await joiner.node.announceShutdown();
    expect(seed.members.get(joiner.address)!.state).toBe('DOWN');
    expect(seed.node.members.healthyAddresses()).toEqual([seed.address]);
  });

  test('the binary refuses cluster mode with auth on and no server identity', async () => {
    const { main } = await freeClusterPorts();
    const r = await runBinary([
      'serve',
      '--port',
      String(main),
      '--set',
      'cluster.members=127.0.0.1:1,127.0.0.1:2',
      '--set',
      'cluster.member.lookup.type=file',
      '--set',
      'nacos.core.auth.enabled=true',
      '--set',
      `nacos.core.auth.plugin.nacos.token.secret.key=${Buffer.alloc(32, 7).toString('base64')}`,
      '--set',
      'log.dir=',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nacos.core.auth.server.identity.key');
  });

  test('a standalone node lists itself and refuses join with a clear reason', async () => {
    const srv = await startTestServer();
    cleanups.push(() => srv.stop());
    const list = await (await fetch(`${srv.nacos}/v3/admin/core/cluster/node/list`)).json();
    expect(list.data.map((m: any) => m.address)).toEqual([`127.0.0.1:${srv.ports.main}`]);
    const r = await fetch(`${srv.nacos}/v3/admin/core/cluster/join?seed=127.0.0.1:1`, { method: 'POST' });
    expect(r.status).toBe(400);
    expect((await r.json()).data).toContain('this node runs standalone');
  });
});
