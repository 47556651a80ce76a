import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { decode, encode, NacosGrpcClient } from '../support/grpc-client';
import { startTestServer, type TestServer } from '../support/server';

let srv: TestServer;
let addr: string;
const clients: NacosGrpcClient[] = [];
const open = async (opts = {}) => {
  const c = await NacosGrpcClient.connect(addr, opts);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  srv = await startTestServer({
    'grpc.connection.idle-ms': 400,
    'grpc.connection.eject-interval-ms': 100,
    'grpc.connection.detect-timeout-ms': 300,
  });
  addr = `127.0.0.1:${srv.ports.sdk}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.stop();
});

const metric = async (name: string) => {
  const text = await (await fetch(`${srv.nacos}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name));
};

describe('gRPC connection lifecycle', () => {
  test('server check, setup with ability negotiation, health check', async () => {
    expect(srv.server.ports.sdk).toBe(srv.ports.sdk);
    const c = await open();
    expect(c.serverCheck!.body).toEqual({
      resultCode: 200,
      errorCode: 0,
      connectionId: c.connectionId,
      supportAbilityNegotiation: true,
      success: true,
    });
    expect(c.connectionId).toMatch(/^\d+_127\.0\.0\.1_\d+$/);
    expect(c.setupAck!.body).toMatchObject({
      module: 'internal',
      headers: {},
      abilityTable: { lock: false, mcp: false },
    });
    const h = await c.request('HealthCheckRequest', { module: 'internal' });
    expect(h).toEqual({
      type: 'HealthCheckResponse',
      body: { resultCode: 200, errorCode: 0, success: true },
    });
    expect((await metric('batata_active_connections'))[0]).toMatch(/ [1-9]\d*$/);
  });

  test('a client without abilityTable gets no SetupAckRequest and can still talk', async () => {
    const c = await open({ abilityTable: null });
    expect(c.setupAck).toBeUndefined();
    await Bun.sleep(50);
    expect(c.pushes.filter((p) => p.type === 'SetupAckRequest')).toHaveLength(0);
    expect((await c.request('HealthCheckRequest', {})).type).toBe('HealthCheckResponse');
  });

  test('requests before setup get ErrorResponse 301; unknown type 302; bad body 502', async () => {
    const raw = NacosGrpcClient.raw(addr);
    clients.push(raw);
    const check = await raw.request('ServerCheckRequest', {});
    expect(check.type).toBe('ServerCheckResponse');
    const r = await raw.request('HealthCheckRequest', {});
    expect(r).toEqual({
      type: 'ErrorResponse',
      body: { resultCode: 500, errorCode: 301, message: 'Connection is unregistered.', success: false },
    });
    const c = await open();
    const unknown = await c.request('NoSuchRequest', {});
    expect(unknown.type).toBe('ErrorResponse');
    expect(unknown.body).toMatchObject({
      resultCode: 500,
      errorCode: 302,
      message: 'RequestHandler Not Found',
      success: false,
    });
    const bad = await c.requestRaw(encode('HealthCheckRequest', '{not json'));
    expect(bad.type).toBe('ErrorResponse');
    expect(bad.body.errorCode).toBe(502);
    expect(bad.typeUrl).toBe('');
    const arr = await c.requestRaw(encode('HealthCheckRequest', '[1,2]'));
    expect(arr.body.errorCode).toBe(502);
    // The connection is unaffected.
    expect((await c.request('HealthCheckRequest', { extra: { unknown: true } })).type).toBe(
      'HealthCheckResponse',
    );
  });

  test('garbage on the bi-stream is ignored; the connection keeps working and others are unaffected', async () => {
    const c = await open();
    const other = await open();
    c.sendRaw(encode('ConfigChangeNotifyResponse', '{broken'));
    c.sendRaw({ metadata: {}, body: {} });
    c.sendRaw(encode('SomeRequest', { requestId: '1' }));
    c.send('ClientDetectionResponse', { requestId: 'not-a-push', resultCode: 200 });
    c.send('ConnectionSetupRequest', { labels: { source: 'sdk' } }); // a second setup is ignored
    await Bun.sleep(50);
    expect(c.streamClosed).toBe(false);
    expect((await c.request('HealthCheckRequest', {})).type).toBe('HealthCheckResponse');
    expect((await other.request('HealthCheckRequest', {})).type).toBe('HealthCheckResponse');
  });

  test('client keepalive pings are answered, even far more often than the Java client sends them', async () => {
    const c = await open({
      channelOptions: {
        'grpc.keepalive_time_ms': 200,
        'grpc.keepalive_timeout_ms': 500,
        'grpc.keepalive_permit_without_calls': 1,
      },
    });
    await Bun.sleep(1500);
    expect(c.streamClosed).toBe(false);
    expect((await c.request('HealthCheckRequest', {})).type).toBe('HealthCheckResponse');
  });

  test('idle connections are probed with ClientDetectionRequest and ejected when silent', async () => {
    const live = await open();
    const dead = await open({ autoAck: false });
    await dead.waitFor('ClientDetectionRequest', 3000);
    await live.waitFor('ClientDetectionRequest', 3000);
    const t0 = Date.now();
    while (!dead.streamClosed && Date.now() - t0 < 3000) await Bun.sleep(20);
    expect(dead.streamClosed).toBe(true);
    expect((await dead.request('HealthCheckRequest', {})).body.errorCode).toBe(301);
    expect(live.streamClosed).toBe(false);
    expect((await live.request('HealthCheckRequest', {})).type).toBe('HealthCheckResponse');
  });

  test('closing the stream unregisters the connection', async () => {
    const c = await open();
    const before = Number((await metric('batata_active_connections'))[0].split(' ')[1]);
    c.close();
    const t0 = Date.now();
    let after = before;
    while (after >= before && Date.now() - t0 < 2000) {
      await Bun.sleep(20);
      after = Number((await metric('batata_active_connections'))[0].split(' ')[1]);
    }
    expect(after).toBe(before - 1);
    const counted = await metric('batata_grpc_requests_total{type="HealthCheckRequest",result="success"}');
    expect(counted.length).toBe(1);
  });
});

