/**
 * Per-request JavaScript cost of hot read routes, without sockets: `app.handle(new Request(...))`
 * on an in-process server, N times each, reporting µs per request. Network and scheduling noise
 * are out, so small handler changes show. Run: `bun bench/handle-cost.ts [n]`.
 */
import { startInProcessServer } from './in-process';

const N = Number(process.argv[2] ?? 50_000);
const { server, stop } = await startInProcessServer();
const base = `http://127.0.0.1:${server.ports.main}`;
try {
  await fetch(`${base}/v1/kv/hot/key`, { method: 'PUT', body: 'server:\n  port: 8080\n' });
  await fetch(`${base}/nacos/v1/cs/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'dataId=hot.yaml&group=G&content=server%3A%0A%20%20port%3A%208080%0A',
  });
  await fetch(`${base}/nacos/v1/ns/instance?serviceName=hot&ip=10.0.0.1&port=80`, { method: 'POST' });
  const paths = [
    '/nacos/v1/console/health/liveness',
    '/nacos/v1/cs/configs?dataId=hot.yaml&group=G',
    '/nacos/v1/ns/instance/list?serviceName=hot',
    '/v1/kv/hot/key',
  ];
  for (const round of [1, 2])
    for (const p of paths) {
      const url = `${base}${p}`;
      const t0 = performance.now();
      for (let i = 0; i < N; i++) {
        const r = await server.app.handle(new Request(url));
        await r.arrayBuffer();
      }
      const us = ((performance.now() - t0) * 1000) / N;
      if (round === 2) console.log(`${p.padEnd(48)} ${us.toFixed(1)} µs/request`);
    }
} finally {
  await stop();
}
