/**
 * How many idle SDK connections one server holds: N clients each do ServerCheckRequest +
 * ConnectionSetupRequest (bi-stream, ability negotiation), stay idle past one idle-probe round
 * (ClientDetectionRequest after grpc.connection.idle-ms = 20 s), then send one HealthCheckRequest.
 *
 *   bun run build && bun bench/grpc-connections.ts --connections 2000 --hold-ms 25000
 *
 * The clients live in this process (test/support/grpc-client.ts); the server RSS is read from /proc.
 */
import { parseArgs } from 'node:util';
import { NacosGrpcClient } from '../test/support/grpc-client';
import { freePort, rssMb, spawnBatata } from './common';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '2000' },
    'hold-ms': { type: 'string', default: '25000' },
  },
});
const N = Number(values.connections);
const HOLD = Number(values['hold-ms']);

const sdkPort = await freePort();
const server = await spawnBatata({ args: ['--set', `nacos.sdk.port=${sdkPort}`] });
const addr = `127.0.0.1:${sdkPort}`;
const activeConnections = async () => {
  const text = await (await fetch(`${server.url}/nacos/metrics`)).text();
  return Number(/^batata_active_connections (\d+)/m.exec(text)?.[1] ?? -1);
};
const rows: Array<[string, string]> = [];
const clients: NacosGrpcClient[] = [];
let failed = 0;
try {
  rows.push(['server RSS idle', `${await rssMb(server.proc.pid)} MB`]);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, N - i) }, () =>
        NacosGrpcClient.connect(addr).catch(() => {
          failed++;
          return undefined;
        }),
      ),
    );
    for (const c of batch) if (c) clients.push(c);
  }
  rows.push([
    `${N} × (ServerCheck + ConnectionSetup + SetupAck)`,
    `${Math.round(performance.now() - t0)} ms, ${failed} failed`,
  ]);
  rows.push([
    'server connections / RSS after set-up',
    `${await activeConnections()} / ${await rssMb(server.proc.pid)} MB`,
  ]);
  await Bun.sleep(HOLD);
  const probed = clients.filter((c) => c.pushes.some((p) => p.type === 'ClientDetectionRequest')).length;
  const closed = clients.filter((c) => c.streamClosed).length;
  rows.push([`after ${HOLD} ms idle: probed / streams closed`, `${probed} / ${closed}`]);
  const h0 = performance.now();
  const health = await Promise.all(
    clients.map((c) =>
      c.request('HealthCheckRequest', {}).then(
        (r) => r.type === 'HealthCheckResponse',
        () => false,
      ),
    ),
  );
  rows.push([
    'HealthCheckRequest on every connection',
    `${health.filter(Boolean).length} ok in ${Math.round(performance.now() - h0)} ms`,
  ]);
  rows.push([
    'server connections / RSS at the end',
    `${await activeConnections()} / ${await rssMb(server.proc.pid)} MB`,
  ]);
} finally {
  for (const c of clients) c.close();
  await server.stop();
}
console.log('| measure | result |\n|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
