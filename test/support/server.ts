import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LevelFilter, Log, MemorySink } from '../../src/core/log';
import { type RunningServer, startServer } from '../../src/main';
import { loadSettings } from '../../src/settings/settings';
import { freePorts } from './ports';

export interface TestServer {
  /** `http://127.0.0.1:<main port>` */
  url: string;
  /** `http://127.0.0.1:<main port>/nacos` */
  nacos: string;
  ports: { main: number; sdk: number; cluster: number; console: number };
  dataDir: string;
  logs: MemorySink;
  server: RunningServer;
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts a full server in-process on free ports with a fresh embedded store.
 * `settings` are setting keys → values (e.g. `{'nacos.core.auth.enabled': true}`).
 */
export async function startTestServer(
  settings: Record<string, unknown> = {},
  opts: { dataDir?: string } = {},
): Promise<TestServer> {
  const [main, sdk, cluster, consolePort] = await freePorts(4);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'batata-it-'));
  const s = loadSettings({
    configPath: join(dataDir, 'none.yml'),
    configPathExplicit: false,
    env: {},
    overrides: {
      'nacos.server.main.port': main,
      'nacos.sdk.port': sdk,
      'nacos.cluster.port': cluster,
      'nacos.console.port': consolePort,
      'nacos.server.bind-address': '127.0.0.1',
      'nacos.server.ip': '127.0.0.1',
      'storage.data-dir': dataDir,
      'log.dir': '',
      ...settings,
    },
  });
  const logs = new MemorySink();
  const log = new Log({ filter: new LevelFilter(process.env.BATATA_TEST_LOG ?? 'warn'), sinks: [logs] });
  const server = await startServer(s, { log });
  return {
    url: `http://127.0.0.1:${server.ports.main}`,
    nacos: `http://127.0.0.1:${server.ports.main}/nacos`,
    ports: { main: server.ports.main, sdk, cluster, console: server.ports.console || consolePort },
    dataDir,
    logs,
    server,
    async stop(o = {}) {
      await server.stop();
      if (!o.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Path of the compiled binary that `bun run build` produces. */
export const BINARY = resolve(import.meta.dir, '../../dist/batata');

/** POSTs a form body and returns status + text. */
export async function form(method: string, url: string, params: Record<string, string | number | boolean>) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(
      Object.entries(params).map(([k, v]) => [k, String(v)] as [string, string]),
    ).toString(),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
