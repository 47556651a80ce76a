import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Consul from 'consul';
import { NacosNamingClient as TypedClient } from 'nacos';
import { startTestServer, type TestServer } from '../support/server';

const NacosNamingClient = TypedClient as unknown as new (opts: object) => any;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

let s: TestServer;
let consul: InstanceType<typeof Consul>;
let base: string;
const nacosClients: any[] = [];

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  s = await startTestServer({ 'consul.node-name': 'node-it' });
  consul = new Consul({ host: '127.0.0.1', port: s.ports.main });
  base = `${s.url}/v1`;
});
afterAll(async () => {
  for (const c of nacosClients) await c.close();
  await s.stop();
});

const put = (path: string, body?: unknown) =>
  fetch(`${base}${path}`, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
const getJson = async (path: string) => (await fetch(`${base}${path}`)).json();

describe('Consul agent services and checks (npm consul 2.0.1)', () => {
  test('register with a TTL check, pass it, health ?passing filter, deregister', async () => {
    await consul.agent.service.register({
      name: 'web',
      id: 'web-1',
      address: '10.0.0.1',
      port: 8080,
      tags: ['v1', 'prod'],
      meta: { env: 'prod' },
      check: { ttl: '30s', notes: 'ttl check' } as any,
    });
    const svcs = (await consul.agent.service.list()) as any;
    expect(svcs['web-1']).toMatchObject({
      ID: 'web-1',
      Service: 'web',
      Tags: ['v1', 'prod'],
      Meta: { env: 'prod' },
      Port: 8080,
      Address: '10.0.0.1',
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
      Datacenter: 'dc1',
    });
    const checks = (await consul.agent.check.list()) as any;
    expect(checks['service:web-1']).toMatchObject({
      Node: 'node-it',
      CheckID: 'service:web-1',
      Name: "Service 'web' check",
      Status: 'critical',
      Notes: 'ttl check',
      ServiceID: 'web-1',
      ServiceName: 'web',
      ServiceTags: ['v1', 'prod'],
      Type: 'ttl',
    });
    expect(((await consul.health.service({ service: 'web', passing: true })) as any[]).length).toBe(0);
    expect(((await consul.health.service('web')) as any[]).length).toBe(1);

    await consul.agent.check.pass({ id: 'service:web-1', note: 'all good' } as any);
    const healthy = (await consul.health.service({ service: 'web', passing: true })) as any[];
    expect(healthy).toHaveLength(1);
    const e = healthy[0];
    expect(e.Node.Node).toBe('node-it');
    expect(e.Service).toMatchObject({
      ID: 'web-1',
      Service: 'web',
      Address: '10.0.0.1',
      Port: 8080,
      Tags: ['v1', 'prod'],
    });
    expect(e.Checks.map((c: any) => [c.CheckID, c.Status])).toEqual([
      ['serfHealth', 'passing'],
      ['service:web-1', 'passing'],
    ]);
    expect(e.Checks[1].Output).toBe('all good');

    // tag / filter / catalog views
    expect(((await consul.health.service({ service: 'web', tag: 'PROD' } as any)) as any[]).length).toBe(1);
    expect(((await consul.health.service({ service: 'web', tag: 'nope' } as any)) as any[]).length).toBe(0);
    const filtered = await getJson(
      `/catalog/service/web?filter=${encodeURIComponent('ServiceMeta.env == "prod" and "v1" in ServiceTags')}`,
    );
    expect(filtered.map((x: any) => x.ServiceID)).toEqual(['web-1']);
    expect(await getJson(`/catalog/service/web?filter=${encodeURIComponent('ServicePort != 8080')}`)).toEqual(
      [],
    );
    const services = (await consul.catalog.service.list()) as any;
    expect(services.web).toEqual(['v1', 'prod']);
    expect(services.consul).toEqual([]);
    const cs = ((await consul.catalog.service.nodes('web')) as any[])[0];
    expect(cs).toMatchObject({
      Node: 'node-it',
      ServiceID: 'web-1',
      ServiceName: 'web',
      ServiceAddress: '10.0.0.1',
      ServicePort: 8080,
    });
    const node = (await consul.catalog.node.services('node-it')) as any;
    expect(node.Node.Node).toBe('node-it');
    expect(node.Services['web-1'].Service).toBe('web');

    await consul.agent.service.deregister('web-1');
    expect(await consul.health.service('web')).toEqual([]);
    expect((await consul.agent.check.list()) as any).not.toHaveProperty('service:web-1');
    const gone = await put('/agent/service/deregister/web-1');
    expect([gone.status, await gone.text()]).toEqual([
      404,
      'Unknown service ID "web-1". Ensure that the service ID is passed, not the service name.',
    ]);
  });

  test('generated check IDs for several checks; replace-existing-checks; Go-style PascalCase + lower-case bodies', async () => {
    expect(
      (
        await put('/agent/service/register', {
          Name: 'multi',
          ID: 'm1',
          Checks: [{ TTL: '10s' }, { TTL: '20s', Status: 'passing' }],
          Check: null,
        })
      ).status,
    ).toBe(200);
    let checks = (await consul.agent.check.list()) as any;
    expect(checks['service:m1:1'].Status).toBe('critical');
    expect(checks['service:m1:2'].Status).toBe('passing');
    await put('/agent/service/register?replace-existing-checks', {
      name: 'multi',
      id: 'm1',
      check: { ttl: '10s', checkid: 'only' },
    });
    checks = (await consul.agent.check.list()) as any;
    expect(Object.keys(checks).filter((k) => k.includes('m1') || k === 'only')).toEqual(['only']);
    await consul.agent.service.deregister('m1');
  });

  test('error strings clients match on', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      ['/agent/service/register', { Port: 1 }, 400, 'Missing service name'],
      ['/agent/service/register', { Name: 'x', Address: '0.0.0.0' }, 400, 'Invalid service address'],
      [
        '/agent/service/register',
        { Name: 'x', Check: { HTTP: 'http://x' } },
        400,
        'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or GRPC checks',
      ],
      [
        '/agent/service/register',
        { Name: 'x', Check: { Notes: 'n' } },
        400,
        'Invalid check: TTL must be > 0 for TTL checks',
      ],
      [
        '/agent/check/pass/nope',
        undefined,
        404,
        'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.',
      ],
      [
        '/agent/check/deregister/nope',
        undefined,
        404,
        'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.',
      ],
      ['/agent/check/register', { TTL: '10s' }, 400, 'Missing check name'],
      [
        '/agent/check/register',
        { Name: 'c', TTL: '10s', ServiceID: 'ghost' },
        404,
        'ServiceID "ghost" does not exist',
      ],
      ['/agent/check/update/x', { Status: 'bogus' }, 400, "Invalid check status: 'bogus'"],
      ['/agent/service/maintenance/ghost', undefined, 400, 'Missing value for enable'],
      ['/agent/service/maintenance/ghost?enable=maybe', undefined, 400, 'Invalid value for enable: "maybe"'],
      [
        '/agent/service/maintenance/ghost?enable=true',
        undefined,
        404,
        'Unknown service ID "ghost". Ensure that the service ID is passed, not the service name.',
      ],
    ];
    for (const [path, body, status, text] of cases) {
      const r = await put(path, body);
      expect([path, r.status, await r.text()]).toEqual([path, status, text]);
    }
    const junk = await fetch(`${base}/agent/service/register`, { method: 'PUT', body: '{nope' });
    expect(junk.status).toBe(400);
    expect(await junk.text()).toStartWith('Request decode failed: ');
    const http = await put('/agent/check/register', {
      Name: 'h',
      HTTP: 'http://127.0.0.1:1/',
      Interval: '10s',
    });
    expect(http.status).toBe(200);
    const notTtl = await put('/agent/check/pass/h');
    expect([notTtl.status, await notTtl.text()]).toEqual([500, 'CheckID "h" does not have associated TTL']);
    await put('/agent/check/deregister/h');
    const pass = await fetch(`${base}/health/service/x?passing=maybe`);
    expect([pass.status, await pass.text()]).toEqual([400, 'Invalid value for ?passing']);
    const flt = await fetch(`${base}/catalog/service/x?filter=${encodeURIComponent('Service ==')}`);
    expect(flt.status).toBe(400);
  });

  test('HTTP and TCP checks run; maintenance adds a critical check', async () => {
    let healthy = true;
    const target = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => new Response(healthy ? 'ok' : 'down', { status: healthy ? 200 : 503 }),
    });
    try {
      await put('/agent/service/register', {
        Name: 'api',
        ID: 'api-1',
        Port: target.port,
        Address: '127.0.0.1',
        Checks: [
          { HTTP: `http://127.0.0.1:${target.port}/health`, Interval: '1s', Timeout: '1s' },
          { TCP: `127.0.0.1:${target.port}`, Interval: '1s' },
        ],
      });
      await until(
        'http+tcp passing',
        async () => ((await consul.health.service({ service: 'api', passing: true })) as any[]).length === 1,
      );
      const checks = (await consul.agent.check.list()) as any;
      expect(checks['service:api-1:1'].Output).toStartWith(
        `HTTP GET http://127.0.0.1:${target.port}/health: 200 OK Output: ok`,
      );
      expect(checks['service:api-1:1'].Definition).toMatchObject({
        HTTP: `http://127.0.0.1:${target.port}/health`,
        Interval: '1s',
        Timeout: '1s',
      });
      expect(checks['service:api-1:2'].Output).toBe(`TCP connect 127.0.0.1:${target.port}: Success`);
      healthy = false;
      await until(
        'http critical',
        async () => ((await consul.agent.check.list()) as any)['service:api-1:1'].Status === 'critical',
        4000,
      );
      expect(((await consul.health.service({ service: 'api', passing: true })) as any[]).length).toBe(0);
      healthy = true;
      await until(
        'recovered',
        async () => ((await consul.health.service({ service: 'api', passing: true })) as any[]).length === 1,
        4000,
      );

      await consul.agent.service.maintenance({ id: 'api-1', enable: true, reason: 'upgrading' });
      let checks2 = (await consul.agent.check.list()) as any;
      expect(checks2['_service_maintenance:api-1']).toMatchObject({
        Status: 'critical',
        Notes: 'upgrading',
        ServiceID: 'api-1',
      });
      expect(((await consul.health.service({ service: 'api', passing: true })) as any[]).length).toBe(0);
      await consul.agent.service.maintenance({ id: 'api-1', enable: false });
      checks2 = (await consul.agent.check.list()) as any;
      expect(checks2).not.toHaveProperty('_service_maintenance:api-1');
      await consul.agent.service.deregister('api-1');
    } finally {
      target.stop(true);
    }
  });

  test('a blocking health query is woken by a registration', async () => {
    const r0 = await fetch(`${base}/health/service/late`);
    const idx = r0.headers.get('x-consul-index')!;
    expect(Number(idx)).toBeGreaterThan(0);
    const p = fetch(`${base}/health/service/late?index=${idx}&wait=10s`);
    await Bun.sleep(50);
    const t0 = performance.now();
    await put('/agent/service/register', { Name: 'late', ID: 'late-1', Port: 1 });
    const r = await p;
    expect(performance.now() - t0).toBeLessThan(200);
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(Number(idx));
    expect((await r.json()).map((e: any) => e.Service.ID)).toEqual(['late-1']);
    await consul.agent.service.deregister('late-1');
  });

  test('a session tied to a check is invalidated when the check goes critical', async () => {
    await put('/agent/check/register', { Name: 'guard', ID: 'guard', TTL: '30s', Status: 'passing' });
    const sid = (
      (await consul.session.create({ checks: ['serfHealth', 'guard'], lockdelay: '0s' } as any)) as any
    ).ID;
    expect(await consul.kv.set('guarded/lock', 'x', { acquire: sid } as any)).toBe(true);
    await consul.agent.check.fail({ id: 'guard' } as any);
    await until(
      'session gone',
      async () => ((await getJson(`/session/info/${sid}`)) as unknown[]).length === 0,
      2000,
    );
    expect(((await consul.kv.get('guarded/lock')) as any).Session).toBeUndefined();
    const crit = await put('/session/create', { Checks: ['guard'] });
    expect([crit.status, await crit.text()]).toEqual([500, "Check 'guard' is in critical state"]);
    await put('/agent/check/deregister/guard');
  });
});

