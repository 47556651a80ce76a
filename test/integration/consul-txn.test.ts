import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Consul from 'consul';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let consul: InstanceType<typeof Consul>;
let base: string;

beforeAll(async () => {
  s = await startTestServer({ 'consul.node-name': 'txn-node' });
  consul = new Consul({ host: '127.0.0.1', port: s.ports.main });
  base = `${s.url}/v1`;
});
afterAll(async () => {
  await s.stop();
});

const txn = async (ops: unknown[]) => {
  const r = await fetch(`${base}/txn`, { method: 'PUT', body: JSON.stringify(ops) });
  return { status: r.status, headers: r.headers, body: (await r.json()) as any };
};
const getJson = async (path: string) => (await fetch(`${base}${path}`)).json() as Promise<any>;
const nacosHosts = async (service: string) =>
  (await (await fetch(`${s.nacos}/v1/ns/instance/list?serviceName=${service}`)).json()).hosts as any[];
const b64 = (v: string) => Buffer.from(v).toString('base64');

const node = (name: string, extra: object = {}) => ({
  Node: { Verb: 'set', Node: { Node: name, Address: '10.20.0.1', Meta: { rack: 'a' }, ...extra } },
});
const service = (nodeName: string, id: string, extra: object = {}) => ({
  Service: {
    Verb: 'set',
    Node: nodeName,
    Service: { ID: id, Service: 'pay', Port: 9000, Tags: ['t1'], ...extra },
  },
});
const check = (nodeName: string, id: string, status: string, extra: object = {}) => ({
  Check: { Verb: 'set', Check: { Node: nodeName, CheckID: id, Name: id, Status: status, ...extra } },
});

