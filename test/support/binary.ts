import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { freePorts } from './ports';
import { BINARY } from './server';

export interface BinaryServer {
  proc: Subprocess;
  url: string;
  nacos: string;
  ports: { main: number; sdk: number; cluster: number; console: number };
  dataDir: string;
  output(): string;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
  /** SIGKILL (kill -9) and wait. */
  kill9(): Promise<void>;
}

/**
 * Spawns the compiled `dist/batata` from a scratch working directory (so nothing beside the
 * binary can be read) and waits until liveness answers.
 */
export async function spawnBinary(
  opts: {
    args?: string[];
    env?: Record<string, string>;
    dataDir?: string;
    ports?: BinaryServer['ports'];
  } = {},
): Promise<BinaryServer> {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`bun run build\` first`);
  const [main, sdk, cluster, consolePort] = opts.ports
    ? [opts.ports.main, opts.ports.sdk, opts.ports.cluster, opts.ports.console]
    : await freePorts(4);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'batata-e2e-'));
  const cwd = mkdtempSync(join(tmpdir(), 'batata-cwd-'));
  let out = '';
  const proc = Bun.spawn(
    [
      BINARY,
      'serve',
      '--port',
      String(main),
      '--data-dir',
      dataDir,
      '--set',
      `nacos.sdk.port=${sdk}`,
      '--set',
      `nacos.cluster.port=${cluster}`,
      '--set',
      `nacos.console.port=${consolePort}`,
      '--set',
      'nacos.server.bind-address=127.0.0.1',
      '--set',
      'nacos.server.ip=127.0.0.1',
      ...(opts.args ?? []),
    ],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', BATATA_LOG: 'warn', ...opts.env },
      stdout: 'pipe',
      stderr: 'pipe',
    },
  );
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) out += dec.decode(chunk);
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  const url = `http://127.0.0.1:${main}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`batata exited with ${proc.exitCode}: ${out}`);
    try {
      const r = await fetch(`${url}/nacos/v1/console/health/liveness`);
      if (r.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      proc.kill(9);
      throw new Error(`batata did not become live in 15 s: ${out}`);
    }
    await Bun.sleep(25);
  }
  return {
    proc,
    url,
    nacos: `${url}/nacos`,
    ports: { main, sdk, cluster, console: consolePort },
    dataDir,
    output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      return await proc.exited;
    },
    async kill9() {
      proc.kill(9);
      await proc.exited;
    },
  };
}

/** Runs the binary as a CLI command and collects its output. */
export async function runBinary(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
) {
  const proc = Bun.spawn([BINARY, ...args], {
    cwd: opts.cwd ?? mkdtempSync(join(tmpdir(), 'batata-cli-')),
    env: { PATH: process.env.PATH ?? '', ...opts.env },
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : 'ignore',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout as ReadableStream).text(),
    new Response(proc.stderr as ReadableStream).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
