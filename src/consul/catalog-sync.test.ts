import { describe, expect, test } from 'bun:test';
import { WatchSet } from '../state';
import { blankCheck, CHECKS_TABLE, type CheckEntry, checkKey } from './catalog-model';
import { decodeCheck } from './check-def';
import { payService as def, EXT_NODE as ext, type FakeConsulNode, fakeConsulNode } from './fake-consul-node';

const check = (id: string, status: CheckEntry['status'], serviceId = ''): CheckEntry => ({
  ...blankCheck('ext', id, id),
  serviceId,
  status,
  source: 'catalog',
});

/** Three servers on one storage, booted and caught up with each other's node entries. */
async function cluster(): Promise<[FakeConsulNode, FakeConsulNode, FakeConsulNode]> {
  const a = fakeConsulNode();
  const b = fakeConsulNode(a.repo, 'n2');
  const c = fakeConsulNode(a.repo, 'n3');
  for (const n of [a, b, c]) await n.boot();
  for (const n of [a, b, c]) await n.store.catchUp();
  return [a, b, c];
}

/** What the catalog and health endpoints read, with their X-Consul-Index. */
function view(n: FakeConsulNode) {
  const ws = () => new WatchSet();
  const nodes = n.cat.allNodes(ws());
  const pay = n.cat.views(ws(), 'pay');
  const checks = n.cat.allChecks(ws(), 'ext');
  return {
    nodes: { index: nodes.index, value: nodes.value.map((e) => [e.key, e.createIndex, e.modifyIndex]) },
    pay: {
      index: pay.index,
      value: pay.value.map((v) => [
        v.id,
        v.node,
        v.instance.ip,
        v.instance.healthy,
        v.createIndex,
        v.modifyIndex,
      ]),
    },
    checks: { index: checks.index, value: checks.value.map((x) => [x.c.checkId, x.c.status, x.ci, x.mi]) },
  };
}