describe('Catalog register/deregister and nodes', () => {
  test('external node with a service and a stored check', async () => {
    const r = await put('/catalog/register', {
      Node: 'ext-1',
      Address: '192.168.1.5',
      NodeMeta: { rack: 'r1' },
      Service: { Service: 'db', ID: 'db-1', Port: 5432, Tags: ['primary'] },
      Check: { CheckID: 'db-check', Name: 'db alive', Status: 'passing', ServiceID: 'db-1' },
    });
    expect(await r.text()).toBe('true');
    const nodes = (await consul.catalog.node.list()) as any[];
    expect(nodes.map((n) => n.Node).sort()).toEqual(['ext-1', 'node-it']);
    expect(((await getJson('/catalog/nodes?node-meta=rack:r1')) as any[]).map((n) => n.Node)).toEqual([
      'ext-1',
    ]);
    const db = ((await consul.catalog.service.nodes('db')) as any[])[0];
    expect(db).toMatchObject({
      Node: 'ext-1',
      Address: '192.168.1.5',
      ServiceID: 'db-1',
      ServiceAddress: '',
      ServicePort: 5432,
    });
    const h = ((await consul.health.service({ service: 'db', passing: true })) as any[])[0];
    expect(h.Checks.map((c: any) => c.CheckID)).toEqual(['db-check']);
    expect(((await getJson('/health/state/passing')) as any[]).some((c) => c.CheckID === 'db-check')).toBe(
      true,
    );
    expect(((await getJson('/health/node/ext-1')) as any[]).map((c) => c.CheckID)).toEqual(['db-check']);
    expect(await getJson('/catalog/node/nope')).toBeNull();
    expect(await (await put('/catalog/deregister', { Node: 'ext-1' })).text()).toBe('true');
    expect(await consul.catalog.service.nodes('db')).toEqual([]);
    expect(((await consul.catalog.node.list()) as any[]).map((n) => n.Node)).toEqual(['node-it']);
  });
});

