/**
 * SDK gRPC port benchmark against the compiled binary (issue targets: 10 k connections each
 * listening 10 configs in ≤ 1 GB RSS; one change pushed to all listeners within 1 s;
 * ConfigQueryRequest p99 ≤ 2 ms at moderate load).
 *
 *   bun run build && bun bench/grpc.ts --connections 2000 --keys 10 --queries 5000 --concurrency 8
 *
 * The clients are the test SDK client (test/support/grpc-client.ts) in this process, so large
 * connection counts are bounded by this process too; the server RSS is read from /proc.
 */
import { parseArgs } from 'node:util';
import { NacosGrpcClient } from '../test/support/grpc-client';
import { freePort, rssMb, spawnBatata } from './common';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '2000' },
    keys: { type: 'string', default: '10' },
    queries: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '8' },
  },
});
const N = Number(values.connections);
const K = Number(values.keys);
const Q = Number(values.queries);
const C = Number(values.concurrency);

const sdkPort = await freePort();
const server = await spawnBatata({ args: ['--set', `nacos.sdk.port=${sdkPort}`] });
const addr = `127.0.0.1:${sdkPort}`;
const rows: Array<[string, string]> = [];
try {
  const rssIdle = await rssMb(server.proc.pid);
  const writer = await NacosGrpcClient.connect(addr);
  const key = (i: number) => ({ dataId: `bench-${i}`, group: 'DEFAULT_GROUP', tenant: '' });
  for (let i = 0; i < K; i++) await writer.request('ConfigPublishRequest', { ...key(i), content: `v=${i}` });

  const t0 = performance.now();
  const clients: NacosGrpcClient[] = [];
  for (let i = 0; i < N; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, N - i) }, async () => {
        const c = await NacosGrpcClient.connect(addr);
        const ctxs = Array.from({ length: K }, (_, k) => ({ ...key(k), md5: '' }));
        await c.request('ConfigBatchListenRequest', { listen: true, configListenContexts: ctxs });
        return c;
      }),
    );
    clients.push(...batch);
  }
  rows.push([
    `${N} connections × ${K} listened keys: set-up time`,
    `${Math.round(performance.now() - t0)} ms`,
  ]);
  rows.push(['server RSS idle → with listeners', `${rssIdle} MB → ${await rssMb(server.proc.pid)} MB`]);

  // One change, pushed to every listener.
  const marks = clients.map((c) => c.pushes.length);
  const p0 = performance.now();
  await writer.request('ConfigPublishRequest', { ...key(0), content: 'changed' });
  await Promise.all(
    clients.map((c, i) =>
      c.waitFor('ConfigChangeNotifyRequest', 30_000, (b) => b.dataId === 'bench-0', marks[i]),
    ),
  );
  rows.push([`one change pushed to all ${N} listeners`, `${Math.round(performance.now() - p0)} ms`]);

  // ConfigQueryRequest round trips with C concurrent callers.
  const lat: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: C }, async (_, w) => {
      const c = clients[w % clients.length]!;
      while (next < Q) {
        next++;
        const s = performance.now();
        await c.request('ConfigQueryRequest', key(next % K));
        lat.push(performance.now() - s);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!.toFixed(2);
  rows.push([`ConfigQueryRequest × ${Q}, ${C} concurrent: p50 / p99`, `${pct(0.5)} ms / ${pct(0.99)} ms`]);
  rows.push(['server RSS after', `${await rssMb(server.proc.pid)} MB`]);
  for (const c of clients) c.close();
  writer.close();
} finally {
  await server.stop();
}
console.log('| measure | result |\n|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
