import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createSocket } from 'node:dgram';
import { gunzipSync } from 'node:zlib';
import { Elysia } from 'elysia';
import type { NamingService } from '../../src/naming';
import { consoleNamingRoutes } from '../../src/naming/nacos-result-routes';
import { NamingSwitches } from '../../src/naming/switches';
import { form, startTestServer, type TestServer } from '../support/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ 'naming.push.delay-ms': 100 });
});
afterAll(async () => {
  await t.stop();
});

const get = async (path: string) => {
  const r = await fetch(`${t.nacos}${path}`);
  return { status: r.status, text: await r.text() };
};
const json = async (path: string) => JSON.parse((await get(path)).text);

describe('v1 instance API', () => {
  test('register / list / detail / update / patch / deregister', async () => {
    const reg = await form('POST', `${t.nacos}/v1/ns/instance`, {
      serviceName: 'orders',
      groupName: 'shop',
      ip: '10.0.0.5',
      port: 8080,
      weight: 2,
      metadata: '{"version":"1"}',
    });
    expect(reg).toMatchObject({ status: 200, text: 'ok' });
    // grouped name and groupName param are equivalent (service-name filter)
    const info = await json('/v1/ns/instance/list?serviceName=shop@@orders');
    expect(info).toMatchObject({
      name: 'shop@@orders',
      groupName: 'shop',
      clusters: '',
      cacheMillis: 10000,
      checksum: '',
      allIPs: false,
      reachProtectionThreshold: false,
      valid: true,
    });
    expect(Object.keys(info)).toEqual([
      'name',
      'groupName',
      'clusters',
      'cacheMillis',
      'hosts',
      'lastRefTime',
      'checksum',
      'allIPs',
      'reachProtectionThreshold',
      'valid',
    ]);
    expect(info.hosts[0]).toEqual({
      instanceId: '10.0.0.5#8080#DEFAULT#shop@@orders',
      ip: '10.0.0.5',
      port: 8080,
      weight: 2,
      healthy: true,
      enabled: true,
      ephemeral: true,
      clusterName: 'DEFAULT',
      serviceName: 'shop@@orders',
      metadata: { version: '1' },
      instanceHeartBeatInterval: 5000,
      instanceHeartBeatTimeOut: 15000,
      ipDeleteTimeout: 30000,
      instanceIdGenerator: 'simple',
    });
    expect(await json('/v1/ns/instance?serviceName=orders&groupName=shop&ip=10.0.0.5&port=8080')).toEqual({
      service: 'shop@@orders',
      ip: '10.0.0.5',
      port: 8080,
      clusterName: 'DEFAULT',
      weight: 2,
      healthy: true,
      instanceId: '10.0.0.5#8080#DEFAULT#shop@@orders',
      metadata: { version: '1' },
    });
    expect(
      (
        await form('PUT', `${t.nacos}/v1/ns/instance`, {
          serviceName: 'shop@@orders',
          ip: '10.0.0.5',
          port: 8080,
          weight: 3,
          metadata: 'a=b,c=d',
        })
      ).text,
    ).toBe('ok');
    expect((await json('/v1/ns/instance/list?serviceName=shop@@orders')).hosts[0]).toMatchObject({
      weight: 3,
      metadata: { a: 'b', c: 'd' },
    });
    await form('PATCH', `${t.nacos}/v1/ns/instance`, {
      serviceName: 'shop@@orders',
      ip: '10.0.0.5',
      port: 8080,
      enabled: false,
    });
    expect((await json('/v1/ns/instance/list?serviceName=shop@@orders')).hosts).toEqual([]);
    expect(
      (
        await form('DELETE', `${t.nacos}/v1/ns/instance`, {
          serviceName: 'shop@@orders',
          ip: '10.0.0.5',
          port: 8080,
        })
      ).text,
    ).toBe('ok');
    expect((await get('/v1/ns/instance?serviceName=shop@@orders&ip=10.0.0.5&port=8080')).status).toBe(404);
  });

  test('bad input: 400 with Nacos messages, nothing registered, never 500', async () => {
    const base = { serviceName: 'bad-svc', ip: '10.0.0.1', port: 80 };
    const cases: Array<[Record<string, string | number>, string]> = [
      [{ serviceName: 'bad-svc', port: 80 }, "Required parameter 'ip' is not present"],
      [{ serviceName: 'bad-svc', ip: '1.1.1.1' }, "Required parameter 'port' is not present"],
      [{ ip: '1.1.1.1', port: 80 }, "Required parameter 'serviceName' is not present"],
      [{ ...base, port: 70000 }, "Instance 'port' should be an integer between 0 and 65535"],
      [{ ...base, port: 'abc' }, "parameter 'port' must be an integer"],
      [{ ...base, weight: 10001 }, 'The weights range from 0.0 to 10000.0'],
      [{ ...base, weight: -1 }, 'The weights range from 0.0 to 10000.0'],
      [{ ...base, metadata: '{bad json' }, 'metadata format incorrect'],
      [
        { ...base, clusterName: 'bad_cluster!' },
        "Instance 'clusterName' should be characters with only 0-9a-zA-Z-.",
      ],
      [
        { ...base, metadata: '{"preserved.heart.beat.timeout":"1000"}' },
        "Instance 'heart beat interval' must less than 'heart beat timeout' and 'ip delete timeout'.",
      ],
      [{ ...base, serviceName: 'a@@b@@c' }, "it should be format as 'groupName@@serviceName'"],
      [{ ...base, serviceName: '@@svc' }, "groupName can't be empty"],
    ];
    for (const [params, message] of cases) {
      const r = await form('POST', `${t.nacos}/v1/ns/instance`, params);
      expect({ params, status: r.status }).toEqual({ params, status: 400 });
      expect(r.text).toContain(message);
    }
    expect((await json('/v1/ns/instance/list?serviceName=bad-svc')).hosts).toEqual([]);
    // v2 carries the 21xxx detail code
    const v2 = await form('POST', `${t.nacos}/v2/ns/instance`, { ...base, weight: 20000 });
    expect(v2.status).toBe(400);
    expect(JSON.parse(v2.text)).toMatchObject({ code: 21001, message: 'weight error' });
    const v2b = await form('POST', `${t.nacos}/v2/ns/instance`, { ...base, metadata: 'x' });
    expect(JSON.parse(v2b.text).code).toBe(21002);
  });

  test('metadata batch update and delete', async () => {
    for (const ip of ['10.9.0.1', '10.9.0.2'])
      await form('POST', `${t.nacos}/v1/ns/instance`, {
        serviceName: 'batch',
        ip,
        port: 1,
        ephemeral: false,
      });
    const r = await form('PUT', `${t.nacos}/v1/ns/instance/metadata/batch`, {
      serviceName: 'batch',
      instances: JSON.stringify([{ ip: '10.9.0.1', port: 1, clusterName: 'DEFAULT' }]),
      metadata: '{"k":"v","k2":"v2"}',
    });
    expect(JSON.parse(r.text)).toEqual({ updated: ['10.9.0.1:1:unknown:DEFAULT:persist'] });
    const d = await form('DELETE', `${t.nacos}/v1/ns/instance/metadata/batch`, {
      serviceName: 'batch',
      metadata: '{"k":""}',
    });
    expect(JSON.parse(d.text).updated).toHaveLength(2);
    const hosts = (await json('/v1/ns/instance/list?serviceName=batch')).hosts;
    expect(hosts.find((h: { ip: string }) => h.ip === '10.9.0.1').metadata).toEqual({ k2: 'v2' });
  });
});