describe('One registry: Consul ↔ Nacos', () => {
  test('a Consul-registered service is seen by the Nacos client, and a Nacos instance by Consul', async () => {
    const nacos = new NacosNamingClient({
      logger: quiet,
      serverList: `127.0.0.1:${s.ports.main}`,
      namespace: 'public',
    });
    await nacos.ready();
    nacosClients.push(nacos);

    await consul.agent.service.register({
      name: 'orders',
      id: 'orders-1',
      address: '10.1.0.7',
      port: 9090,
      tags: ['blue'],
      meta: { version: '2' },
      check: { ttl: '30s', status: 'passing' } as any,
    });
    const seen = await until('nacos sees consul service', async () => {
      const all = await nacos.getAllInstances('orders', 'DEFAULT_GROUP', '', false);
      return all.length ? all : undefined;
    });
    expect(seen[0]).toMatchObject({ ip: '10.1.0.7', port: 9090, healthy: true, instanceId: 'orders-1' });
    expect(seen[0].metadata.version).toBe('2');
    expect(JSON.parse(seen[0].metadata['consul.tags'])).toEqual(['blue']);
    await consul.agent.check.fail({ id: 'service:orders-1' } as any);
    await until('nacos sees unhealthy', async () => {
      const all = await nacos.getAllInstances('orders', 'DEFAULT_GROUP', '', false);
      return all.length === 1 && all[0].healthy === false;
    });

    await nacos.registerInstance('billing', { ip: '10.9.9.9', port: 7001, metadata: { team: 'pay' } });
    const entries = await until('consul sees nacos instance', async () => {
      const h = (await consul.health.service('billing')) as any[];
      return h.length ? h : undefined;
    });
    expect(entries[0].Service).toMatchObject({
      Service: 'billing',
      Address: '10.9.9.9',
      Port: 7001,
      Meta: { team: 'pay' },
      Tags: [],
    });
    expect(entries[0].Checks.find((c: any) => c.ServiceID === entries[0].Service.ID).Status).toBe('passing');
    expect(((await consul.health.service({ service: 'billing', passing: true })) as any[]).length).toBe(1);
    expect(((await consul.catalog.service.list()) as any).billing).toEqual([]);
    await nacos.deregisterInstance('billing', { ip: '10.9.9.9', port: 7001 });
    await until(
      'consul sees removal',
      async () => ((await consul.health.service('billing')) as any[]).length === 0,
    );
    await consul.agent.service.deregister('orders-1');
    // The Nacos client keeps its last non-empty host list (empty-push protection), so the
    // removal is checked through the Nacos HTTP API.
    const list = await (await fetch(`${s.nacos}/v1/ns/instance/list?serviceName=orders`)).json();
    expect(list.hosts).toEqual([]);
  }, 20_000);
});