test('decode helper sanity', () => {
  expect(decode(encode('X', { a: null })).raw).toBe('{"a":null}');
});

describe('inbound message limit (nacos.remote.server.grpc.sdk.max-inbound-message-size)', () => {
  const LIMIT = 2 * 1024 * 1024;
  const MAX_CONTENT = 1024 * 1024;
  let s: TestServer;
  let a: string;
  beforeAll(async () => {
    s = await startTestServer({
      'nacos.remote.server.grpc.sdk.max-inbound-message-size': LIMIT,
      'config.max-content-bytes': MAX_CONTENT,
    });
    a = `127.0.0.1:${s.ports.sdk}`;
  });
  afterAll(() => s.stop());
  const body = (bytes: number) => `{"x":"${'a'.repeat(bytes - 8)}"}`;

  test('a request over the limit fails with RESOURCE_EXHAUSTED like grpc-java; the connection survives', async () => {
    const c = await NacosGrpcClient.connect(a);
    clients.push(c);
    // Just under the limit (the envelope adds a few dozen bytes) is served normally.
    const under = await c.requestRaw(encode('HealthCheckRequest', body(LIMIT - 200)), 20_000);
    expect(under.type).toBe('HealthCheckResponse');
    const err = await c.requestRaw(encode('HealthCheckRequest', body(LIMIT + 1)), 20_000).catch((e) => e);
    expect(err.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(err.details).toContain(String(LIMIT));
    // compat(nacos): the transport stays registered; only that call failed.
    expect((await c.request('HealthCheckRequest', {})).type).toBe('HealthCheckResponse');
    expect(c.streamClosed).toBe(false);
  });

  test('config content over config.max-content-bytes: ConfigPublishResponse errorCode 400 (ParamUtils.checkParam)', async () => {
    const c = await NacosGrpcClient.connect(a);
    clients.push(c);
    const pub = (content: string) =>
      c.request('ConfigPublishRequest', {
        dataId: 'big.txt',
        group: 'DEFAULT_GROUP',
        tenant: '',
        content,
        additionMap: {},
      });
    expect(await pub('b'.repeat(MAX_CONTENT + 1))).toEqual({
      type: 'ConfigPublishResponse',
      body: {
        resultCode: 500,
        errorCode: 400,
        message: `invalid content, over ${MAX_CONTENT}`,
        success: false,
      },
    });
    expect((await pub('b'.repeat(MAX_CONTENT))).body.success).toBe(true);
    const q = await c.request('ConfigQueryRequest', {
      dataId: 'big.txt',
      group: 'DEFAULT_GROUP',
      tenant: '',
    });
    expect(q.body.content.length).toBe(MAX_CONTENT);
  });

  test('an oversize frame on the bi-stream ends the stream; the connection is unregistered', async () => {
    const c = await NacosGrpcClient.connect(a);
    clients.push(c);
    c.sendRaw(encode('ClientDetectionResponse', body(LIMIT + 1)));
    const t0 = Date.now();
    while (!c.streamClosed && Date.now() - t0 < 5000) await Bun.sleep(20);
    expect(c.streamClosed).toBe(true);
    let r = await c.request('HealthCheckRequest', {});
    while (r.type !== 'ErrorResponse' && Date.now() - t0 < 5000) {
      await Bun.sleep(20);
      r = await c.request('HealthCheckRequest', {});
    }
    expect(r.body.errorCode).toBe(301);
  });
});

describe('graceful shutdown', () => {
  test('sends ConnectResetRequest to every client, does not wait forever for a silent one', async () => {
    const s = await startTestServer({ 'grpc.shutdown.reset-wait-ms': 500 });
    const a = `127.0.0.1:${s.ports.sdk}`;
    const good = await NacosGrpcClient.connect(a);
    const silent = await NacosGrpcClient.connect(a, { autoAck: false });
    const t0 = Date.now();
    await s.stop();
    expect(Date.now() - t0).toBeLessThan(4000);
    const reset = await good.waitFor('ConnectResetRequest', 100);
    expect(reset.body).toMatchObject({ module: 'internal', headers: {} });
    expect(typeof reset.body.requestId).toBe('string');
    await silent.waitFor('ConnectResetRequest', 100);
    const t1 = Date.now();
    while (!(good.streamClosed && silent.streamClosed) && Date.now() - t1 < 2000) await Bun.sleep(20);
    expect(good.streamClosed && silent.streamClosed).toBe(true);
    good.close();
    silent.close();
  });

  test('in a cluster, ConnectResetRequest points at another member (its main port)', async () => {
    const s = await startTestServer({ 'grpc.shutdown.reset-wait-ms': 300 });
    // What the cluster module provides in cluster mode (services are read at shutdown); serverPort is a String in Java.
    s.server.services.cluster = {
      resetTarget: () => ({ ip: '10.1.2.3', port: 8848 }),
      isResponsible: () => true,
    };
    const c = await NacosGrpcClient.connect(`127.0.0.1:${s.ports.sdk}`);
    await s.stop();
    const reset = await c.waitFor('ConnectResetRequest', 1000);
    // compat(nacos): ConnectResetRequest.serverPort is a String in Java and a string in Go.
    expect(reset.body).toMatchObject({ serverIp: '10.1.2.3', serverPort: '8848', module: 'internal' });
    c.close();
  });

  test('once shutdown has begun, unary calls get ErrorResponse 300 (INVALID_SERVER_STATUS)', async () => {
    const s = await startTestServer({ 'grpc.shutdown.reset-wait-ms': 300 });
    const c = await NacosGrpcClient.connect(`127.0.0.1:${s.ports.sdk}`, { autoAck: false });
    const stopping = s.stop();
    await c.waitFor('ConnectResetRequest', 1000);
    const r = await c.request('HealthCheckRequest', {});
    expect(r.type).toBe('ErrorResponse');
    expect(r.body).toMatchObject({ errorCode: 300, message: 'Server is starting,please try later.' });
    await stopping;
    c.close();
  });
});