describe('v1 service, cluster, operator, catalog', () => {
  test('service CRUD, list, protection threshold, cluster settings', async () => {
    expect(
      (
        await form('POST', `${t.nacos}/v1/ns/service`, {
          serviceName: 'svc-crud',
          protectThreshold: 0.6,
          metadata: 'team=a',
        })
      ).text,
    ).toBe('ok');
    const dup = await form('POST', `${t.nacos}/v1/ns/service`, { serviceName: 'svc-crud' });
    expect(dup.status).toBe(400);
    expect(dup.text).toContain('already exists');
    await form('PUT', `${t.nacos}/v1/ns/cluster`, {
      serviceName: 'svc-crud',
      clusterName: 'DEFAULT',
      healthChecker: '{"type":"HTTP","path":"/health"}',
      checkPort: 8081,
      useInstancePort4Check: false,
    });
    const detail = await json('/v1/ns/service?serviceName=svc-crud');
    expect(detail).toMatchObject({
      namespaceId: 'public',
      groupName: 'DEFAULT_GROUP',
      name: 'svc-crud',
      protectThreshold: 0.6,
      metadata: { team: 'a' },
      selector: { type: 'none' },
      clusters: [{ name: 'DEFAULT', healthChecker: { type: 'HTTP', path: '/health' }, metadata: {} }],
    });
    await form('POST', `${t.nacos}/v1/ns/instance`, {
      serviceName: 'svc-crud',
      ip: '1.1.1.1',
      port: 1,
      healthy: false,
      ephemeral: false,
    });
    await form('POST', `${t.nacos}/v1/ns/instance`, {
      serviceName: 'svc-crud',
      ip: '1.1.1.2',
      port: 1,
      ephemeral: false,
    });
    const protectedInfo = await json('/v1/ns/instance/list?serviceName=svc-crud');
    expect(protectedInfo.reachProtectionThreshold).toBe(true);
    expect(protectedInfo.hosts.every((h: { healthy: boolean }) => h.healthy)).toBe(true);
    const del = await form('DELETE', `${t.nacos}/v1/ns/service`, { serviceName: 'svc-crud' });
    expect(del.status).toBe(400);
    const list = await json('/v1/ns/service/list?pageNo=1&pageSize=100');
    expect(list.doms).toContain('svc-crud');
    expect(list.count).toBe(list.doms.length);
    const missing = await get('/v1/ns/service?serviceName=nope');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('service not found');
    const v3 = await json('/v3/admin/ns/service/list?pageNo=1&pageSize=10');
    expect(v3.data.pageItems.find((s: { name: string }) => s.name === 'svc-crud')).toMatchObject({
      ipCount: 2,
      healthyInstanceCount: 1,
    });
    const catalog = await json('/v1/ns/catalog/services?pageNo=1&pageSize=10&serviceNameParam=svc-crud');
    expect(catalog.count).toBe(1);
    expect(catalog.serviceList[0]).toMatchObject({ name: 'svc-crud', ipCount: 2, clusterCount: 1 });
  });

  test('operator metrics and switches', async () => {
    expect(await get('/v1/ns/operator/metrics')).toEqual({ status: 200, text: '{"status":"UP"}' });
    const full = await json('/v1/ns/operator/metrics?onlyStatus=false');
    expect(full.status).toBe('UP');
    expect(full.serviceCount).toBeGreaterThan(0);
    expect((await json('/v1/ns/operator/switches')).lightBeatEnabled).toBe(true);
    expect(
      (await form('PUT', `${t.nacos}/v1/ns/operator/switches`, { entry: 'lightBeatEnabled', value: 'false' }))
        .text,
    ).toBe('ok');
    const beat = await form('PUT', `${t.nacos}/v1/ns/instance/beat`, {
      serviceName: 'x',
      ip: '1.1.1.1',
      port: 1,
    });
    expect(JSON.parse(beat.text).lightBeatEnabled).toBe(false);
    await form('PUT', `${t.nacos}/v1/ns/operator/switches`, { entry: 'lightBeatEnabled', value: 'true' });
    expect(
      (await form('PUT', `${t.nacos}/v1/ns/operator/switches`, { entry: 'nope', value: '1' })).status,
    ).toBe(400);
    const metrics = await (await fetch(`${t.nacos}/metrics`)).text();
    expect(metrics).toMatch(/batata_service_register_total \d+/);
    expect(metrics).toMatch(/batata_service_query_total \d+/);
    expect(metrics).toMatch(/batata_naming_instances \d+/);
  });
});

