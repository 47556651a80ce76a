import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from '../support/ports';
import { BINARY, form } from '../support/server';

// The compiled binary started exactly as the Docker CMD / systemd unit start it
// (`batata --config <deploy/application.yml>`, no `serve`), configured only through the
// environment names the deployment files use.
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups) c();
});

describe('binary with the shipped deployment config', () => {
  test('`batata --config deploy/application.yml` + env overrides serves, probes pass, SIGTERM exits 0', async () => {
    const [main, sdk, cluster, consolePort] = await freePorts(4);
    const data = mkdtempSync(join(tmpdir(), 'batata-deploy-'));
    cleanups.push(() => rmSync(data, { recursive: true, force: true }));
    const proc = Bun.spawn([BINARY, '--config', resolve(import.meta.dir, '../../deploy/application.yml')], {
      cwd: data,
      env: {
        PATH: process.env.PATH ?? '',
        BATATA_SERVER_PORT: String(main),
        BATATA_SDK_PORT: String(sdk),
        BATATA_CLUSTER_PORT: String(cluster),
        BATATA_CONSOLE_PORT: String(consolePort),
        BATATA_BIND_ADDRESS: '127.0.0.1',
        BATATA_DATA_DIR: data,
        RUST_LOG: 'info,http.access=warn',
      },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    cleanups.push(() => proc.kill(9));
    const base = `http://127.0.0.1:${main}/nacos`;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null)
        throw new Error(`exited ${proc.exitCode}: ${await new Response(proc.stderr).text()}`);
      const ok = await fetch(`${base}/v1/console/health/liveness`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error('not live in 15 s');
      await Bun.sleep(50);
    }
    expect((await fetch(`${base}/v1/console/health/readiness`)).status).toBe(200);
    expect(
      (await form('POST', `${base}/v1/console/namespaces`, { customNamespaceId: 'dep', namespaceName: 'd' }))
        .text,
    ).toBe('true');
    // The data went to BATATA_DATA_DIR (the container volume), not the working directory default.
    expect(await Bun.file(join(data, 'batata.db')).exists()).toBe(true);
    // deploy/application.yml logs JSON lines to stdout only (log.dir empty).
    expect(await Bun.file(join(data, 'logs', 'batata.log')).exists()).toBe(false);
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const out = await new Response(proc.stdout).text();
    const lines = out.trim().split('\n').filter(Boolean);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.some((l) => JSON.stringify(l).includes('batata started'))).toBe(true);
  }, 30_000);
});
