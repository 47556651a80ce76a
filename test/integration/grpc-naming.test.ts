import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { NacosGrpcClient } from '../support/grpc-client';
import { startTestServer, type TestServer } from '../support/server';

let srv: TestServer;
let addr: string;
const clients: NacosGrpcClient[] = [];
const NAMING_LABELS = { source: 'sdk', module: 'naming', AppName: 'it' };
const open = async (opts = {}) => {
  const c = await NacosGrpcClient.connect(addr, { labels: NAMING_LABELS, ...opts });
  clients.push(c);
  return c;
};
const svc = (serviceName: string, extra: Record<string, unknown> = {}) => ({
  namespace: 'public',
  serviceName,
  groupName: 'DEFAULT_GROUP',
  module: 'naming',
  ...extra,
});
const register = (c: NacosGrpcClient, service: string, port: number, extra: Record<string, unknown> = {}) =>
  c.request(
    'InstanceRequest',
    svc(service, {
      type: 'registerInstance',
      instance: {
        ip: '10.0.0.5',
        port,
        weight: 1,
        healthy: true,
        enabled: true,
        ephemeral: true,
        clusterName: 'DEFAULT',
        metadata: { v: '1' },
        ...extra,
      },
    }),
  );
const httpHosts = async (service: string) => {
  const r = await fetch(`${srv.nacos}/v1/ns/instance/list?serviceName=${service}`);
  return ((await r.json()).hosts as any[]).map((h) => `${h.ip}:${h.port}`).sort();
};
const hostsOf = (m: { body: any }) =>
  (m.body.serviceInfo.hosts as any[]).map((h) => `${h.ip}:${h.port}`).sort();