describe('v2 and v3 APIs', () => {
  test('v2 instance + list + beat + service list with Result envelope', async () => {
    const r = await form('POST', `${t.nacos}/v2/ns/instance`, {
      serviceName: 'v2svc',
      ip: '2.2.2.2',
      port: 22,
    });
    expect(JSON.parse(r.text)).toEqual({ code: 0, message: 'success', data: 'ok' });
    const list = await json('/v2/ns/instance/list?serviceName=v2svc');
    expect(list.code).toBe(0);
    expect(list.data.name).toBe('DEFAULT_GROUP@@v2svc');
    expect(list.data.hosts[0].ip).toBe('2.2.2.2');
    const beat = await form('PUT', `${t.nacos}/v2/ns/instance/beat`, {
      serviceName: 'v2svc',
      ip: '2.2.2.2',
      port: 22,
    });
    expect(JSON.parse(beat.text).data).toEqual({
      clientBeatInterval: 5000,
      code: 10200,
      lightBeatEnabled: true,
    });
    expect((await json('/v2/ns/service/list?pageNo=1&pageSize=100')).data.services).toContain('v2svc');
    const detail = await json('/v2/ns/instance?serviceName=v2svc&ip=2.2.2.2&port=22');
    expect(detail.data).toMatchObject({ serviceName: 'DEFAULT_GROUP@@v2svc', ip: '2.2.2.2' });
    const nf = await get('/v2/ns/service?serviceName=nope');
    expect(nf.status).toBe(404);
    expect(JSON.parse(nf.text)).toMatchObject({ code: 21008 });
    const clients = await json('/v2/ns/client/list');
    expect(clients.data.clientIds).toContain('2.2.2.2:22#true');
    const pub = await json(`/v2/ns/client/publish/list?clientId=${encodeURIComponent('2.2.2.2:22#true')}`);
    expect(pub.data[0]).toMatchObject({
      serviceName: 'v2svc',
      registeredInstance: { ip: '2.2.2.2', port: 22 },
    });
  });

  test('v3 client: register, heartBeat=true, list, deregister; v3 admin detail', async () => {
    const r = await form('POST', `${t.nacos}/v3/client/ns/instance`, {
      serviceName: 'v3svc',
      groupName: 'g3',
      ip: '3.3.3.3',
      port: 33,
    });
    expect(JSON.parse(r.text).data).toBe('ok');
    const hb = await form('POST', `${t.nacos}/v3/client/ns/instance`, {
      serviceName: 'v3svc',
      groupName: 'g3',
      ip: '3.3.3.3',
      port: 33,
      heartBeat: true,
    });
    expect(JSON.parse(hb.text).code).toBe(0);
    const hbMissing = await form('POST', `${t.nacos}/v3/client/ns/instance`, {
      serviceName: 'v3svc',
      groupName: 'g3',
      ip: '9.9.9.9',
      port: 33,
      heartBeat: true,
    });
    expect(JSON.parse(hbMissing.text).code).toBe(21003);
    const list = await json('/v3/client/ns/instance/list?serviceName=v3svc&groupName=g3');
    expect(list.data.map((h: { ip: string }) => h.ip)).toEqual(['3.3.3.3']);
    const admin = await json('/v3/admin/ns/instance?serviceName=v3svc&groupName=g3&ip=3.3.3.3&port=33');
    expect(admin.data).toMatchObject({
      ip: '3.3.3.3',
      serviceName: 'g3@@v3svc',
      instanceId: '3.3.3.3#33#DEFAULT#g3@@v3svc',
    });
    await form('DELETE', `${t.nacos}/v3/client/ns/instance`, {
      serviceName: 'v3svc',
      groupName: 'g3',
      ip: '3.3.3.3',
      port: 33,
    });
    expect((await json('/v3/client/ns/instance/list?serviceName=v3svc&groupName=g3')).data).toEqual([]);
  });

  test('console routes (console port plugin)', async () => {
    const naming = t.server.services.naming as NamingService;
    const app = new Elysia().use(
      consoleNamingRoutes({
        naming,
        switches: new NamingSwitches({
          pushEnabled: true,
          healthCheckEnabled: true,
          defaultInstanceEphemeral: true,
        }),
        status: () => 'UP',
      }),
    );
    const call = async (method: string, path: string, params: Record<string, string> = {}) => {
      const body = new URLSearchParams(params).toString();
      const res = await app.handle(
        new Request(`http://localhost${path}`, {
          method,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: method === 'GET' ? undefined : body,
        }),
      );
      return res.json();
    };
    expect(
      await call('POST', '/v3/console/ns/service', { serviceName: 'console-svc', protectThreshold: '0.2' }),
    ).toMatchObject({ data: 'ok' });
    expect((await call('GET', '/v3/console/ns/service?serviceName=console-svc')).data).toMatchObject({
      serviceName: 'console-svc',
      protectThreshold: 0.2,
    });
    await naming.registerInstance(
      { namespaceId: 'public', groupName: 'DEFAULT_GROUP', serviceName: 'console-svc' },
      { ip: '4.4.4.4', port: 4 },
    );
    const inst = await call(
      'GET',
      '/v3/console/ns/instance/list?serviceName=console-svc&pageNo=1&pageSize=10',
    );
    expect(inst.data).toMatchObject({ totalCount: 1, pageItems: [{ ip: '4.4.4.4' }] });
    expect((await call('GET', '/v3/console/ns/service/selector/types')).data).toEqual(['none', 'label']);
    expect(
      (
        await call('PUT', '/v3/console/ns/service/cluster', {
          serviceName: 'console-svc',
          clusterName: 'DEFAULT',
          healthChecker: '{"type":"NONE"}',
        })
      ).data,
    ).toBe('ok');
  });
});