describe('catalog state shared by every server (one storage)', () => {
  test('every server lists every server node; a registration on one shows on the others at the same indexes', async () => {
    const [a, b, c] = await cluster();
    expect(view(b).nodes.value.map(([k]) => k)).toEqual(['n1', 'n2', 'n3']);
    await a.cat.catalogRegister(ext, def(), [check('alive', 'passing'), check('c1', 'critical', 'pay-1')]);
    const onA = view(a);
    expect(onA.pay.value).toEqual([
      ['pay-1', 'ext', '10.1.1.1', false, expect.any(Number), expect.any(Number)],
    ]);
    expect(onA.checks.value.map((x) => x[0])).toEqual(['alive', 'c1']);
    for (const n of [b, c]) {
      expect(await n.store.catchUp()).toBeGreaterThan(0);
      expect(view(n)).toEqual(onA);
    }
    // Not a Distro client: catalog services belong to no server.
    expect(b.pay()[0]!.clientId).toBe('consul-catalog:ext');
  });

  test('deregistration on another server: gone everywhere, tombstone indexes equal', async () => {
    const [a, b, c] = await cluster();
    await a.cat.catalogRegister(ext, def(), [check('c1', 'passing', 'pay-1')]);
    await b.store.catchUp();
    await b.cat.catalogDeregister('ext');
    for (const n of [a, c]) await n.store.catchUp();
    for (const n of [a, b, c]) {
      expect(n.cat.node('ext')).toBeUndefined();
      expect(n.pay()).toEqual([]);
      expect(n.state.table(CHECKS_TABLE).get(checkKey('ext', 'c1'))).toBeUndefined();
    }
    expect(view(a)).toEqual(view(b));
    expect(view(c)).toEqual(view(b));
    expect(view(b).nodes.index).toBe(b.repo.index);
  });

  test('a txn on a server that has not caught up is decided against storage; its result reaches the others', async () => {
    const [a, b, c] = await cluster();
    await a.cat.catalogRegister(ext, def(), []);
    const idx = a.cat.views(new WatchSet(), 'pay').value[0]!.modifyIndex;
    const cas = (index: number, port: number) =>
      c.txn([
        {
          Service: {
            Verb: 'cas',
            Node: 'ext',
            Service: { ID: 'pay-1', Service: 'pay', Port: port, ModifyIndex: index },
          },
        },
      ]);
    expect((await cas(idx - 1, 1)).errors.map((e) => e.what)).toEqual([
      'failed to set service "pay-1" on node "ext", index is stale',
    ]);
    expect((await cas(idx, 9001)).errors).toEqual([]);
    for (const n of [a, b]) await n.store.catchUp();
    for (const n of [a, b, c]) expect(n.pay().map((i) => i.port)).toEqual([9001]);
    expect(view(a)).toEqual(view(c));
    expect(view(b)).toEqual(view(c));
  });

  test('a health-only change keeps the service indexes; a missed message is healed by the next catch-up', async () => {
    const [a, b] = await cluster();
    await a.cat.catalogRegister(ext, def(), [check('c1', 'critical', 'pay-1')]);
    await b.store.catchUp();
    const before = view(b).pay.value[0]!;
    await a.cat.catalogRegister(ext, def(), [check('c1', 'passing', 'pay-1')]);
    await a.cat.catalogRegister(ext, def(), [check('c1', 'warning', 'pay-1')]);
    await b.store.catchUp();
    const after = view(b).pay.value[0]!;
    expect(after[3]).toBe(true);
    expect(after.slice(4)).toEqual(before.slice(4));
    expect(view(b)).toEqual(view(a));
    expect(view(b).checks.value).toEqual([['c1', 'warning', expect.any(Number), a.repo.index]]);
  });

  test('stored agent checks and maintenance of one server show on the others; their status changes are stored', async () => {
    const [a, b] = await cluster();
    await a.cat.registerService(def({ id: 'web-1', name: 'web', checks: [] }));
    await a.cat.maintenance('web-1', true, 'deploying');
    await a.cat.nodeMaintenance(true, '');
    await a.cat.registerCheck(decodeCheck({ Name: 'disk', TTL: '30s' }, (x) => x));
    await b.store.catchUp();
    const checksOf = (n: FakeConsulNode, node: string) =>
      [...n.state.table<CheckEntry>(CHECKS_TABLE).values()]
        .filter((e) => e.value.node === node)
        .map((e) => [e.value.checkId, e.value.status, e.value.notes, e.modifyIndex])
        .sort();
    expect(checksOf(b, 'n1')).toEqual(checksOf(a, 'n1'));
    expect(checksOf(b, 'n1').map((x) => x[0])).toEqual([
      '_node_maintenance',
      '_service_maintenance:web-1',
      'disk',
    ]);
    expect(b.cat.nodeChecks('n1').map((x) => [x.c.checkId, x.c.status])).toEqual([
      ['serfHealth', 'passing'],
      ['_node_maintenance', 'critical'],
      ['disk', 'critical'],
    ]);
    // Another server's checks are shown, not run, and are not this agent's.
    expect(b.cat.agentChecks()).toEqual([]);
    await a.cat.updateTtl('disk', 'passing', 'fine');
    await a.cat.maintenance('web-1', false, '');
    await a.cat.nodeMaintenance(false, '');
    await b.store.catchUp();
    expect(checksOf(b, 'n1')).toEqual(checksOf(a, 'n1'));
    expect(checksOf(b, 'n1').map((x) => [x[0], x[1]])).toEqual([['disk', 'passing']]);
    expect(b.state.table<CheckEntry>(CHECKS_TABLE).get(checkKey('n1', 'disk'))?.value.output).toBe('fine');
  });

  test("another server's agent services are read-only here and show the health that server computed", async () => {
    const [a, b] = await cluster();
    // What Distro would bring: server n1's agent service as a naming instance.
    const svc = { namespaceId: 'public', groupName: 'DEFAULT_GROUP', serviceName: 'web' };
    await a.cat.registerService(
      def({ id: 'web-1', name: 'web', checks: [decodeCheck({ TTL: '10s' }, (x) => x)] }),
    );
    const inst = a.naming.instances(svc)[0]!;
    await b.naming.registerInstance(svc, inst, { clientId: inst.clientId, heartbeat: false });
    const [v] = b.cat.views(new WatchSet(), 'web').value;
    expect([v!.source, v!.node, v!.instance.healthy]).toEqual(['agent', 'n1', false]);
    expect(b.cat.serviceChecks(v!).map((x) => [x.c.checkId, x.c.status])).toEqual([
      ['service:web-1', 'critical'],
    ]);
    const out = await b.txn([
      { Service: { Verb: 'set', Node: 'n1', Service: { ID: 'web-1', Service: 'web', Port: 1 } } },
    ]);
    expect(out.errors.map((e) => e.what)).toEqual(['service "web-1" on node "n1" is read-only (agent)']);
    await b.cat.catalogDeregister('n1');
    expect(b.cat.node('n1')?.value.server).toEqual({ port: 8500 });
    expect(b.naming.instances(svc)).toHaveLength(1);
    expect(b.cat.agentServices()).toEqual([]);
  });

  test('a restarted server restores its own agent services only', async () => {
    const [a, b] = await cluster();
    await a.cat.registerService(def({ id: 'web-1', name: 'web' }));
    await b.cat.registerService(def({ id: 'api-1', name: 'api' }));
    const again = fakeConsulNode(a.repo, 'n2');
    await again.boot();
    expect(await again.cat.restoreAgentServices()).toBe(1);
    expect(again.cat.agentServices().map((v) => [v.id, v.node])).toEqual([['api-1', 'n2']]);
  });

  test('a server alone on its storage that was renamed takes its agent services along and drops its old node', async () => {
    const a = fakeConsulNode(undefined, 'n1', { soleServer: true });
    await a.boot();
    await a.cat.registerService(def({ id: 'web-1', name: 'web' }));
    await a.cat.nodeMaintenance(true, 'x');
    await a.cat.catalogRegister(ext, def(), []);
    const renamed = fakeConsulNode(a.repo, 'n9', { soleServer: true });
    await renamed.boot();
    expect(await renamed.cat.restoreAgentServices()).toBe(1);
    expect(renamed.cat.agentServices().map((v) => [v.id, v.node])).toEqual([['web-1', 'n9']]);
    expect(renamed.cat.allNodes(new WatchSet()).value.map((e) => e.key)).toEqual(['ext', 'n9']);
    expect(renamed.state.table(CHECKS_TABLE).size).toBe(0);
    expect(renamed.pay()).toHaveLength(1);
    // Sessions of the former name stay valid (no invalidation hook ran).
    expect(renamed.failed).toEqual([]);
  });

  test('a server behind reaped tombstones reloads the whole catalog', async () => {
    const [a, b] = await cluster();
    await a.cat.catalogRegister(ext, def(), [check('c1', 'passing', 'pay-1')]);
    await b.store.catchUp();
    await a.cat.catalogDeregister('ext');
    await a.cat.catalogRegister({ ...ext, node: 'ext2' }, undefined, []);
    await a.repo.reapTombstones(a.repo.index);
    await b.store.catchUp();
    expect(b.cat.node('ext')).toBeUndefined();
    expect(b.pay()).toEqual([]);
    expect(b.cat.node('ext2')).toEqual(a.cat.node('ext2'));
    expect(view(b).nodes.value).toEqual(view(a).nodes.value);
  });

  test('force-leave drops another server node (not this one, not a registered node); a restart stores it again', async () => {
    const [a, b, c] = await cluster();
    await a.cat.catalogRegister(ext, undefined, []);
    await a.cat.forceLeave('n1');
    await a.cat.forceLeave('ext');
    await a.cat.forceLeave('n2');
    await c.store.catchUp();
    expect(c.cat.allNodes(new WatchSet()).value.map((e) => e.key)).toEqual(['ext', 'n1', 'n3']);
    // n2 keeps its own entry in memory; started again, it stores it.
    await b.store.catchUp();
    expect(b.cat.node('n2')).toBeDefined();
    const again = fakeConsulNode(a.repo, 'n2');
    await again.boot();
    await c.store.catchUp();
    expect(c.cat.allNodes(new WatchSet()).value.map((e) => e.key)).toEqual(['ext', 'n1', 'n2', 'n3']);
  });
});
