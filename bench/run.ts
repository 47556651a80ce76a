#!/usr/bin/env bun
// Batata benchmark: start-up time, RSS, liveness throughput vs a bare Bun.serve, domain scenarios.
//   bun run build && bun bench/run.ts [--seconds 10] [--connections 32] [--json out.json]
// Loopback only. Results print as a Markdown table for README "Performance".
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ensureWrk,
  fmt,
  freePort,
  LIVENESS,
  median,
  ROOT,
  rssMb,
  spawnBatata,
  type WrkResult,
  wrk,
} from './common';
import { SCENARIOS } from './scenarios';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    starts: { type: 'string', default: '5' },
    json: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
await ensureWrk();

const rows: Array<[string, string]> = [
  [
    'machine',
    `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start, Bun ${Bun.version}`,
  ],
];
const report: Record<string, unknown> = { date: new Date().toISOString(), seconds, connections };

// (a) spawn → first 200 on liveness: fresh data dir (runs the embedded migrations) and existing one.
const fresh: number[] = [];
const warm: number[] = [];
const dir = mkdtempSync(join(tmpdir(), 'batata-bench-start-'));
for (let i = 0; i < Number(values.starts); i++) {
  const a = await spawnBatata();
  fresh.push(a.startMs);
  await a.stop();
  const b = await spawnBatata({ dataDir: dir });
  warm.push(b.startMs);
  await b.stop();
}
rows.push([
  'start → first 200 on liveness, fresh data dir (median of ' + fresh.length + ')',
  `${median(fresh).toFixed(0)} ms`,
]);
rows.push(['start → first 200 on liveness, existing data dir (median)', `${median(warm).toFixed(0)} ms`]);
report.startFreshMs = fresh;
report.startWarmMs = warm;

// (b)+(c) one long-lived server: idle RSS, liveness vs bare Bun.serve, scenarios, RSS after load.
const s = await spawnBatata();
await Bun.sleep(2000);
const idle = await rssMb(s.proc.pid);
rows.push(['RSS idle (after start + 2 s)', `${idle} MB`]);

const barePort = await freePort();
const bare = Bun.spawn([process.execPath, join(ROOT, 'bench/bare-server.ts'), String(barePort)], {
  stdout: 'pipe',
});
const reader = bare.stdout.getReader();
await reader.read();
reader.releaseLock();
const wopts = { seconds, connections };
// Alternate the two targets so machine noise hits both equally.
const bareRuns: WrkResult[] = [];
const liveRuns: WrkResult[] = [];
for (let i = 0; i < 2; i++) {
  bareRuns.push(await wrk(`http://127.0.0.1:${barePort}`, { path: LIVENESS }, wopts));
  liveRuns.push(await wrk(s.url, { path: LIVENESS }, wopts));
}
bare.kill();
const best = (rs: WrkResult[]) => rs.reduce((a, b) => (b.rps > a.rps ? b : a));
const bareBest = best(bareRuns);
const liveBest = best(liveRuns);
rows.push([`bare Bun.serve, same bytes (wrk -c${connections}, ${seconds} s, best of 2)`, fmt(bareBest)]);
rows.push([`batata liveness (best of 2)`, fmt(liveBest)]);
rows.push(['liveness / bare', `${((liveBest.rps / bareBest.rps) * 100).toFixed(0)} %`]);
report.bare = bareRuns;
report.liveness = liveRuns;

const scenarios: Record<string, unknown> = {};
for (const sc of SCENARIOS) {
  if (!(await sc.available(s.url))) {
    rows.push([sc.name, 'skipped (API not in this build)']);
    scenarios[sc.name] = 'skipped';
    continue;
  }
  const req = await sc.setup(s.url);
  const r = await wrk(s.url, req, wopts);
  rows.push([sc.name, fmt(r)]);
  scenarios[sc.name] = r;
}
report.scenarios = scenarios;
const loaded = await rssMb(s.proc.pid);
await Bun.sleep(3000);
const settled = await rssMb(s.proc.pid);
rows.push(['RSS right after load', `${loaded} MB`]);
rows.push(['RSS 3 s after load', `${settled} MB`]);
report.rss = { idle, loaded, settled };
await s.stop();

console.log(`\n| measure | result |\n|---|---|`);
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
if (values.json) await Bun.write(values.json, JSON.stringify(report, null, 2));
