/**
 * Consul API benchmark: KV GET / KV PUT / health-service req/s against a bare Bun.serve baseline,
 * and blocking-query wake-up latency with many waiters. Run: `bun bench/consul.ts [seconds] [waiters]`.
 * Numbers depend on the machine and its load; report them with the fsync mode (storage.sync).
 */
import { startInProcessServer } from './in-process';

// Run with BUN_CONFIG_MAX_HTTP_REQUESTS above the waiter count, or fetch queues the waiters.
// The clients share this process with the server, so wake-up numbers include client-side work.
const seconds = Number(process.argv[2] ?? 3);
const waiters = Number(process.argv[3] ?? 1000);
const CONC = 32;

async function load(name: string, mk: (i: number) => Promise<Response>): Promise<number> {
  let n = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONC }, async (_, w) => {
      let i = w;
      while (performance.now() < end) {
        const r = await mk(i);
        await r.arrayBuffer();
        if (r.status >= 300 && r.status !== 404) errors++;
        n++;
        i += CONC;
      }
    }),
  );
  const rps = n / seconds;
  console.log(
    `${name.padEnd(28)} ${rps.toFixed(0).padStart(8)} req/s${errors ? `  (${errors} errors)` : ''}`,
  );
  return rps;
}

/** One HTTP/1.1 PUT on a fresh TCP connection; resolves when the response headers arrive. */
function rawPut(port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(sock) {
          sock.write(
            `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          );
        },
        data(sock) {
          sock.end();
          resolve();
        },
        error(_s, e) {
          reject(e);
        },
      },
    }).catch(reject);
  });
}

const bare = Bun.serve({
  port: 0,
  fetch: () => new Response('[{"Key":"k"}]', { headers: { 'content-type': 'application/json' } }),
});
const { server, stop } = await startInProcessServer();
const base = `http://127.0.0.1:${server.ports.main}/v1`;
try {
  await fetch(`${base}/kv/bench/k`, { method: 'PUT', body: 'value' });
  for (let i = 0; i < 20; i++)
    await fetch(`${base}/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({
        Name: 'bench-svc',
        ID: `b-${i}`,
        Port: 1000 + i,
        Check: { TTL: '1h', Status: 'passing' },
      }),
    });
  console.log(`storage.sync=${server.settings.str('storage.sync')}, ${CONC} connections, ${seconds}s each`);
  const b = process.env.ONLY_WAKE
    ? 1
    : await load('bare Bun.serve', () => fetch(`http://127.0.0.1:${bare.port}/`));
  const g = process.env.ONLY_WAKE ? b : await load('KV GET', () => fetch(`${base}/kv/bench/k`));
  console.log(`  KV GET / bare = ${((g / b) * 100).toFixed(0)} %`);
  if (!process.env.ONLY_WAKE)
    await load('KV PUT (durable)', (i) =>
      fetch(`${base}/kv/bench/p${i % 1000}`, { method: 'PUT', body: `v${i}` }),
    );
  if (!process.env.ONLY_WAKE)
    await load('health/service (20 inst.)', () => fetch(`${base}/health/service/bench-svc?passing`));

  // Blocking wake-up: `waiters` queries on one key, one write, time until each answers.
  const idx = (await fetch(`${base}/kv/bench/wake`)).headers.get('x-consul-index');
  let t0 = 0;
  const lat: number[] = [];
  const pending = Array.from({ length: waiters }, () =>
    fetch(`${base}/kv/bench/wake?index=${idx}&wait=60s`).then(async (r) => {
      await r.arrayBuffer();
      lat.push(performance.now() - t0);
    }),
  );
  await Bun.sleep(1000);
  t0 = performance.now();
  // The writer uses its own raw connection: fetch's pool (256 sockets) is full of held waiters.
  await rawPut(server.ports.main, '/v1/kv/bench/wake', 'x');
  const putMs = performance.now() - t0;
  const progress = setInterval(() => console.log(`answered ${lat.length}/${waiters}`), 2000);
  await Promise.all(pending);
  clearInterval(progress);
  lat.sort((a, b) => a - b);
  console.log(`write acknowledged after ${putMs.toFixed(1)} ms`);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!.toFixed(1);
  console.log(
    `blocking wake-up, ${waiters} waiters: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms`,
  );
} finally {
  bare.stop(true);
  await stop();
}