describe('txn catalog reads and agent local health', () => {
  test('txn Node/Service/Check get; a failing catalog write rolls back the KV write beside it', async () => {
    await put('/agent/service/register', {
      Name: 'tx-svc',
      ID: 'tx-1',
      Port: 81,
      Check: { TTL: '30s', Status: 'warning' },
    });
    const ok = await put('/txn', [
      { Node: { Verb: 'get', Node: { Node: 'node-it' } } },
      { Service: { Verb: 'get', Node: 'node-it', Service: { ID: 'tx-1' } } },
      { Check: { Verb: 'get', Check: { Node: 'node-it', CheckID: 'service:tx-1' } } },
      { KV: { Verb: 'check-not-exists', Key: 'tx/none' } },
    ]);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-consul-knownleader')).toBe('true'); // read-only txn
    const body = await ok.json();
    expect(body.Results.map((r: any) => Object.keys(r)[0])).toEqual(['Node', 'Service', 'Check']);
    expect(body.Results[1].Service.ID).toBe('tx-1');
    expect(body.Results[2].Check.Status).toBe('warning');
    const bad = await put('/txn', [
      { KV: { Verb: 'set', Key: 'tx/should-not', Value: 'eA==' } },
      { Service: { Verb: 'set', Node: 'no-such-node', Service: { ID: 'x', Service: 'x' } } },
    ]);
    expect(bad.status).toBe(409);
    expect((await bad.json()).Errors).toEqual([{ OpIndex: 1, What: 'Missing node registration' }]);
    expect((await fetch(`${base}/kv/tx/should-not`)).status).toBe(404);

    const byId = await fetch(`${base}/agent/health/service/id/tx-1`);
    expect(byId.status).toBe(429);
    expect((await byId.json()).AggregatedStatus).toBe('warning');
    const text = await fetch(`${base}/agent/health/service/name/tx-svc?format=text`);
    expect([text.status, await text.text()]).toEqual([429, 'warning']);
    await consul.agent.check.pass({ id: 'service:tx-1' } as any);
    expect((await fetch(`${base}/agent/health/service/id/tx-1`)).status).toBe(200);
    const missing = await fetch(`${base}/agent/health/service/id/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, 'ServiceId nope not found']);
    await consul.agent.service.deregister('tx-1');
  });
});

describe('node maintenance and no-op cluster calls', () => {
  test('node maintenance turns every local service critical; node-services lists them', async () => {
    await put('/agent/service/register', {
      Name: 'nm',
      ID: 'nm-1',
      Port: 5,
      Check: { TTL: '30s', Status: 'passing' },
    });
    expect(((await consul.health.service({ service: 'nm', passing: true })) as any[]).length).toBe(1);
    expect((await put('/agent/maintenance?enable=true')).status).toBe(200);
    const checks = (await consul.agent.check.list()) as any;
    expect(checks._node_maintenance).toMatchObject({
      Status: 'critical',
      ServiceID: '',
      Notes:
        'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.',
    });
    expect(((await consul.health.service({ service: 'nm', passing: true })) as any[]).length).toBe(0);
    const nacos = await (await fetch(`${s.nacos}/v1/ns/instance/list?serviceName=nm`)).json();
    expect(nacos.hosts[0].healthy).toBe(false);
    expect((await put('/agent/maintenance?enable=false')).status).toBe(200);
    expect(((await consul.health.service({ service: 'nm', passing: true })) as any[]).length).toBe(1);
    const bad = await put('/agent/maintenance?enable=');
    expect([bad.status, await bad.text()]).toEqual([400, 'Invalid value for enable: ""']);
    const ns = await getJson('/catalog/node-services/node-it');
    expect(ns.Services.map((x: any) => x.ID)).toContain('nm-1');
    for (const p of ['/agent/reload', '/agent/leave', '/agent/join/10.0.0.1', '/agent/force-leave/x'])
      expect((await put(p)).status).toBe(200);
    await consul.agent.service.deregister('nm-1');
  });
});

describe('hash blocking on /v1/agent/service/:id', () => {
  test('?hash= with the current hash holds until the service changes; X-Consul-ContentHash', async () => {
    await put('/agent/service/register', { Name: 'hb', ID: 'hb-1', Port: 1 });
    const first = await fetch(`${base}/agent/service/hb-1`);
    const hash = first.headers.get('x-consul-contenthash')!;
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect((await first.json()).ContentHash).toBe(hash);
    // Another hash answers at once.
    const t0 = performance.now();
    const other = await fetch(`${base}/agent/service/hb-1?hash=0000&wait=5s`);
    expect(other.headers.get('x-consul-contenthash')).toBe(hash);
    expect(performance.now() - t0).toBeLessThan(1000);
    // The current hash holds until the wait passes when nothing changes (writes elsewhere included).
    const t1 = performance.now();
    const quietHold = fetch(`${base}/agent/service/hb-1?hash=${hash}&wait=300ms`);
    await put('/agent/service/register', { Name: 'other-svc', ID: 'other-1', Port: 2 });
    const quiet = await quietHold;
    expect(performance.now() - t1).toBeGreaterThanOrEqual(290);
    expect(quiet.headers.get('x-consul-contenthash')).toBe(hash);
    // ...and answers as soon as the service changes.
    const held = fetch(`${base}/agent/service/hb-1?hash=${hash}&wait=10s`);
    await Bun.sleep(100);
    const t2 = performance.now();
    await put('/agent/service/register', { Name: 'hb', ID: 'hb-1', Port: 2 });
    const changed = await held;
    expect(performance.now() - t2).toBeLessThan(2000);
    const body = await changed.json();
    expect(body.Port).toBe(2);
    expect(changed.headers.get('x-consul-contenthash')).toBe(body.ContentHash);
    expect(body.ContentHash).not.toBe(hash);
    // A deregistration while held answers 404.
    const h2 = changed.headers.get('x-consul-contenthash');
    const gone = fetch(`${base}/agent/service/hb-1?hash=${h2}&wait=10s`);
    await Bun.sleep(50);
    await put('/agent/service/deregister/hb-1');
    const r = await gone;
    expect([r.status, await r.text()]).toEqual([404, 'unknown service ID: hb-1']);
    await put('/agent/service/deregister/other-1');
  });
});

describe("this server's consul service", () => {
  test('catalog/services and catalog/service/consul list it on our node with the main port', async () => {
    const services = (await consul.catalog.service.list()) as any;
    expect(services.consul).toEqual([]);
    const own = (await consul.catalog.service.nodes('consul')) as any[];
    expect(own.map((x) => [x.Node, x.ServiceID, x.ServiceName, x.ServicePort])).toEqual([
      ['node-it', 'consul', 'consul', s.ports.main],
    ]);
    const health = (await consul.health.service({ service: 'consul', passing: true })) as any[];
    expect(health.map((e) => [e.Service.ID, e.Checks.map((c: any) => c.CheckID)])).toEqual([
      ['consul', ['serfHealth']],
    ]);
    expect(Object.keys((await getJson('/catalog/node/node-it')).Services)).toContain('consul');
    expect(Object.keys(await getJson('/agent/services'))).not.toContain('consul');
    // Not something a client can remove.
    const bad = await put('/txn', [
      { Service: { Verb: 'set', Node: 'node-it', Service: { ID: 'consul', Service: 'x' } } },
    ]);
    expect(bad.status).toBe(409);
    await put('/catalog/deregister', { Node: 'node-it', ServiceID: 'consul' });
    expect(((await consul.catalog.service.nodes('consul')) as any[]).length).toBe(1);
  });
});

describe('methods: OPTIONS and 405 as Consul', () => {
  test('OPTIONS lists the methods; a wrong method is 405 with Allow; the most specific endpoint decides', async () => {
    const call = async (method: string, path: string) => {
      const r = await fetch(`${base}${path}`, { method });
      return [r.status, r.headers.get('allow'), await r.text()];
    };
    expect(await call('OPTIONS', '/kv/some/key')).toEqual([200, 'OPTIONS,GET,PUT,DELETE', '']);
    expect(await call('POST', '/kv/some/key')).toEqual([
      405,
      'OPTIONS,GET,PUT,DELETE',
      'method POST not allowed',
    ]);
    expect(await call('GET', '/txn')).toEqual([405, 'OPTIONS,PUT', 'method GET not allowed']);
    expect(await call('OPTIONS', '/txn')).toEqual([200, 'OPTIONS,PUT', '']);
    expect(await call('GET', '/agent/service/register')).toEqual([
      405,
      'OPTIONS,PUT',
      'method GET not allowed',
    ]);
    expect(await call('PUT', '/agent/service/web-1')).toEqual([405, 'OPTIONS,GET', 'method PUT not allowed']);
    expect(await call('DELETE', '/catalog/services')).toEqual([
      405,
      'OPTIONS,GET',
      'method DELETE not allowed',
    ]);
    expect(await call('HEAD', '/status/leader')).toEqual([405, 'OPTIONS,GET', '']);
    expect((await call('OPTIONS', '/nothing/here'))[0]).toBe(404);
    // The right method still reaches the handler.
    expect((await fetch(`${base}/status/leader`)).status).toBe(200);
  });
});
