/**
 * Config benchmarks against the compiled binary (run `bun run build` first):
 *   BUN_CONFIG_MAX_HTTP_REQUESTS=12000 bun bench/config.ts
 * (Bun's fetch holds at most 256 requests in flight by default; the waiter scenario needs more.)
 * - GET /v1/cs/configs with wrk vs a bare Bun.serve returning the same bytes
 * - publish throughput (unique content per request, durable before the reply)
 * - change → held long poll answered latency (p50/p99)
 * - WAITERS (default 10000) concurrent held long polls, all answered by one publish each
 */
import { spawnBinary } from '../test/support/binary';

const CONNS = Number(process.env.CONNS ?? 64);
const SECS = Number(process.env.SECS ?? 5);

function wrk(url: string): number {
  const r = Bun.spawnSync(['wrk', '-t2', `-c${CONNS}`, `-d${SECS}s`, url]);
  const out = r.stdout.toString();
  const m = out.match(/Requests\/sec:\s+([\d.]+)/);
  if (!m) throw new Error(`wrk failed: ${out}${r.stderr}`);
  return Number(m[1]);
}

const s = await spawnBinary();
try {
  const content = 'server:\n  port: 8080\n'.repeat(20);
  await fetch(`${s.nacos}/v1/cs/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ dataId: 'bench.yaml', group: 'G', content, type: 'yaml' }),
  });
  // The bare server runs in its own process: wrk is run synchronously from this one.
  const barePort = 20000 + Math.floor(Math.random() * 20000);
  const bare = Bun.spawn([
    'bun',
    '-e',
    `Bun.serve({port:${barePort},fetch:()=>new Response(${JSON.stringify(content)})})`,
  ]);
  await Bun.sleep(500);
  const bareRps = wrk(`http://127.0.0.1:${barePort}/`);
  bare.kill();
  const getRps = wrk(`${s.nacos}/v1/cs/configs?dataId=bench.yaml&group=G`);
  console.log(
    `GET: ${getRps.toFixed(0)} req/s, bare Bun.serve ${bareRps.toFixed(0)} req/s (${((100 * getRps) / bareRps).toFixed(0)} %)`,
  );

  let n = 0;
  const until = performance.now() + SECS * 1000;
  const worker = async (w: number) => {
    while (performance.now() < until) {
      const r = await fetch(`${s.nacos}/v1/cs/configs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `dataId=pub-${w}-${n % 100}&group=G&content=v${n}-${Math.random()}`,
      });
      await r.text();
      n++;
    }
  };
  await Promise.all(Array.from({ length: CONNS }, (_, i) => worker(i)));
  console.log(`publish: ${(n / SECS).toFixed(0)} req/s durable`);

  const lat: number[] = [];
  for (let i = 0; i < 200; i++) {
    const md5 = new Bun.CryptoHasher('md5').update(`lp${i}`).digest('hex');
    await fetch(`${s.nacos}/v1/cs/configs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `dataId=lp&group=G&content=lp${i}`,
    });
    const held = fetch(`${s.nacos}/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      body: new URLSearchParams({ 'Listening-Configs': `lp\u0002G\u0002${md5}\u0001` }).toString(),
    }).then((r) => r.text());
    await Bun.sleep(2);
    const t0 = performance.now();
    await fetch(`${s.nacos}/v1/cs/configs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `dataId=lp&group=G&content=lp${i}-changed`,
    });
    await held;
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  console.log(
    `change → long poll answered (incl. the publish round trip): p50 ${lat[100]!.toFixed(2)} ms, p99 ${lat[197]!.toFixed(2)} ms`,
  );

  const WAITERS = Number(process.env.WAITERS ?? 10_000);
  const md5 = new Bun.CryptoHasher('md5').update('w0').digest('hex');
  await fetch(`${s.nacos}/v1/cs/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'dataId=w&group=G&content=w0',
  });
  const body = new URLSearchParams({ 'Listening-Configs': `w\u0002G\u0002${md5}\u0001` }).toString();
  let errors = 0;
  const polls = Array.from({ length: WAITERS }, () =>
    fetch(`${s.nacos}/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      body,
    })
      .then((r) => r.text())
      .catch(() => {
        errors++;
        return '';
      }),
  );
  const waitUntil = Date.now() + 20_000;
  for (;;) {
    const m = await (await fetch(`${s.nacos}/metrics`)).text();
    const n = Number(m.match(/batata_config_long_poll_waiters (\d+)/)?.[1] ?? 0);
    if (n >= WAITERS - errors || Date.now() > waitUntil) {
      console.log(`held long polls: ${n} of ${WAITERS} (client errors ${errors})`);
      break;
    }
    await Bun.sleep(200);
  }
  const t0 = performance.now();
  await fetch(`${s.nacos}/v1/cs/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'dataId=w&group=G&content=w1',
  });
  const answers = await Promise.all(polls);
  console.log(
    `${answers.filter((a) => a === 'w%02G%01\n').length} of ${WAITERS} answered with the change in ${(performance.now() - t0).toFixed(0)} ms`,
  );
} finally {
  await s.stop();
}
