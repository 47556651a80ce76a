import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Subprocess } from 'bun';

/** Shared helpers for the bench scripts: spawn the binary on loopback, RSS, wrk. */
export const ROOT = resolve(import.meta.dir, '..');
export const BINARY = join(ROOT, 'dist/batata');
export const LIVENESS = '/nacos/v1/console/health/liveness';

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

export interface Spawned {
  proc: Subprocess;
  url: string;
  dataDir: string;
  /** ms from spawn to the first 200 on liveness. */
  startMs: number;
  stop(): Promise<void>;
}

/** Spawns dist/batata on loopback with a scratch data dir and times spawn → first 200 on liveness. */
export async function spawnBatata(
  opts: { dataDir?: string; args?: string[]; env?: Record<string, string>; binary?: string } = {},
) {
  const binary = opts.binary ?? BINARY;
  if (!existsSync(binary)) throw new Error(`${binary} missing: run \`bun run build\``);
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'batata-bench-'));
  const url = `http://127.0.0.1:${ports[0]}`;
  const t0 = performance.now();
  const proc = Bun.spawn(
    [
      binary,
      'serve',
      '--port',
      String(ports[0]),
      '--data-dir',
      dataDir,
      '--set',
      `nacos.sdk.port=${ports[1]}`,
      '--set',
      `nacos.cluster.port=${ports[2]}`,
      '--set',
      `nacos.console.port=${ports[3]}`,
      '--set',
      'nacos.server.bind-address=127.0.0.1',
      '--set',
      'nacos.server.ip=127.0.0.1',
      '--set',
      'log.access=false',
      '--set',
      'log.dir=',
      ...(opts.args ?? []),
    ],
    {
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', BATATA_LOG: 'warn', ...opts.env },
      stdout: 'ignore',
      stderr: 'inherit',
    },
  );
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`batata exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}${LIVENESS}`)).status === 200) break;
    } catch {}
    if (performance.now() - t0 > 20_000) {
      proc.kill(9);
      throw new Error('batata did not become live in 20 s');
    }
    await Bun.sleep(1);
  }
  const startMs = performance.now() - t0;
  return {
    proc,
    url,
    dataDir,
    startMs,
    async stop() {
      proc.kill('SIGTERM');
      await proc.exited;
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  } satisfies Spawned;
}

/** Resident set size of a process in MB (from /proc/<pid>/status VmRSS). */
export async function rssMb(pid: number): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Installs wrk from Debian when it is missing (the machine's package manager, no npm dependency). */
export async function ensureWrk(): Promise<string> {
  const found = Bun.which('wrk');
  if (found) return found;
  console.error('wrk not found: apt-get install -y wrk');
  const p = Bun.spawn(['sh', '-c', 'apt-get install -y wrk || (apt-get update && apt-get install -y wrk)'], {
    stdout: 'inherit',
    stderr: 'inherit',
  });
  if ((await p.exited) !== 0 || !Bun.which('wrk'))
    throw new Error('cannot install wrk; install it and re-run');
  return Bun.which('wrk')!;
}

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface WrkRequest {
  method?: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** Runs wrk (`--latency`) against `base + req.path`; non-GET requests go through a generated Lua script. */
export async function wrk(
  base: string,
  req: WrkRequest,
  o: { seconds?: number; connections?: number; threads?: number } = {},
): Promise<WrkResult> {
  const bin = await ensureWrk();
  const args = [bin, `-t${o.threads ?? 1}`, `-c${o.connections ?? 32}`, `-d${o.seconds ?? 10}s`, '--latency'];
  let script: string | undefined;
  if (req.method && req.method !== 'GET') {
    script = join(mkdtempSync(join(tmpdir(), 'batata-wrk-')), 'req.lua');
    const lines = [`wrk.method = ${JSON.stringify(req.method)}`];
    if (req.body !== undefined) lines.push(`wrk.body = ${JSON.stringify(req.body)}`);
    for (const [k, v] of Object.entries(req.headers ?? {}))
      lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
    await Bun.write(script, `${lines.join('\n')}\n`);
    args.push('-s', script);
  }
  args.push(`${base}${req.path}`);
  const p = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  if (code !== 0) throw new Error(`wrk failed (${code}): ${err}${out}`);
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Math.round(num(/Requests\/sec:\s+([\d.]+)/)),
    p50ms: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    p99ms: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    errors: errs ? errs.slice(1).reduce((a, x) => a + Number(x), 0) : 0,
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function fmt(r: WrkResult): string {
  return `${r.rps} req/s, p50 ${r.p50ms.toFixed(2)} ms, p99 ${r.p99ms.toFixed(2)} ms (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} socket errors)`;
}