describe('PUT /v1/txn with Node, Service and Check ops', () => {
  test('node, service, check and KV writes apply together at one index; results in op order', async () => {
    const r = await txn([
      node('tx-a'),
      service('tx-a', 'pay-1'),
      check('tx-a', 'pay-1-alive', 'passing', { ServiceID: 'pay-1' }),
      { KV: { Verb: 'set', Key: 'txn/cat', Value: b64('v') } },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.Errors).toBeNull();
    expect(r.body.Results.map((x: object) => Object.keys(x)[0])).toEqual(['Node', 'Service', 'Check', 'KV']);
    const [n, sv, c, kv] = r.body.Results;
    expect(n.Node).toMatchObject({
      Node: 'tx-a',
      Address: '10.20.0.1',
      Datacenter: 'dc1',
      Meta: { rack: 'a' },
    });
    expect(sv.Service).toMatchObject({ ID: 'pay-1', Service: 'pay', Port: 9000, Tags: ['t1'] });
    expect(c.Check).toMatchObject({
      Node: 'tx-a',
      CheckID: 'pay-1-alive',
      Status: 'passing',
      ServiceID: 'pay-1',
      ServiceName: 'pay',
      ServiceTags: ['t1'],
    });
    const idx = n.Node.ModifyIndex;
    expect([sv.Service.ModifyIndex, c.Check.ModifyIndex, kv.KV.ModifyIndex]).toEqual([idx, idx, idx]);
    // Visible through the catalog, health and the Nacos registry.
    const h = (await consul.health.service({ service: 'pay', passing: true })) as any[];
    expect(h.map((e) => [e.Node.Node, e.Service.ID, e.Checks.map((x: any) => x.CheckID)])).toEqual([
      ['tx-a', 'pay-1', ['pay-1-alive']],
    ]);
    const hosts = await nacosHosts('pay');
    expect(hosts.map((x) => [x.instanceId, x.ip, x.port, x.healthy])).toEqual([
      ['pay-1', '10.20.0.1', 9000, true],
    ]);
  });

  test('a critical check written in a txn makes the service unhealthy for Consul and Nacos', async () => {
    const r = await txn([check('tx-a', 'pay-1-alive', 'critical', { ServiceID: 'pay-1', Output: 'down' })]);
    expect(r.status).toBe(200);
    expect(((await consul.health.service({ service: 'pay', passing: true })) as any[]).length).toBe(0);
    expect((await nacosHosts('pay'))[0].healthy).toBe(false);
    // A node-level check counts too; making the service check pass is not enough then.
    await txn([
      check('tx-a', 'pay-1-alive', 'passing', { ServiceID: 'pay-1' }),
      check('tx-a', 'disk', 'critical'),
    ]);
    expect((await nacosHosts('pay'))[0].healthy).toBe(false);
    await txn([{ Check: { Verb: 'delete', Check: { Node: 'tx-a', CheckID: 'disk' } } }]);
    expect((await nacosHosts('pay'))[0].healthy).toBe(true);
  });

  test('any failing op rolls back every op, KV included; every failure is listed', async () => {
    const before = (await getJson('/catalog/nodes')).length;
    const r = await txn([
      node('tx-b'),
      service('tx-b', 'pay-2'),
      { KV: { Verb: 'set', Key: 'txn/rolled-back', Value: b64('x') } },
      { KV: { Verb: 'check-index', Key: 'txn/cat', Index: 1 } },
      service('nowhere', 'pay-3'),
      check('tx-b', 'orphan', 'passing', { ServiceID: 'missing' }),
    ]);
    expect(r.status).toBe(409);
    expect(r.body.Results).toBeNull();
    expect(r.body.Errors.map((e: any) => e.OpIndex)).toEqual([3, 4, 5]);
    expect(r.body.Errors[1].What).toBe('Missing node registration');
    expect(r.body.Errors[2].What).toBe('Missing service registration');
    expect((await getJson('/catalog/nodes')).length).toBe(before);
    expect(await getJson('/catalog/node/tx-b')).toBeNull();
    expect((await fetch(`${base}/kv/txn/rolled-back`)).status).toBe(404);
    expect((await nacosHosts('pay')).map((x) => x.instanceId)).toEqual(['pay-1']);
  });

  test('get, cas and delete-cas verbs with Consul error texts', async () => {
    const cur = await txn([
      { Node: { Verb: 'get', Node: { Node: 'tx-a' } } },
      { Service: { Verb: 'get', Node: 'tx-a', Service: { ID: 'pay-1' } } },
      { Check: { Verb: 'get', Check: { Node: 'tx-a', CheckID: 'pay-1-alive' } } },
    ]);
    expect(cur.status).toBe(200);
    expect(cur.headers.get('x-consul-knownleader')).toBe('true'); // read-only
    const [n, sv, c] = cur.body.Results.map((x: any) => Object.values(x)[0]);
    const stale = await txn([
      { Node: { Verb: 'get', Node: { Node: 'ghost' } } },
      { Service: { Verb: 'get', Node: 'tx-a', Service: { ID: 'ghost' } } },
      { Check: { Verb: 'get', Check: { Node: 'tx-a', CheckID: 'ghost' } } },
      { Node: { Verb: 'cas', Node: { Node: 'tx-a', Address: '1.1.1.1', ModifyIndex: n.ModifyIndex - 1 } } },
      { Node: { Verb: 'cas', Node: { Node: 'tx-a', Address: '1.1.1.1' } } },
      { Service: { Verb: 'cas', Node: 'tx-a', Service: { ID: 'pay-1', Service: 'pay', ModifyIndex: 1 } } },
      {
        Check: {
          Verb: 'cas',
          Check: { Node: 'tx-a', CheckID: 'pay-1-alive', Status: 'passing', ModifyIndex: 1 },
        },
      },
      { Node: { Verb: 'delete-cas', Node: { Node: 'tx-a', ModifyIndex: 1 } } },
      { Service: { Verb: 'delete-cas', Node: 'tx-a', Service: { ID: 'ghost', ModifyIndex: 1 } } },
      { Check: { Verb: 'delete-cas', Check: { Node: 'tx-a', CheckID: 'pay-1-alive', ModifyIndex: 1 } } },
      { Node: { Verb: 'frob', Node: { Node: 'tx-a' } } },
      { Service: { Verb: 'frob', Node: 'tx-a', Service: { ID: 'pay-1' } } },
      { Check: { Verb: 'frob', Check: { Node: 'tx-a', CheckID: 'x' } } },
      {},
    ]);
    expect(stale.status).toBe(409);
    expect(stale.body.Errors.map((e: any) => e.What)).toEqual([
      'node "ghost" doesn\'t exist',
      'service "ghost" on node "tx-a" doesn\'t exist',
      'check "ghost" on node "tx-a" doesn\'t exist',
      'failed to set node "tx-a", index is stale',
      'failed to set node "tx-a", index is stale',
      'failed to set service "pay-1" on node "tx-a", index is stale',
      'failed to set check "pay-1-alive" on node "tx-a", index is stale',
      'failed to delete node "tx-a", index is stale',
      'failed to delete service "ghost" on node "tx-a", index is stale',
      'failed to delete check "pay-1-alive" on node "tx-a", index is stale',
      'unknown Node verb "frob"',
      'unknown Service verb "frob"',
      'unknown Check verb "frob"',
      'no operation specified',
    ]);
    const ok = await txn([
      { Node: { Verb: 'cas', Node: { Node: 'tx-a', Address: '10.20.0.2', ModifyIndex: n.ModifyIndex } } },
      {
        Service: {
          Verb: 'cas',
          Node: 'tx-a',
          Service: { ID: 'pay-1', Service: 'pay', Port: 9001, ModifyIndex: sv.ModifyIndex },
        },
      },
      {
        Check: {
          Verb: 'cas',
          Check: {
            Node: 'tx-a',
            CheckID: 'pay-1-alive',
            ServiceID: 'pay-1',
            Status: 'warning',
            ModifyIndex: c.ModifyIndex,
          },
        },
      },
      { Node: { Verb: 'cas', Node: { Node: 'tx-new', Address: '10.20.0.9', ModifyIndex: 0 } } },
    ]);
    expect([ok.status, ok.body.Errors]).toEqual([200, null]);
    expect(ok.body.Results[0].Node.Address).toBe('10.20.0.2');
    expect(ok.body.Results[1].Service.Port).toBe(9001);
    expect(ok.body.Results[2].Check.Status).toBe('warning');
    expect(ok.body.Results[3].Node.CreateIndex).toBe(ok.body.Results[3].Node.ModifyIndex);
    // The service takes its node's new address (no address of its own), in Nacos too.
    expect((await nacosHosts('pay'))[0]).toMatchObject({ ip: '10.20.0.2', port: 9001 });
    const del = await txn([
      {
        Node: {
          Verb: 'delete-cas',
          Node: { Node: 'tx-new', ModifyIndex: ok.body.Results[3].Node.ModifyIndex },
        },
      },
    ]);
    expect([del.status, del.body.Results]).toEqual([200, []]);
    expect(await getJson('/catalog/node/tx-new')).toBeNull();
  });

  test('deleting a node removes its services and checks; the npm client drives the same endpoint', async () => {
    const res = (await consul.transaction.create([
      node('tx-c'),
      service('tx-c', 'pay-9', { Port: 9009 }),
      check('tx-c', 'serf', 'passing'),
    ] as any)) as any;
    expect(res.Errors).toBeNull();
    expect((await nacosHosts('pay')).map((x) => x.instanceId).sort()).toEqual(['pay-1', 'pay-9']);
    const gone = (await consul.transaction.create([
      { Node: { Verb: 'delete', Node: { Node: 'tx-c' } } },
      { Node: { Verb: 'delete', Node: { Node: 'never-existed' } } },
      { Service: { Verb: 'delete', Node: 'tx-a', Service: { ID: 'never' } } },
    ] as any)) as any;
    expect(gone.Errors).toBeNull();
    expect(await getJson('/catalog/node/tx-c')).toBeNull();
    expect(await getJson('/health/node/tx-c')).toEqual([]);
    expect((await nacosHosts('pay')).map((x) => x.instanceId)).toEqual(['pay-1']);
    // Service delete takes its checks along.
    await txn([{ Service: { Verb: 'delete', Node: 'tx-a', Service: { ID: 'pay-1' } } }]);
    expect((await getJson('/health/node/tx-a')).map((x: any) => x.CheckID)).toEqual([]);
    expect(await nacosHosts('pay')).toEqual([]);
  });

  test('a held blocking query on the catalog wakes once for a txn', async () => {
    const first = await fetch(`${base}/catalog/nodes`);
    const idx = first.headers.get('x-consul-index');
    const held = fetch(`${base}/catalog/nodes?index=${idx}&wait=5s`);
    await Bun.sleep(50);
    const w = await txn([node('tx-d'), { KV: { Verb: 'set', Key: 'txn/d', Value: b64('1') } }]);
    const r = await held;
    expect(Number(r.headers.get('x-consul-index'))).toBe(w.body.Results[0].Node.ModifyIndex);
    expect(((await r.json()) as any[]).map((n) => n.Node)).toContain('tx-d');
  });
});
