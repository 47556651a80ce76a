/**
 * Cluster benchmark (compiled binary, loopback, one MariaDB): (a) config propagation latency —
 * publish on node A while long-polls wait on B and C, time from the publish reply to each wake-up
 * (p50/p99 over --rounds); (b) ephemeral instance registration throughput over HTTP with
 * --concurrency workers against 1 node vs spread over 3 nodes (writes are forwarded to the
 * responsible member and replicated by Distro).
 *
 *   bun run build && bun bench/cluster.ts --rounds 200 --registrations 3000 --concurrency 32
 */
import { parseArgs } from 'node:util';
import { type ClusterTestNode, startCluster } from '../test/support/cluster';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '200' },
    registrations: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const ROUNDS = Number(values.rounds);
const REGS = Number(values.registrations);
const CONC = Number(values.concurrency);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const formPost = (url: string, p: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(p).toString(),
  });

async function md5(s: string) {
  return new Bun.CryptoHasher('md5').update(s).digest('hex');
}

async function propagation(nodes: ClusterTestNode[]) {
  const [a, ...peers] = nodes as [ClusterTestNode, ...ClusterTestNode[]];
  const lat: number[] = [];
  let content = 'v=0';
  await formPost(`${a.nacos}/v1/cs/configs`, { dataId: 'bench', group: 'B', content });
  await Bun.sleep(500);
  for (let i = 1; i <= ROUNDS; i++) {
    const cur = await md5(content);
    const polls = peers.map((p) =>
      fetch(`${p.nacos}/v1/cs/configs/listener`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '5000' },
        body: new URLSearchParams({ 'Listening-Configs': `bench\x02B\x02${cur}\x01` }).toString(),
      }).then(async (r) => {
        await r.text();
        return performance.now();
      }),
    );
    await Bun.sleep(20);
    content = `v=${i}`;
    await formPost(`${a.nacos}/v1/cs/configs`, { dataId: 'bench', group: 'B', content });
    const published = performance.now();
    for (const t of await Promise.all(polls)) lat.push(Math.max(0, t - published));
  }
  return { p50: pct(lat, 50), p99: pct(lat, 99), max: pct(lat, 100), n: lat.length };
}

async function registrations(nodes: ClusterTestNode[], tag: string) {
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      for (;;) {
        const i = next++;
        if (i >= REGS) return;
        const n = nodes[i % nodes.length]!;
        const r = await formPost(`${n.nacos}/v1/ns/instance`, {
          serviceName: `bench-${tag}-${i % 50}`,
          ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          port: '8080',
        });
        if ((await r.text()) !== 'ok') failed++;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  return { perSecond: Math.round(REGS / s), seconds: Math.round(s * 100) / 100, failed };
}

const three = await startCluster(3);
try {
  const prop = await propagation(three.nodes);
  const reg3 = await registrations(three.nodes, 'three');
  await three.stop();
  const one = await startCluster(1);
  const reg1 = await registrations(one.nodes, 'one');
  await one.stop();
  console.log('| measure | result |\n|---|---|');
  console.log(
    `| config propagation A→B,C (long-poll wake after publish reply), ${prop.n} samples | p50 ${prop.p50.toFixed(1)} ms, p99 ${prop.p99.toFixed(1)} ms, max ${prop.max.toFixed(1)} ms |`,
  );
  console.log(
    `| HTTP ephemeral registrations, 1 node, ${CONC} workers | ${reg1.perSecond}/s (${REGS} in ${reg1.seconds} s, ${reg1.failed} failed) |`,
  );
  console.log(
    `| HTTP ephemeral registrations, spread over 3 nodes, ${CONC} workers | ${reg3.perSecond}/s (${REGS} in ${reg3.seconds} s, ${reg3.failed} failed) |`,
  );
} catch (e) {
  await three.stop().catch(() => {});
  throw e;
}
