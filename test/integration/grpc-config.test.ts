import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { type ClientOptions, NacosGrpcClient } from '../support/grpc-client';
import { form, startTestServer, type TestServer } from '../support/server';

let srv: TestServer;
let addr: string;
const clients: NacosGrpcClient[] = [];
const open = async (opts: ClientOptions = {}) => {
  const c = await NacosGrpcClient.connect(addr, opts);
  clients.push(c);
  return c;
};
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const key = (dataId: string, extra: Record<string, unknown> = {}) => ({
  dataId,
  group: 'DEFAULT_GROUP',
  tenant: '',
  module: 'config',
  ...extra,
});
const publish = (c: NacosGrpcClient, dataId: string, content: string, extra: Record<string, unknown> = {}) =>
  c.request('ConfigPublishRequest', key(dataId, { content, additionMap: {}, ...extra }));
const query = (c: NacosGrpcClient, dataId: string, extra: Record<string, unknown> = {}) =>
  c.request('ConfigQueryRequest', key(dataId, extra), { notify: 'false' });
const listen = (
  c: NacosGrpcClient,
  ctxs: Array<{ dataId: string; md5: string; tenant?: string }>,
  listen = true,
) =>
  c.request('ConfigBatchListenRequest', {
    listen,
    configListenContexts: ctxs.map((x) => ({ group: 'DEFAULT_GROUP', tenant: '', ...x })),
    module: 'config',
  });