describe('legacy UDP push', () => {
  test('a 1.x client passing udpPort gets a dom push and its ack is accepted', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const port = sock.address().port;
    const packets: Array<{ type: string; data: string; lastRefTime: number }> = [];
    sock.on('message', (msg, rinfo) => {
      const raw = msg[0] === 0x1f && msg[1] === 0x8b ? gunzipSync(msg) : msg;
      const p = JSON.parse(raw.toString());
      packets.push(p);
      sock.send(
        JSON.stringify({ type: 'push-ack', lastRefTime: p.lastRefTime, data: '' }),
        rinfo.port,
        rinfo.address,
      );
    });
    try {
      await get(`/v1/ns/instance/list?serviceName=udp-svc&udpPort=${port}&clientIP=127.0.0.1`);
      await form('POST', `${t.nacos}/v1/ns/instance`, { serviceName: 'udp-svc', ip: '5.5.5.5', port: 5 });
      const end = Date.now() + 5000;
      while (!packets.length && Date.now() < end) await Bun.sleep(50);
      expect(packets[0]!.type).toBe('dom');
      const info = JSON.parse(packets[0]!.data);
      expect(info.name).toBe('DEFAULT_GROUP@@udp-svc');
      expect(info.hosts[0].ip).toBe('5.5.5.5');
      const subs = await json('/v1/ns/service/subscribers?serviceName=udp-svc');
      expect(subs.subscribers[0]).toMatchObject({ ip: '127.0.0.1', port, addrStr: `127.0.0.1:${port}` });
    } finally {
      sock.close();
    }
  });
});
