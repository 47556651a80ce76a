import { afterAll, expect, test } from 'bun:test';
import { type BinaryServer, spawnBinary } from '../support/binary';
import { NacosGrpcClient } from '../support/grpc-client';

let bin: BinaryServer | undefined;
const clients: NacosGrpcClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  if (bin && bin.proc.exitCode === null) await bin.kill9();
});

test('compiled binary: SDK handshake, config push, naming push and cleanup, ConnectReset on SIGTERM', async () => {
  bin = await spawnBinary();
  const addr = `127.0.0.1:${bin.ports.sdk}`;
  const c = await NacosGrpcClient.connect(addr);
  const n = await NacosGrpcClient.connect(addr, { labels: { source: 'sdk', module: 'naming' } });
  clients.push(c, n);
  expect(c.serverCheck!.body).toMatchObject({
    resultCode: 200,
    success: true,
    supportAbilityNegotiation: true,
  });
  expect(c.setupAck!.body.abilityTable).toMatchObject({
    supportPersistentInstanceByGrpc: true,
    fuzzyWatch: true,
  });
  expect(await c.request('HealthCheckRequest', {})).toEqual({
    type: 'HealthCheckResponse',
    body: { resultCode: 200, errorCode: 0, success: true },
  });
  expect((await c.request('NoSuchRequest', {})).body.errorCode).toBe(302);

  // Config: listen, publish from another connection, push, query.
  const key = { dataId: 'e2e.yaml', group: 'DEFAULT_GROUP', tenant: '' };
  const listen = await c.request('ConfigBatchListenRequest', {
    listen: true,
    configListenContexts: [{ ...key, md5: '' }],
  });
  expect(listen.body.changedConfigs).toEqual([]);
  expect(
    (await n.request('ConfigPublishRequest', { ...key, content: 'k: v', additionMap: { type: 'yaml' } })).body
      .success,
  ).toBe(true);
  await c.waitFor('ConfigChangeNotifyRequest', 3000, (b) => b.dataId === 'e2e.yaml');
  expect((await c.request('ConfigQueryRequest', key)).body).toMatchObject({
    content: 'k: v',
    contentType: 'yaml',
  });

  // Naming: register on one connection, subscribe on the other; disconnect removes and pushes.
  const svc = { namespace: 'public', serviceName: 'e2e-svc', groupName: 'DEFAULT_GROUP' };
  await n.request('InstanceRequest', {
    ...svc,
    type: 'registerInstance',
    instance: { ip: '10.2.2.2', port: 8080 },
  });
  const sub = await c.request('SubscribeServiceRequest', { ...svc, subscribe: true, clusters: '' });
  expect(sub.body.serviceInfo.hosts.map((h: any) => h.ip)).toEqual(['10.2.2.2']);
  const mark = c.pushes.length;
  const closedAt = performance.now();
  n.close();
  const gone = await c.waitFor(
    'NotifySubscriberRequest',
    3000,
    (b) => b.serviceInfo.hosts.length === 0,
    mark,
  );
  // Issue target: instance removed and subscribers pushed ≤ 1 s after the connection drops
  // (the push debounce is 500 ms).
  expect(performance.now() - closedAt).toBeLessThan(1000);
  expect(gone.body.serviceInfo).toMatchObject({ name: 'e2e-svc', allIPs: false, allIps: false });

  const metrics = await (await fetch(`${bin.nacos}/metrics`)).text();
  expect(metrics).toMatch(/^batata_active_connections 1$/m);
  expect(metrics).toMatch(
    /batata_grpc_push_total\{type="ConfigChangeNotifyRequest",result="success"\} [1-9]/,
  );
  expect(await bin.stop()).toBe(0);
  expect((await c.waitFor('ConnectResetRequest', 1000)).body.module).toBe('internal');
});