beforeAll(async () => {
  srv = await startTestServer();
  addr = `127.0.0.1:${srv.ports.sdk}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.stop();
});

describe('config over gRPC', () => {
  test('publish, query, not found, remove', async () => {
    const c = await open();
    expect(await publish(c, 'app.yaml', 'a: 1', { additionMap: { type: 'yaml', appName: 'shop' } })).toEqual({
      type: 'ConfigPublishResponse',
      body: { resultCode: 200, errorCode: 0, success: true },
    });
    const q = await query(c, 'app.yaml');
    expect(q.type).toBe('ConfigQueryResponse');
    expect(q.body).toEqual({
      resultCode: 200,
      errorCode: 0,
      content: 'a: 1',
      encryptedDataKey: '',
      contentType: 'yaml',
      md5: md5('a: 1'),
      lastModified: expect.any(Number),
      beta: false,
      success: true,
    });
    expect('tag' in q.body).toBe(false);
    // The HTTP API sees the same config.
    expect(await (await fetch(`${srv.nacos}/v1/cs/configs?dataId=app.yaml&group=DEFAULT_GROUP`)).text()).toBe(
      'a: 1',
    );

    const missing = await query(c, 'nope.yaml');
    expect(missing).toEqual({
      type: 'ConfigQueryResponse',
      body: { resultCode: 500, errorCode: 300, message: 'config data not exist', success: false },
    });
    expect((await c.request('ConfigRemoveRequest', key('app.yaml'))).body).toEqual({
      resultCode: 200,
      errorCode: 0,
      success: true,
    });
    expect((await query(c, 'app.yaml')).body.errorCode).toBe(300);
    // Removing a missing config succeeds.
    expect((await c.request('ConfigRemoveRequest', key('app.yaml'))).body.success).toBe(true);
  });

  test('CAS publish and validation errors', async () => {
    const c = await open();
    await publish(c, 'cas.txt', 'v1');
    const bad = await publish(c, 'cas.txt', 'v2', { casMd5: 'deadbeef' });
    expect(bad.type).toBe('ConfigPublishResponse');
    expect(bad.body).toMatchObject({ resultCode: 500, errorCode: 500, success: false });
    expect((await publish(c, 'cas.txt', 'v2', { casMd5: md5('v1') })).body.success).toBe(true);
    expect((await query(c, 'cas.txt')).body.content).toBe('v2');
    expect((await publish(c, 'bad id!', 'x')).body.errorCode).toBe(400);
    expect((await publish(c, 'empty.txt', '')).body.errorCode).toBe(400);
    const noContent = await c.request('ConfigPublishRequest', key('x.txt'));
    expect(noContent.body).toMatchObject({ resultCode: 500, errorCode: 400 });
  });

  test('ConfigQueryResponse errorCodes: 300 whenever nothing is visible, 400 only for malformed keys', async () => {
    const c = await open();
    const betaIp = await open({ clientIp: '10.5.5.5' });
    const notFound = { resultCode: 500, errorCode: 300, message: 'config data not exist', success: false };
    // compat(nacos): blank dataId/group pass Nacos' param check and find no cache item → 300.
    for (const q of [query(c, ''), query(c, '  '), query(c, 'x.txt', { group: '' })])
      expect(await q).toEqual({ type: 'ConfigQueryResponse', body: notFound });
    // Malformed keys are rejected by the param check: 400 in the handler's response type.
    for (const q of [
      query(c, 'bad id!'),
      query(c, 'x.txt', { group: 'g/h' }),
      query(c, 'x.txt', { tenant: 'a b' }),
    ]) {
      const r = await q;
      expect(r.type).toBe('ConfigQueryResponse');
      expect(r.body).toMatchObject({ resultCode: 500, errorCode: 400, success: false });
      expect(r.body.message).toMatch(/invalid/);
    }
    // Only a beta gray exists: visible to its IP, 300 for everybody else.
    expect(
      (await publish(c, 'beta-only.txt', 'b', { additionMap: { betaIps: '10.5.5.5' } })).body.success,
    ).toBe(true);
    expect((await query(betaIp, 'beta-only.txt')).body).toMatchObject({ content: 'b', beta: true });
    expect((await query(c, 'beta-only.txt')).body).toEqual(notFound);
    // Deleted → 300, in a namespace too.
    await publish(c, 'gone.txt', 'x', { tenant: 'dev' });
    expect((await query(c, 'gone.txt', { tenant: 'dev' })).body.content).toBe('x');
    await c.request('ConfigRemoveRequest', key('gone.txt', { tenant: 'dev' }));
    expect((await query(c, 'gone.txt', { tenant: 'dev' })).body).toEqual(notFound);
    // Reads racing a stream of writes always see a whole version: never 400 (no read-lock conflicts).
    const writes = Array.from({ length: 20 }, (_, i) => publish(c, 'hot-q.txt', `v${i}`));
    await writes[0];
    const reads = await Promise.all(Array.from({ length: 40 }, () => query(c, 'hot-q.txt')));
    await Promise.all(writes);
    for (const r of reads) {
      expect(r.body.errorCode).toBe(0);
      expect(r.body.md5).toBe(md5(r.body.content));
    }
  });

  test('batch listen reports changed keys (echoing the tenant) and pushes ConfigChangeNotifyRequest on change', async () => {
    const writer = await open();
    const l = await open();
    await publish(writer, 'watched.properties', 'x=1');
    const r = await listen(l, [
      { dataId: 'watched.properties', md5: '' },
      { dataId: 'absent.properties', md5: '' },
      { dataId: 'watched.properties', md5: '', tenant: 'public' },
    ]);
    expect(r.type).toBe('ConfigChangeBatchListenResponse');
    expect(r.body).toEqual({
      resultCode: 200,
      errorCode: 0,
      success: true,
      changedConfigs: [
        { group: 'DEFAULT_GROUP', dataId: 'watched.properties', tenant: '' },
        { group: 'DEFAULT_GROUP', dataId: 'watched.properties', tenant: 'public' },
      ],
    });
    const upToDate = await listen(l, [{ dataId: 'watched.properties', md5: md5('x=1') }]);
    expect(upToDate.body.changedConfigs).toEqual([]);

    // A change from another transport (HTTP v1) reaches the gRPC listener.
    let mark = l.pushes.length;
    await form('POST', `${srv.nacos}/v1/cs/configs`, {
      dataId: 'watched.properties',
      group: 'DEFAULT_GROUP',
      content: 'x=2',
    });
    const push = await l.waitFor(
      'ConfigChangeNotifyRequest',
      3000,
      (b) => b.dataId === 'watched.properties',
      mark,
    );
    expect(push.body).toEqual({
      headers: {},
      requestId: expect.any(String),
      dataId: 'watched.properties',
      group: 'DEFAULT_GROUP',
      module: 'config',
    });
    expect((await query(l, 'watched.properties')).body.content).toBe('x=2');

    // After unlisten, no more pushes.
    await listen(l, [{ dataId: 'watched.properties', md5: md5('x=2') }], false);
    mark = l.pushes.length;
    await publish(writer, 'watched.properties', 'x=3');
    await Bun.sleep(300);
    expect(l.pushes.slice(mark).filter((p) => p.type === 'ConfigChangeNotifyRequest')).toHaveLength(0);

    // A namespaced key is echoed with its tenant.
    await listen(l, [{ dataId: 'ns.txt', md5: '', tenant: 'dev' }]);
    mark = l.pushes.length;
    await publish(writer, 'ns.txt', 'in dev', { tenant: 'dev' });
    const nsPush = await l.waitFor('ConfigChangeNotifyRequest', 3000, (b) => b.dataId === 'ns.txt', mark);
    expect(nsPush.body.tenant).toBe('dev');
  });

  test('beta and tag grays: selection by connection clientIp / requested tag, push only to affected listeners', async () => {
    const writer = await open();
    const betaClient = await open({ clientIp: '10.9.9.9' });
    const other = await open({ clientIp: '10.9.9.8' });
    await publish(writer, 'gray.txt', 'formal');
    for (const c of [betaClient, other]) await listen(c, [{ dataId: 'gray.txt', md5: md5('formal') }]);
    const markB = betaClient.pushes.length;
    const markO = other.pushes.length;
    expect(
      (await publish(writer, 'gray.txt', 'beta!', { additionMap: { betaIps: '10.9.9.9' } })).body.success,
    ).toBe(true);
    await betaClient.waitFor('ConfigChangeNotifyRequest', 3000, (b) => b.dataId === 'gray.txt', markB);
    await Bun.sleep(200);
    expect(other.pushes.slice(markO).filter((p) => p.type === 'ConfigChangeNotifyRequest')).toHaveLength(0);
    const qb = await query(betaClient, 'gray.txt');
    expect(qb.body).toMatchObject({ content: 'beta!', beta: true, md5: md5('beta!') });
    expect((await query(other, 'gray.txt')).body).toMatchObject({ content: 'formal', beta: false });

    expect((await publish(writer, 'gray.txt', 'tagged', { additionMap: { tag: 'v2' } })).body.success).toBe(
      true,
    );
    const qt = await query(other, 'gray.txt', { tag: 'v2' });
    expect(qt.body.content).toBe('tagged');
    expect(decodeURIComponent(qt.body.tag.replace(/\+/g, ' '))).toContain('"expr":"v2"');
    const tagListen = (m: string) =>
      other.request(
        'ConfigBatchListenRequest',
        {
          listen: true,
          configListenContexts: [{ dataId: 'gray.txt', group: 'DEFAULT_GROUP', tenant: '', md5: m }],
        },
        { 'Vipserver-Tag': 'v2' },
      );
    expect((await tagListen(md5('formal'))).body.changedConfigs).toHaveLength(1);
    expect((await tagListen(md5('tagged'))).body.changedConfigs).toEqual([]);
    const noTag = await query(other, 'gray.txt', { tag: 'nope' });
    expect(noTag.body).toMatchObject({ resultCode: 500, errorCode: 300, tag: 'nope' });
    expect((await removeTag(writer, 'gray.txt', 'v2')).body.success).toBe(true);
    expect((await query(other, 'gray.txt', { tag: 'v2' })).body.errorCode).toBe(300);
  });

  test('a listener that never acks does not delay pushes to the others', async () => {
    const writer = await open();
    const slow = await open({ autoAck: false });
    const fast = await open();
    await publish(writer, 'hot.txt', 'v0');
    for (const c of [slow, fast]) await listen(c, [{ dataId: 'hot.txt', md5: md5('v0') }]);
    for (let i = 1; i <= 5; i++) {
      const mark = fast.pushes.length;
      const t0 = Date.now();
      await publish(writer, 'hot.txt', `v${i}`);
      await fast.waitFor('ConfigChangeNotifyRequest', 2000, (b) => b.dataId === 'hot.txt', mark);
      expect(Date.now() - t0).toBeLessThan(1000);
    }
    expect(slow.pushes.filter((p) => p.type === 'ConfigChangeNotifyRequest').length).toBeGreaterThan(0);
    expect(slow.streamClosed).toBe(false);
  });

  test('client config metrics: ClientConfigMetricRequest to every connection of an IP, over HTTP v1 and v3', async () => {
    const reporter = await open({
      clientIp: '10.7.7.7',
      ackFields: {
        ClientConfigMetricRequest: (b) => ({
          metrics: { 'client-uuid': JSON.stringify({ keys: b.metricsKeys }) },
        }),
      },
    });
    await open({ clientIp: '10.7.7.8' });
    const v1 = await (
      await fetch(`${srv.nacos}/v1/cs/metrics/current?ip=10.7.7.7&dataId=m.txt&group=G&tenant=dev`)
    ).json();
    expect(JSON.parse(v1['client-uuid'])).toEqual({
      keys: [
        { type: 'cacheData', key: 'm.txt+G+dev' },
        { type: 'snapshotData', key: 'm.txt+G+dev' },
      ],
    });
    expect(reporter.pushes.filter((p) => p.type === 'ClientConfigMetricRequest')).toHaveLength(1);
    const v3 = await (await fetch(`${srv.nacos}/v3/admin/cs/metrics/ip?ip=10.7.7.7`)).json();
    expect(v3.code).toBe(0);
    expect(JSON.parse(v3.data['client-uuid'])).toEqual({ keys: [] });
    expect(await (await fetch(`${srv.nacos}/v1/cs/metrics/current?ip=10.0.0.99`)).json()).toEqual({});
    expect((await fetch(`${srv.nacos}/v1/cs/metrics/current`)).status).toBe(400);
  });

  test('3.x fuzzy watch: initial sync, finish marker, change notifies', async () => {
    const writer = await open();
    const w = await open({ abilityTable: { fuzzyWatch: true } });
    await publish(writer, 'fz-a', '1');
    await publish(writer, 'other', '1');
    const pattern = 'public>>DEFAULT_GROUP>>fz-*';
    const r = await w.request('ConfigFuzzyWatchRequest', {
      groupKeyPattern: pattern,
      receivedGroupKeys: ['fz-gone+DEFAULT_GROUP+public'],
      watchType: 'WATCH',
      initializing: true,
      module: 'config',
    });
    expect(r).toEqual({
      type: 'ConfigFuzzyWatchResponse',
      body: { resultCode: 200, errorCode: 0, success: true },
    });
    const sync = await w.waitFor(
      'ConfigFuzzyWatchSyncRequest',
      3000,
      (b) => b.syncType === 'FUZZY_WATCH_INIT_NOTIFY',
    );
    expect(sync.body).toMatchObject({
      groupKeyPattern: pattern,
      totalBatch: 1,
      currentBatch: 1,
      module: 'config',
    });
    expect(sync.body.contexts).toEqual([
      { groupKey: 'fz-a+DEFAULT_GROUP+public', changedType: 'ADD_CONFIG' },
      { groupKey: 'fz-gone+DEFAULT_GROUP+public', changedType: 'DELETE_CONFIG' },
    ]);
    await w.waitFor(
      'ConfigFuzzyWatchSyncRequest',
      3000,
      (b) => b.syncType === 'FINISH_FUZZY_WATCH_INIT_NOTIFY',
    );
    const notifies = () => w.pushes.filter((p) => p.type === 'ConfigFuzzyWatchChangeNotifyRequest');
    // compat(nacos): a new config is notified as CONFIG_CHANGED (ConfigFuzzyWatchChangeNotifier
    // cannot tell an add from an update), an update of a known one not at all.
    await publish(writer, 'fz-b', '1');
    const added = await w.waitFor('ConfigFuzzyWatchChangeNotifyRequest', 3000);
    expect(added.body).toMatchObject({ groupKey: 'fz-b+DEFAULT_GROUP+public', changeType: 'CONFIG_CHANGED' });
    await publish(writer, 'fz-b', '2');
    await writer.request('ConfigRemoveRequest', key('fz-b'));
    const del = await w.waitFor(
      'ConfigFuzzyWatchChangeNotifyRequest',
      3000,
      (b) => b.changeType === 'DELETE_CONFIG',
    );
    expect(del.body.groupKey).toBe('fz-b+DEFAULT_GROUP+public');
    expect(notifies().map((p) => p.body.changeType)).toEqual(['CONFIG_CHANGED', 'DELETE_CONFIG']);
    // compat(nacos): config ignores an unknown watchType (success, nothing registered).
    const odd = await w.request('ConfigFuzzyWatchRequest', {
      groupKeyPattern: 'public>>X>>*',
      watchType: 'WHAT',
    });
    expect(odd.body).toEqual({ resultCode: 200, errorCode: 0, success: true });
    const bad = await w.request('ConfigFuzzyWatchRequest', {
      groupKeyPattern: 'no-splitter',
      watchType: 'WATCH',
    });
    expect(bad.body).toMatchObject({ resultCode: 500, errorCode: 400 });
  });
});

describe('3.x config fuzzy watch limits', () => {
  let s: TestServer;
  const conns: NacosGrpcClient[] = [];
  beforeAll(async () => {
    s = await startTestServer({
      'nacos.config.fuzzy.watch.max.pattern.count': 2,
      'nacos.config.fuzzy.watch.max.pattern.match.config.count': 3,
    });
  });
  afterAll(async () => {
    for (const c of conns) c.close();
    await s.stop();
  });
  const connect = async () => {
    const c = await NacosGrpcClient.connect(`127.0.0.1:${s.ports.sdk}`, {
      abilityTable: { fuzzyWatch: true },
    });
    conns.push(c);
    return c;
  };
  const watch = (
    c: NacosGrpcClient,
    pattern: string,
    watchType = 'WATCH',
    receivedGroupKeys: string[] = [],
  ) =>
    c.request('ConfigFuzzyWatchRequest', {
      groupKeyPattern: pattern,
      receivedGroupKeys,
      watchType,
      initializing: true,
      module: 'config',
    });

  test('50310 past the server-wide pattern count, 50311 when a pattern matches the config count', async () => {
    const writer = await connect();
    for (const d of ['lim-1', 'lim-2', 'lim-3', 'lim-4'])
      expect((await publish(writer, d, 'x')).body.success).toBe(true);
    const a = await connect();
    const b = await connect();
    const over = await watch(a, 'public>>DEFAULT_GROUP>>lim-*', 'WATCH', ['gone+DEFAULT_GROUP+public']);
    expect(over).toEqual({
      type: 'ConfigFuzzyWatchResponse',
      body: {
        resultCode: 500,
        errorCode: 50311,
        message: 'fuzzy watch pattern matched count over limit',
        success: false,
      },
    });
    // The watch is registered anyway: three of the four keys are synced, no delete for 'gone'.
    await a.waitFor(
      'ConfigFuzzyWatchSyncRequest',
      3000,
      (x) => x.syncType === 'FINISH_FUZZY_WATCH_INIT_NOTIFY',
    );
    const synced = a.pushes
      .filter((p) => p.type === 'ConfigFuzzyWatchSyncRequest')
      .flatMap((p) => p.body.contexts);
    expect(synced).toHaveLength(3);
    expect(synced.every((x: any) => x.changedType === 'ADD_CONFIG')).toBe(true);
    // A further match of the full pattern is not notified; a delete is.
    await publish(writer, 'lim-5', 'x');
    const known = synced.map((x: any) => x.groupKey as string);
    await writer.request('ConfigRemoveRequest', key(known[0].split('+')[0]));
    const del = await a.waitFor('ConfigFuzzyWatchChangeNotifyRequest', 3000);
    expect(del.body).toMatchObject({ groupKey: known[0], changeType: 'DELETE_CONFIG' });
    expect(a.pushes.filter((p) => p.type === 'ConfigFuzzyWatchChangeNotifyRequest')).toHaveLength(1);

    // Pattern count: two distinct patterns on the server, from any connections.
    expect((await watch(b, 'public>>DEFAULT_GROUP>>none-*')).body.success).toBe(true);
    const third = await watch(b, 'public>>DEFAULT_GROUP>>other-*');
    expect(third).toEqual({
      type: 'ConfigFuzzyWatchResponse',
      body: { resultCode: 500, errorCode: 50310, message: 'fuzzy watch pattern over limit', success: false },
    });
    // Nothing was registered for the refused pattern.
    await publish(writer, 'other-1', 'x');
    await Bun.sleep(200);
    expect(b.pushes.filter((p) => p.type === 'ConfigFuzzyWatchChangeNotifyRequest')).toHaveLength(0);
    // Joining an already watched pattern is fine; cancelling the last watcher frees the slot.
    expect((await watch(b, 'public>>DEFAULT_GROUP>>lim-*')).body.errorCode).toBe(50311);
    expect((await watch(b, 'public>>DEFAULT_GROUP>>none-*', 'CANCEL_WATCH')).body.success).toBe(true);
    expect((await watch(b, 'public>>DEFAULT_GROUP>>other-*')).body.success).toBe(true);
    // A connection that goes away releases its patterns too.
    a.close();
    b.close();
    const c = await connect();
    const t0 = Date.now();
    let r = await watch(c, 'public>>DEFAULT_GROUP>>late-*');
    while (r.body.errorCode === 50310 && Date.now() - t0 < 3000) {
      await Bun.sleep(50);
      r = await watch(c, 'public>>DEFAULT_GROUP>>late-*');
    }
    expect(r.body.success).toBe(true);
  });
});

function removeTag(c: NacosGrpcClient, dataId: string, tag: string) {
  return c.request('ConfigRemoveRequest', key(dataId, { tag }));
}
