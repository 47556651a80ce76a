/**
 * Consul blocking-query wake-up against the compiled binary (its own process): N waiters block on
 * one key (`?index=&wait=`, raw sockets), one PUT changes it, and each waiter's answer time is taken from the
 * moment the PUT was sent (the server answers the waiters before the writer, so the PUT's own
 * acknowledgement comes last). Also reports errors and server RSS while the waiters are held.
 *
 *   bun run build && BUN_CONFIG_MAX_HTTP_REQUESTS=12000 bun bench/consul-wake.ts --waiters 1000 --rounds 5
 */
import { parseArgs } from 'node:util';
import { rssMb, spawnBatata } from './common';

const { values } = parseArgs({
  options: {
    waiters: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    /** A running server instead of spawning dist/batata (e.g. one under `bun --cpu-prof`). */
    url: { type: 'string' },
  },
});
const N = Number(values.waiters);
const ROUNDS = Number(values.rounds);

/** One HTTP/1.1 PUT on its own connection (fetch's pool is full of held waiters). */
function rawPut(port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    void Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(s) {
          s.write(
            `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          );
        },
        data(s) {
          s.end();
          resolve();
        },
        error(_s, e) {
          reject(e);
        },
      },
    }).catch(reject);
  });
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!.toFixed(1);

const server = values.url ? { url: values.url, proc: undefined, stop: async () => {} } : await spawnBatata();
const port = Number(new URL(server.url).port);
try {
  await rawPut(port, '/v1/kv/wake', 'v0');
  for (let round = 1; round <= ROUNDS; round++) {
    const idx = (await fetch(`${server.url}/v1/kv/wake`)).headers.get('x-consul-index');
    let sent = 0;
    let errors = 0;
    const fromSend: number[] = [];
    // Waiters are raw sockets (a lighter client than fetch, so the numbers are the server's):
    // the answer time is when the status line arrives.
    const pending = Array.from(
      { length: N },
      () =>
        new Promise<void>((resolve) => {
          let done = false;
          const finish = (ok: boolean) => {
            if (done) return;
            done = true;
            if (!ok) errors++;
            resolve();
          };
          void Bun.connect({
            hostname: '127.0.0.1',
            port,
            socket: {
              open(s) {
                s.write(`GET /v1/kv/wake?index=${idx}&wait=60s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
              },
              data(s, chunk) {
                const now = performance.now();
                const head = chunk.subarray(0, 200).toString();
                fromSend.push(now - sent);
                finish(head.startsWith('HTTP/1.1 200') && !head.includes(`X-Consul-Index: ${idx}\r`));
                s.end();
              },
              close() {
                finish(false);
              },
              error() {
                finish(false);
              },
            },
          }).catch(() => finish(false));
        }),
    );
    await Bun.sleep(Math.max(1000, N / 5)); // let every waiter reach the server
    const rss = server.proc ? await rssMb(server.proc.pid) : 0;
    sent = performance.now();
    await rawPut(port, '/v1/kv/wake', `v${round}`);
    const acked = performance.now();
    await Promise.all(pending);
    fromSend.sort((a, b) => a - b);
    console.log(
      `round ${round}: ${N} waiters, ${errors} errors, server RSS ${rss} MB while held; ` +
        `woken after the write was sent: p50 ${pct(fromSend, 0.5)} / p99 ${pct(fromSend, 0.99)} ms; ` +
        `write acknowledged after ${(acked - sent).toFixed(1)} ms`,
    );
  }
} finally {
  await server.stop();
}
