import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { NacosNamingClient as TypedClient } from 'nacos';
import { form, startTestServer, type TestServer } from '../support/server';

// The shipped typings are narrower than the JS API (metadata, partial instances, close()).
type AnyClient = any;
const NacosNamingClient = TypedClient as unknown as new (opts: object) => AnyClient;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

let t: TestServer;
const clients: Array<{ close(): Promise<void> | void }> = [];

async function client() {
  const c = new NacosNamingClient({
    logger: quiet,
    serverList: `127.0.0.1:${t.ports.main}`,
    namespace: 'public',
  });
  await c.ready();
  clients.push(c);
  return c;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

async function list(service: string, extra = '') {
  const r = await fetch(`${t.nacos}/v1/ns/instance/list?serviceName=${service}${extra}`);
  expect(r.status).toBe(200);
  return r.json();
}

let beatClient: AnyClient;
let beatClientCreated = 0;
beforeAll(async () => {
  t = await startTestServer({ 'naming.heartbeat.check-interval-ms': 200 });
  beatClient = await client();
  beatClientCreated = Date.now();
  await beatClient.registerInstance('sdk-beat', {
    ip: '10.2.0.1',
    port: 9000,
    metadata: {
      'preserved.heart.beat.interval': '300',
      'preserved.heart.beat.timeout': '1200',
      'preserved.ip.delete.timeout': '2500',
    },
  });
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await t.stop();
});

describe('real nacos npm client (NacosNamingClient 2.6.3)', () => {
  test('registerInstance, getAllInstances, selectInstances(healthy)', async () => {
    const c = await client();
    await c.registerInstance('sdk-basic', { ip: '10.0.0.1', port: 8080, metadata: { zone: 'a' } });
    await c.registerInstance('sdk-basic', { ip: '10.0.0.2', port: 8080, clusterName: 'blue' });
    const all = await c.getAllInstances('sdk-basic', 'DEFAULT_GROUP', '', false);
    expect(all.map((h: { ip: string }) => h.ip).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    const a = all.find((h: { ip: string }) => h.ip === '10.0.0.1');
    expect(a).toMatchObject({
      instanceId: '10.0.0.1#8080#DEFAULT#DEFAULT_GROUP@@sdk-basic',
      port: 8080,
      weight: 1,
      healthy: true,
      enabled: true,
      ephemeral: true,
      clusterName: 'DEFAULT',
      serviceName: 'DEFAULT_GROUP@@sdk-basic',
      metadata: { zone: 'a' },
    });
    const healthy = await c.selectInstances('sdk-basic', 'DEFAULT_GROUP', '', true, false);
    expect(healthy).toHaveLength(2);
    const blue = await c.getAllInstances('sdk-basic', 'DEFAULT_GROUP', 'blue', false);
    expect(blue.map((h: { ip: string }) => h.ip)).toEqual(['10.0.0.2']);
    const names = await c._serverProxy.getServiceList(1, 100, 'DEFAULT_GROUP');
    expect(names.data).toContain('sdk-basic');
    expect(await c.getServerStatus()).toBe('UP');
  });

  test('subscribe callback fires on register and on deregister (UDP push)', async () => {
    const producer = await client();
    const consumer = await client();
    const seen: string[][] = [];
    consumer.subscribe('sdk-sub', (hosts: Array<{ ip: string }>) => seen.push(hosts.map((h) => h.ip).sort()));
    await Bun.sleep(300);
    await producer.registerInstance('sdk-sub', { ip: '10.1.0.1', port: 80 });
    await producer.registerInstance('sdk-sub', { ip: '10.1.0.2', port: 80 });
    await until('push with both instances', async () =>
      seen.some((s) => s.length === 2 && s[0] === '10.1.0.1' && s[1] === '10.1.0.2'),
    );
    const before = seen.length;
    await producer.deregisterInstance('sdk-sub', { ip: '10.1.0.1', port: 80 });
    await until('push after deregister', async () =>
      seen.slice(before).some((s) => s.length === 1 && s[0] === '10.1.0.2'),
    );
    const subs = await (await fetch(`${t.nacos}/v1/ns/service/subscribers?serviceName=sdk-sub`)).json();
    expect(subs.count).toBeGreaterThanOrEqual(1);
    expect(subs.subscribers[0].serviceName).toBe('DEFAULT_GROUP@@sdk-sub');
  });

  test('a beat from an unknown instance: 20404 without body, auto-register with body', async () => {
    const r1 = await form('PUT', `${t.nacos}/v1/ns/instance/beat`, {
      serviceName: 'beat-auto',
      ip: '10.3.0.1',
      port: 1,
    });
    expect(r1.status).toBe(200);
    expect(r1.text).toBe('{"clientBeatInterval":5000,"code":20404,"lightBeatEnabled":true}');
    const beat = JSON.stringify({
      ip: '10.3.0.1',
      port: 1,
      serviceName: 'DEFAULT_GROUP@@beat-auto',
      cluster: 'c1',
      weight: 2,
      metadata: { 'preserved.heart.beat.interval': '1000' },
    });
    const r2 = await form('PUT', `${t.nacos}/v1/ns/instance/beat`, {
      serviceName: 'DEFAULT_GROUP@@beat-auto',
      beat,
    });
    expect(JSON.parse(r2.text)).toEqual({ clientBeatInterval: 1000, code: 10200, lightBeatEnabled: true });
    const info = await list('beat-auto');
    expect(info.hosts[0]).toMatchObject({ ip: '10.3.0.1', clusterName: 'c1', weight: 2 });
  });
  test('beats keep an instance alive; stopped beats make it unhealthy, then remove it', async () => {
    // compat(nacos-npm): the client's beat loop sleeps 10 s before its first beat. The instance
    // (registered in beforeAll with 300 ms / 1.2 s / 2.5 s timings) may expire before that; the
    // first beat carries the beat body and re-registers it, then the client beats every 300 ms
    // (the interval our beat reply tells it).
    await Bun.sleep(Math.max(0, beatClientCreated + 10_500 - Date.now()));
    await until(
      'the npm client to beat',
      async () => (await list('sdk-beat')).hosts[0]?.healthy === true,
      15000,
    );
    await Bun.sleep(2000); // well past the 1.2 s unhealthy timeout: beats keep it healthy
    let info = await list('sdk-beat');
    expect(info.hosts).toHaveLength(1);
    expect(info.hosts[0]).toMatchObject({
      healthy: true,
      instanceHeartBeatInterval: 300,
      ipDeleteTimeout: 2500,
    });
    await beatClient.close();
    await until(
      'unhealthy after beats stop',
      async () => (await list('sdk-beat')).hosts[0]?.healthy === false,
    );
    info = await list('sdk-beat', '&healthyOnly=true');
    expect(info.hosts).toHaveLength(0);
    await until('removed after ip delete timeout', async () => (await list('sdk-beat')).hosts.length === 0);
  }, 30000);
});

describe('persistent instances: server-side TCP health checks', () => {
  test('health flips when the real TCP port closes and opens again', async () => {
    const s = await startTestServer({
      'naming.health-check.interval-ms': 150,
      'naming.health-check.threshold': 1,
      'naming.health-check.timeout-ms': 500,
    });
    try {
      const handler = { data() {}, open() {} };
      let listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: handler });
      const port = listener.port;
      const reg = await form('POST', `${s.nacos}/v1/ns/instance`, {
        serviceName: 'db',
        ip: '127.0.0.1',
        port,
        ephemeral: false,
      });
      expect(reg.text).toBe('ok');
      const healthOf = async () =>
        (await (await fetch(`${s.nacos}/v1/ns/instance/list?serviceName=db`)).json()).hosts[0]?.healthy;
      expect(await healthOf()).toBe(true);
      listener.stop(true);
      await until('unhealthy after the port closed', async () => (await healthOf()) === false);
      listener = Bun.listen({ hostname: '127.0.0.1', port, socket: handler });
      await until('healthy after the port reopened', async () => (await healthOf()) === true);
      listener.stop(true);
      // HTTP checker: GET path on the instance, healthy when the status matches
      let status = 200;
      const web = Bun.serve({
        hostname: '127.0.0.1',
        port: 0,
        fetch: (r) => new Response('', { status: new URL(r.url).pathname === '/health' ? status : 404 }),
      });
      await form('POST', `${s.nacos}/v1/ns/instance`, {
        serviceName: 'web',
        ip: '127.0.0.1',
        port: web.port!,
        ephemeral: false,
      });
      await form('PUT', `${s.nacos}/v1/ns/cluster`, {
        serviceName: 'web',
        clusterName: 'DEFAULT',
        healthChecker: '{"type":"HTTP","path":"/health"}',
      });
      // the instance detail shows raw health (the list applies the protection threshold: the
      // service has explicit metadata now, and 0 healthy of 1 ≤ threshold 0 returns it as healthy)
      const webHealth = async () =>
        (
          await (
            await fetch(`${s.nacos}/v1/ns/instance?serviceName=web&ip=127.0.0.1&port=${web.port}`)
          ).json()
        ).healthy;
      status = 503;
      await until('HTTP check fails on 503', async () => (await webHealth()) === false);
      status = 200;
      await until('HTTP check passes on 200', async () => (await webHealth()) === true);
      web.stop(true);
      // persistent: never removed by heartbeat expiry, survives a restart
      const detail = await (
        await fetch(`${s.nacos}/v1/ns/instance?serviceName=db&ip=127.0.0.1&port=${port}`)
      ).json();
      expect(detail).toMatchObject({ service: 'DEFAULT_GROUP@@db', ip: '127.0.0.1', port });
    } finally {
      await s.stop();
    }
  }, 20000);
});
