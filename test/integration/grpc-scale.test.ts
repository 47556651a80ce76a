import { afterAll, beforeAll, expect, test } from 'bun:test';
import { NacosGrpcClient } from '../support/grpc-client';
import { startTestServer, type TestServer } from '../support/server';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.stop();
});

const gauge = async () => {
  const text = await (await fetch(`${srv.nacos}/metrics`)).text();
  return Number(/^batata_active_connections (\d+)/m.exec(text)?.[1]);
};

test('2 000 concurrent SDK connections register, answer and unregister', async () => {
  const addr = `127.0.0.1:${srv.ports.sdk}`;
  const N = 2000;
  const clients: NacosGrpcClient[] = [];
  const t0 = Date.now();
  for (let i = 0; i < N; i += 250) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(250, N - i) }, () => NacosGrpcClient.connect(addr)),
    );
    clients.push(...batch);
  }
  const connected = Date.now() - t0;
  expect(await gauge()).toBe(N);
  expect(new Set(clients.map((c) => c.connectionId)).size).toBe(N);
  const replies = await Promise.all(clients.map((c) => c.request('HealthCheckRequest', {})));
  expect(replies.every((r) => r.type === 'HealthCheckResponse')).toBe(true);
  for (const c of clients) c.close();
  const t1 = Date.now();
  while ((await gauge()) > 0 && Date.now() - t1 < 10_000) await Bun.sleep(50);
  expect(await gauge()).toBe(0);
  console.log(`2k connections: connect ${connected} ms, total ${Date.now() - t0} ms`);
}, 60_000);
