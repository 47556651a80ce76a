#!/usr/bin/env bun
// Soak: mixed load on loopback for a bounded time, RSS sampled every second.
//   bun run build && bun bench/soak.ts [--seconds 60] [--concurrency 16] [--csv bench/results/soak.csv]
// Mix per worker loop: liveness, namespace list, namespace update (durable write), metrics scrape,
// readiness, plus every available scenario of bench/scenarios.ts. Fails (exit 1) when RSS in the
// last quarter grows more than --max-growth-mb over the second quarter (a leak under steady load).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { LIVENESS, rssMb, spawnBatata, type WrkRequest } from './common';
import { SCENARIOS } from './scenarios';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '16' },
    csv: { type: 'string', default: 'bench/results/soak.csv' },
    'max-growth-mb': { type: 'string', default: '25' },
  },
});
const seconds = Math.min(Number(values.seconds), 3600);
const concurrency = Number(values.concurrency);

const s = await spawnBatata();
const reqs: WrkRequest[] = [
  { path: LIVENESS },
  { path: '/nacos/v1/console/health/readiness' },
  { path: '/nacos/v1/console/namespaces' },
  { path: '/nacos/metrics' },
];
await fetch(`${s.url}/nacos/v1/console/namespaces`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'customNamespaceId=soak&namespaceName=soak',
});
let updates = 0;
for (const sc of SCENARIOS) if (await sc.available(s.url)) reqs.push(await sc.setup(s.url));

const counts = { ok: 0, failed: 0 };
const end = Date.now() + seconds * 1000;
async function worker(id: number) {
  let i = id;
  while (Date.now() < end) {
    const r =
      i % (reqs.length + 1) === reqs.length
        ? {
            method: 'PUT',
            path: '/nacos/v1/console/namespaces',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `namespace=soak&namespaceShowName=n${updates++}`,
          }
        : reqs[i % (reqs.length + 1)]!;
    i++;
    try {
      const res = await fetch(`${s.url}${r.path}`, {
        method: r.method ?? 'GET',
        headers: r.headers,
        body: r.body,
      });
      await res.arrayBuffer();
      if (res.ok) counts.ok++;
      else counts.failed++;
    } catch {
      counts.failed++;
    }
  }
}

const samples: Array<{ t: number; rssMb: number; requests: number }> = [];
const t0 = Date.now();
const sampler = setInterval(async () => {
  samples.push({
    t: Math.round((Date.now() - t0) / 1000),
    rssMb: await rssMb(s.proc.pid),
    requests: counts.ok,
  });
}, 1000);
samples.push({ t: 0, rssMb: await rssMb(s.proc.pid), requests: 0 });
await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
clearInterval(sampler);
await Bun.sleep(1500);
const after = await rssMb(s.proc.pid);
await s.stop();

mkdirSync(dirname(values.csv!), { recursive: true });
await Bun.write(
  values.csv!,
  `t_s,rss_mb,ok_requests\n${samples.map((x) => `${x.t},${x.rssMb},${x.requests}`).join('\n')}\n`,
);
const q = (a: number, b: number) => {
  const part = samples.slice(Math.floor(samples.length * a), Math.max(Math.floor(samples.length * b), 1));
  return part.reduce((acc, x) => acc + x.rssMb, 0) / Math.max(part.length, 1);
};
const growth = q(0.75, 1) - q(0.25, 0.5);
const max = Math.max(...samples.map((x) => x.rssMb));
console.log(
  JSON.stringify(
    {
      seconds,
      concurrency,
      requestsOk: counts.ok,
      requestsFailed: counts.failed,
      reqPerSec: Math.round(counts.ok / seconds),
      rssStartMb: samples[0]?.rssMb,
      rssMaxMb: max,
      rssEndMb: after,
      rssGrowthLastVsSecondQuarterMb: Math.round(growth * 10) / 10,
      csv: values.csv,
    },
    null,
    2,
  ),
);
if (growth > Number(values['max-growth-mb']) || counts.failed > 0) process.exit(1);