beforeAll(async () => {
  srv = await startTestServer({ 'naming.push.delay-ms': 100 });
  addr = `127.0.0.1:${srv.ports.sdk}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.stop();
});

describe('naming over gRPC', () => {
  test('register, subscribe, push on another client change, replace/batch semantics, disconnect cleanup', async () => {
    const a = await open();
    const b = await open();
    const reg = await register(a, 'order', 8080);
    expect(reg).toEqual({
      type: 'InstanceResponse',
      body: { type: 'registerInstance', resultCode: 200, errorCode: 0, success: true },
    });
    const sub = await b.request('SubscribeServiceRequest', svc('order', { subscribe: true, clusters: '' }));
    expect(sub.type).toBe('SubscribeServiceResponse');
    expect(sub.body).toMatchObject({ resultCode: 200, success: true, message: 'success' });
    const info = sub.body.serviceInfo;
    expect(info).toMatchObject({
      name: 'order',
      groupName: 'DEFAULT_GROUP',
      clusters: '',
      cacheMillis: 10000,
      checksum: '',
      allIPs: false,
      allIps: false,
      reachProtectionThreshold: false,
      valid: true,
    });
    expect(typeof info.lastRefTime).toBe('number');
    expect(info.hosts[0]).toMatchObject({
      instanceId: '10.0.0.5#8080#DEFAULT#DEFAULT_GROUP@@order',
      ip: '10.0.0.5',
      port: 8080,
      serviceName: 'DEFAULT_GROUP@@order',
      metadata: { v: '1' },
      instanceHeartBeatInterval: 5000,
      instanceHeartBeatTimeOut: 15000,
      ipDeleteTimeout: 30000,
      ephemeral: true,
    });
    // The first push after subscribing goes to the subscriber.
    const first = await b.waitFor('NotifySubscriberRequest', 3000);
    expect(first.body).toMatchObject({ module: 'naming', headers: {} });
    expect(typeof first.body.requestId).toBe('string');
    expect(first.body.serviceInfo.allIps).toBe(false);
    expect(hostsOf(first)).toEqual(['10.0.0.5:8080']);
    expect(await httpHosts('order')).toEqual(['10.0.0.5:8080']);

    // A second register from the same connection replaces its instance.
    let mark = b.pushes.length;
    await register(a, 'order', 9090);
    const replaced = await b.waitFor(
      'NotifySubscriberRequest',
      3000,
      (x) => x.serviceInfo.hosts.some((h: any) => h.port === 9090),
      mark,
    );
    expect(hostsOf(replaced)).toEqual(['10.0.0.5:9090']);

    mark = b.pushes.length;
    const batch = await a.request(
      'BatchInstanceRequest',
      svc('order', {
        type: 'batchRegisterInstance',
        instances: [
          { ip: '10.0.0.6', port: 1 },
          { ip: '10.0.0.7', port: 2 },
        ],
      }),
    );
    expect(batch.type).toBe('BatchInstanceResponse');
    expect(batch.body).toMatchObject({ type: 'batchRegisterInstance', success: true });
    const batched = await b.waitFor(
      'NotifySubscriberRequest',
      3000,
      (x) => x.serviceInfo.hosts.length === 2,
      mark,
    );
    expect(hostsOf(batched)).toEqual(['10.0.0.6:1', '10.0.0.7:2']);

    const q = await b.request(
      'ServiceQueryRequest',
      svc('order', { cluster: '', healthyOnly: false, udpPort: 0 }),
    );
    expect(q.type).toBe('QueryServiceResponse');
    expect(q.body.serviceInfo.hosts).toHaveLength(2);

    // Disconnect: instances go away and subscribers are pushed within about a second.
    mark = b.pushes.length;
    const t0 = Date.now();
    a.close();
    const gone = await b.waitFor(
      'NotifySubscriberRequest',
      3000,
      (x) => x.serviceInfo.hosts.length === 0,
      mark,
    );
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(gone.body.serviceInfo.name).toBe('order');
    expect(await httpHosts('order')).toEqual([]);
  });

  test('deregister, unsubscribe, service list, persistent instances', async () => {
    const a = await open();
    await register(a, 'pay', 1000);
    expect(await httpHosts('pay')).toEqual(['10.0.0.5:1000']);
    const dereg = await a.request(
      'InstanceRequest',
      svc('pay', { type: 'deregisterInstance', instance: { ip: '10.0.0.5', port: 1000 } }),
    );
    expect(dereg.body).toMatchObject({ type: 'deregisterInstance', resultCode: 200 });
    expect(await httpHosts('pay')).toEqual([]);

    const b = await open();
    await b.request('SubscribeServiceRequest', svc('pay', { subscribe: true, clusters: '' }));
    const un = await b.request('SubscribeServiceRequest', svc('pay', { subscribe: false, clusters: '' }));
    expect(un.body.success).toBe(true);
    await Bun.sleep(250);
    const mark = b.pushes.length;
    await register(a, 'pay', 1001);
    await Bun.sleep(400);
    expect(b.pushes.slice(mark).filter((p) => p.type === 'NotifySubscriberRequest')).toHaveLength(0);

    const list = await a.request('ServiceListRequest', {
      namespace: 'public',
      groupName: 'DEFAULT_GROUP',
      serviceName: '',
      pageNo: 1,
      pageSize: 100,
      module: 'naming',
    });
    expect(list.type).toBe('ServiceListResponse');
    expect(list.body.serviceNames).toContain('pay');
    expect(list.body.count).toBeGreaterThanOrEqual(list.body.serviceNames.length);
    const far = await a.request('ServiceListRequest', {
      namespace: 'public',
      groupName: 'DEFAULT_GROUP',
      pageNo: 99,
      pageSize: 10,
    });
    expect(far.body.serviceNames).toEqual([]);

    const p = await a.request(
      'PersistentInstanceRequest',
      svc('durable', { type: 'registerInstance', instance: { ip: '10.1.1.1', port: 80, ephemeral: false } }),
    );
    expect(p.type).toBe('InstanceResponse');
    expect(p.body.success).toBe(true);
    a.close();
    await Bun.sleep(200);
    expect(await httpHosts('durable')).toEqual(['10.1.1.1:80']);
  });

  test('bad input gets the typed response with an error code, never a broken call', async () => {
    const a = await open();
    const noInstance = await a.request('InstanceRequest', svc('x', { type: 'registerInstance' }));
    expect(noInstance.type).toBe('InstanceResponse');
    expect(noInstance.body).toMatchObject({ resultCode: 500, errorCode: 400, success: false });
    const badType = await a.request(
      'InstanceRequest',
      svc('x', { type: 'nope', instance: { ip: '1.1.1.1', port: 1 } }),
    );
    expect(badType.body).toMatchObject({
      resultCode: 500,
      errorCode: 400,
      message: 'Unsupported request type nope',
    });
    const noName = await a.request('ServiceQueryRequest', { namespace: 'public', groupName: 'G' });
    expect(noName.type).toBe('QueryServiceResponse');
    expect(noName.body.errorCode).toBe(400);
    const badPort = await register(a, 'x', 70000);
    expect(badPort.body.errorCode).toBe(400);
    const wrongTypes = await a.request(
      'InstanceRequest',
      svc('x', { type: 'registerInstance', instance: { ip: 5, port: '80' } }),
    );
    expect(wrongTypes.body.errorCode).toBe(400);
    expect((await a.request('HealthCheckRequest', {})).type).toBe('HealthCheckResponse');
  });

  test('a subscriber that never acks does not delay pushes to others', async () => {
    const writer = await open();
    const slow = await open({ autoAck: false });
    const fast = await open();
    for (const c of [slow, fast])
      await c.request('SubscribeServiceRequest', svc('hot', { subscribe: true, clusters: '' }));
    for (let i = 0; i < 5; i++) {
      const mark = fast.pushes.length;
      await register(writer, 'hot', 2000 + i);
      const t0 = Date.now();
      await fast.waitFor(
        'NotifySubscriberRequest',
        3000,
        (x) => x.serviceInfo.hosts.some((h: any) => h.port === 2000 + i),
        mark,
      );
      expect(Date.now() - t0).toBeLessThan(1500);
    }
    expect(slow.pushes.filter((p) => p.type === 'NotifySubscriberRequest').length).toBeGreaterThan(0);
    expect(slow.streamClosed).toBe(false);
  });
});

describe('3.x naming fuzzy watch', () => {
  test('initial sync of services with instances, then ADD_SERVICE / DELETE_SERVICE notifies', async () => {
    const owner = await open();
    await register(owner, 'fz-one', 1);
    const w = await open();
    const pattern = 'public>>DEFAULT_GROUP>>fz-*';
    const r = await w.request('NamingFuzzyWatchRequest', {
      namespace: 'public',
      groupKeyPattern: pattern,
      receivedGroupKeys: [],
      watchType: 'WATCH',
      initializing: true,
      module: 'naming',
    });
    expect(r).toEqual({
      type: 'NamingFuzzyWatchResponse',
      body: { resultCode: 200, errorCode: 0, success: true },
    });
    const sync = await w.waitFor(
      'NamingFuzzyWatchSyncRequest',
      3000,
      (b) => b.syncType === 'FUZZY_WATCH_INIT_NOTIFY',
    );
    expect(sync.body).toMatchObject({
      groupKeyPattern: pattern,
      totalBatch: 1,
      currentBatch: 1,
      module: 'naming',
    });
    expect(sync.body.contexts).toEqual([
      { serviceKey: 'public@@DEFAULT_GROUP@@fz-one', changedType: 'ADD_SERVICE' },
    ]);
    await w.waitFor(
      'NamingFuzzyWatchSyncRequest',
      3000,
      (b) => b.syncType === 'FINISH_FUZZY_WATCH_INIT_NOTIFY',
    );
    const other = await open();
    await register(other, 'fz-two', 2);
    const add = await w.waitFor(
      'NamingFuzzyWatchChangeNotifyRequest',
      3000,
      (b) => b.changedType === 'ADD_SERVICE',
    );
    expect(add.body).toMatchObject({
      serviceKey: 'public@@DEFAULT_GROUP@@fz-two',
      syncType: 'FUZZY_WATCH_RESOURCE_CHANGED',
    });
    other.close();
    const del = await w.waitFor(
      'NamingFuzzyWatchChangeNotifyRequest',
      3000,
      (b) => b.changedType === 'DELETE_SERVICE',
    );
    expect(del.body.serviceKey).toBe('public@@DEFAULT_GROUP@@fz-two');
    const bad = await w.request('NamingFuzzyWatchRequest', { groupKeyPattern: pattern, watchType: 'X' });
    expect(bad).toEqual({
      type: 'NamingFuzzyWatchResponse',
      body: { resultCode: 500, errorCode: 400, message: 'Unsupported request type X', success: false },
    });
  });
});

describe('3.x naming fuzzy watch limits', () => {
  let s: TestServer;
  const conns: NacosGrpcClient[] = [];
  beforeAll(async () => {
    s = await startTestServer({
      'naming.push.delay-ms': 100,
      'nacos.naming.fuzzy.watch.max.pattern.count': 1,
      'nacos.naming.fuzzy.watch.max.pattern.match.service.count': 2,
    });
  });
  afterAll(async () => {
    for (const c of conns) c.close();
    await s.stop();
  });
  const connect = async () => {
    const c = await NacosGrpcClient.connect(`127.0.0.1:${s.ports.sdk}`, { labels: NAMING_LABELS });
    conns.push(c);
    return c;
  };
  const watch = (c: NacosGrpcClient, pattern: string, watchType = 'WATCH') =>
    c.request('NamingFuzzyWatchRequest', {
      namespace: 'public',
      groupKeyPattern: pattern,
      receivedGroupKeys: [],
      watchType,
      initializing: true,
      module: 'naming',
    });

  test('50311 when a pattern matches the service count (watch kept, extra services not notified), 50310 for one pattern too many', async () => {
    const owners = await Promise.all([connect(), connect(), connect(), connect()]);
    for (const [i, o] of owners.slice(0, 3).entries()) await register(o, `lim-${i}`, 9000 + i);
    const w = await connect();
    const r = await watch(w, 'public>>DEFAULT_GROUP>>lim-*');
    expect(r).toEqual({
      type: 'NamingFuzzyWatchResponse',
      body: {
        resultCode: 500,
        errorCode: 50311,
        message: 'fuzzy watch pattern matched count over limit',
        success: false,
      },
    });
    await w.waitFor(
      'NamingFuzzyWatchSyncRequest',
      3000,
      (b) => b.syncType === 'FINISH_FUZZY_WATCH_INIT_NOTIFY',
    );
    const synced = w.pushes
      .filter((p) => p.type === 'NamingFuzzyWatchSyncRequest')
      .flatMap((p) => p.body.contexts)
      .map((x: any) => x.serviceKey as string);
    expect(synced).toHaveLength(2);
    // A fourth service is not notified (the pattern is full); losing a tracked one is.
    await register(owners[3]!, 'lim-3', 9003);
    const tracked = Number(synced[0]!.split('-').pop());
    owners[tracked]!.close();
    const del = await w.waitFor('NamingFuzzyWatchChangeNotifyRequest', 3000);
    expect(del.body).toMatchObject({ serviceKey: synced[0], changedType: 'DELETE_SERVICE' });
    expect(w.pushes.filter((p) => p.type === 'NamingFuzzyWatchChangeNotifyRequest')).toHaveLength(1);

    const other = await connect();
    expect(await watch(other, 'public>>DEFAULT_GROUP>>x-*')).toEqual({
      type: 'NamingFuzzyWatchResponse',
      body: { resultCode: 500, errorCode: 50310, message: 'fuzzy watch pattern over limit', success: false },
    });
    // After the only watcher cancels, the slot is free.
    expect((await watch(w, 'public>>DEFAULT_GROUP>>lim-*', 'CANCEL_WATCH')).body.success).toBe(true);
    expect((await watch(other, 'public>>DEFAULT_GROUP>>x-*')).body.success).toBe(true);
  });
});
