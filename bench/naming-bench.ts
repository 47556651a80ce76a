/**
 * Naming benchmarks against the compiled binary (`bun run build` first):
 *   bun bench/naming-bench.ts [register|persistent|list|scale|push|all] [--scale 1000,10000,100000]
 * Prints one JSON line per scenario. Load runs in this process, the server in its own process.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { spawnBinary } from '../test/support/binary';

const args = process.argv.slice(2);
const which = args[0] ?? 'all';
const scaleArg = args.indexOf('--scale');
const scales = (scaleArg >= 0 ? args[scaleArg + 1]! : '1000,10000,100000').split(',').map(Number);
const CONCURRENCY = 64;

function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

async function pool(n: number, fn: (i: number) => Promise<void>, conc = CONCURRENCY) {
  let next = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function register(
  base: string,
  n: number,
  opts: { ephemeral: boolean; service: (i: number) => string; metadata?: string; offset?: number },
) {
  const t0 = performance.now();
  await pool(n, async (i) => {
    const body = new URLSearchParams({
      serviceName: opts.service(i),
      ip: ipOf(i + (opts.offset ?? 0)),
      port: '8080',
      ephemeral: String(opts.ephemeral),
      ...(opts.metadata ? { metadata: opts.metadata } : {}),
    }).toString();
    const r = await fetch(`${base}/nacos/v1/ns/instance`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    if ((await r.text()) !== 'ok') throw new Error(`register failed: ${r.status}`);
  });
  const s = (performance.now() - t0) / 1000;
  return { n, seconds: Math.round(s * 100) / 100, perSecond: Math.round(n / s) };
}

async function latency(url: string, n: number, concurrency = CONCURRENCY) {
  const lat: number[] = [];
  const t0 = performance.now();
  await pool(
    n,
    async () => {
      const s = performance.now();
      const r = await fetch(url);
      await r.arrayBuffer();
      lat.push(performance.now() - s);
    },
    concurrency,
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    n,
    perSecond: Math.round(n / secs),
    p50ms: Math.round(pct(lat, 50) * 100) / 100,
    p99ms: Math.round(pct(lat, 99) * 100) / 100,
  };
}

async function bareBaseline(bytes: string, n: number) {
  const proc = Bun.spawn(
    [
      process.execPath,
      '-e',
      `const b=${JSON.stringify(bytes)};const s=Bun.serve({port:0,hostname:'127.0.0.1',fetch:()=>new Response(b,{headers:{'content-type':'application/json'}})});console.log(s.port)`,
    ],
    { stdout: 'pipe' },
  );
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const port = Number(new TextDecoder().decode((await reader.read()).value).trim());
  try {
    return await latency(`http://127.0.0.1:${port}/`, n);
  } finally {
    proc.kill();
  }
}

const out = (scenario: string, data: object) => console.log(JSON.stringify({ scenario, ...data }));

const b = await spawnBinary({
  args: ['--set', 'log.access=false', '--set', 'naming.health-check.enabled=false'],
});
try {
  if (which === 'register' || which === 'all')
    out(
      'ephemeral register over HTTP',
      await register(b.url, 20000, { ephemeral: true, service: (i) => `reg-${i % 100}` }),
    );
  if (which === 'persistent' || which === 'all')
    out(
      'persistent register over HTTP',
      await register(b.url, 10000, { ephemeral: false, service: (i) => `preg-${i % 100}` }),
    );
  if (which === 'list' || which === 'all') {
    await register(b.url, 10, { ephemeral: true, service: () => 'list-10' });
    const url = `${b.url}/nacos/v1/ns/instance/list?serviceName=list-10`;
    const bytes = await (await fetch(url)).text();
    const ours = await latency(url, 20000);
    const bare = await bareBaseline(bytes, 20000);
    out('instance/list 10 instances', {
      batata: ours,
      bareBunServe: bare,
      ratio: Math.round((ours.perSecond / bare.perSecond) * 100) / 100,
    });
  }
  if (which === 'push' || which === 'all') {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const port = sock.address().port;
    await fetch(`${b.url}/nacos/v1/ns/instance/list?serviceName=push-svc&udpPort=${port}&clientIP=127.0.0.1`);
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const got = new Promise<number>((resolve) => sock.once('message', () => resolve(performance.now())));
      const t0 = performance.now();
      await fetch(`${b.url}/nacos/v1/ns/instance`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `serviceName=push-svc&ip=10.0.0.${i}&port=1`,
      });
      delays.push((await got) - t0);
      await Bun.sleep(600);
    }
    sock.close();
    delays.sort((a, b) => a - b);
    out('change → UDP push (debounce 500 ms)', {
      p50ms: Math.round(pct(delays, 50)),
      maxMs: Math.round(delays.at(-1)!),
    });
  }
  if (which === 'scale' || which === 'all') {
    let total = 0;
    for (const n of scales) {
      const add = n - total;
      const r = await register(b.url, add, {
        ephemeral: true,
        service: (i) => `scale-${(total + i) % 1000}`,
        offset: total,
      });
      total = n;
      const url = `${b.url}/nacos/v1/ns/instance/list?serviceName=scale-7`;
      // Saturated (64 closed-loop clients: p99 is mostly queueing) and lightly loaded (4 clients:
      // p99 is the service time of one list of the 100 instances).
      const l = await latency(url, 5000);
      const light = await latency(url, 2000, 4);
      const rssAfterLoad = rssMb(b.proc.pid);
      await Bun.sleep(5000); // "held": once the garbage of the register/list burst is collected
      out(`scale ${n} instances`, {
        registerPerSecond: r.perSecond,
        rssMbRightAfterLoad: rssAfterLoad,
        rssMb: rssMb(b.proc.pid),
        list: l,
        listLightLoad: light,
      });
    }
  }
} finally {
  await b.stop();
}
