import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ADMIN_PASSWORD, AUTH_ON, expiredToken, login } from '../support/auth';
import { NacosGrpcClient } from '../support/grpc-client';
import { startTestServer, type TestServer } from '../support/server';

let srv: TestServer;
let c: NacosGrpcClient;
beforeAll(async () => {
  srv = await startTestServer(AUTH_ON);
  c = await NacosGrpcClient.connect(`127.0.0.1:${srv.ports.sdk}`);
});
afterAll(async () => {
  c.close();
  await srv.stop();
});

const cfg = { dataId: 'secure.txt', group: 'DEFAULT_GROUP', tenant: '', module: 'config' };
const inst = {
  namespace: 'public',
  serviceName: 'secure-svc',
  groupName: 'DEFAULT_GROUP',
  type: 'registerInstance',
  instance: { ip: '10.0.0.1', port: 80 },
};

test('with auth on, secured requests need accessToken in the metadata headers; denials are typed 403 responses', async () => {
  // Connection management needs no token.
  expect((await c.request('HealthCheckRequest', {})).type).toBe('HealthCheckResponse');

  const denied: Array<Record<string, string>> = [
    {},
    { accessToken: 'garbage' },
    { accessToken: await expiredToken('nacos') },
  ];
  for (const headers of denied) {
    const q = await c.request('ConfigQueryRequest', cfg, headers);
    expect(q.type).toBe('ConfigQueryResponse');
    expect(q.body).toMatchObject({ resultCode: 500, errorCode: 403, success: false });
    const p = await c.request('ConfigPublishRequest', { ...cfg, content: 'x' }, headers);
    expect(p).toMatchObject({ type: 'ConfigPublishResponse', body: { errorCode: 403 } });
    const r = await c.request('InstanceRequest', inst, headers);
    expect(r).toMatchObject({ type: 'InstanceResponse', body: { errorCode: 403 } });
  }

  const token = await login(srv.nacos, 'nacos', ADMIN_PASSWORD);
  expect(
    (await c.request('ConfigPublishRequest', { ...cfg, content: 'x' }, { accessToken: token })).body.success,
  ).toBe(true);
  expect((await c.request('ConfigQueryRequest', cfg, { accessToken: token })).body.content).toBe('x');
  expect((await c.request('InstanceRequest', inst, { Authorization: `Bearer ${token}` })).body.success).toBe(
    true,
  );
  // username + password headers also authenticate (spec §E.3).
  expect(
    (await c.request('ConfigQueryRequest', cfg, { username: 'nacos', password: ADMIN_PASSWORD })).body
      .content,
  ).toBe('x');

  const metrics = await (await fetch(`${srv.nacos}/metrics`)).text();
  expect(metrics).toMatch(/batata_grpc_requests_total\{type="ConfigQueryRequest",result="no_right"\} 3/);
});
