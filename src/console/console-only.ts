import type { Logger } from '../core/log';
import { Readiness } from '../health/readiness';
import { createMetrics, type Metrics } from '../metrics/metrics';
import type { AnyElysia } from '../server/module';
import { normalizeContextPath, type Settings, SettingsError } from '../settings/settings';
import { createConsoleApp } from './console-app';
import { consoleHealthRoutes } from './console-core-routes';
import { httpForwarder } from './forward';

/** A console-only node (deployment type `console`). */
export interface RunningConsole {
  settings: Settings;
  log: Logger;
  metrics: Metrics;
  /** Main port is 0: a console-only node serves no Nacos API. */
  ports: { main: number; console: number };
  app: AnyElysia;
  readiness: Readiness;
  /** Base URL of the server every API call is forwarded to. */
  remote: string;
  stop(): Promise<void>;
}

/** `nacos.console.remote.server.address` + context path, validated. */
export function remoteBase(settings: Settings): string {
  const addr = settings.str('nacos.console.remote.server.address').trim();
  if (!addr)
    throw new SettingsError(
      'deployment.type=console needs nacos.console.remote.server.address (e.g. http://10.0.0.5:8848): the server the console talks to',
    );
  const withScheme = /^https?:\/\//.test(addr) ? addr : `http://${addr}`;
  try {
    new URL(withScheme);
  } catch {
    throw new SettingsError(
      `invalid nacos.console.remote.server.address "${addr}": expected http://host:port`,
    );
  }
  return (
    withScheme.replace(/\/+$/, '') +
    normalizeContextPath(settings.str('nacos.console.remote.server.context-path'))
  );
}

/**
 * Deployment type `console`: the UI and the console API on the console port, every API call
 * (`/v3/console/...`, `/v3/auth/...`) forwarded to the remote server, which authorizes it. No
 * storage is opened and the main port stays closed. Readiness follows the remote server's.
 */
export async function startConsoleOnly(
  settings: Settings,
  deps: {
    log: Logger;
    listen: (app: AnyElysia, port: number, hostname: string, key: string, s?: Settings) => { port?: number };
    stopServer: (server: any, timeoutMs: number) => Promise<void>;
    version: string;
  },
): Promise<RunningConsole> {
  const { log } = deps;
  const remote = remoteBase(settings);
  const timeoutMs = settings.int('nacos.console.remote.server.timeout-ms');
  const metrics = createMetrics();
  const readiness = new Readiness(
    [
      {
        name: 'remote-server',
        async check() {
          const res = await fetch(`${remote}/v3/admin/core/state/readiness`, {
            signal: AbortSignal.timeout(Math.min(timeoutMs, 3000)),
          });
          if (res.status !== 200) throw new Error(`${remote} answered ${res.status}`);
        },
      },
    ],
    log.child('health'),
    (ready) => metrics.healthy.set(ready ? 1 : 0),
  );
  readiness.markLoaded();
  await readiness.runChecks();
  readiness.start();

  const app = createConsoleApp({
    log,
    metrics,
    contextPath: normalizeContextPath(settings.str('nacos.console.context-path')),
    accessLog: settings.bool('log.access'),
    api: [consoleHealthRoutes(readiness)],
    forwarded: { prefixes: ['/v3/console', '/v3/auth'], forward: httpForwarder(remote, timeoutMs) },
    ui: settings.bool('nacos.console.ui.enabled'),
  });
  let server: ReturnType<typeof deps.listen>;
  try {
    server = deps.listen(
      app,
      settings.int('nacos.console.port'),
      settings.str('nacos.server.bind-address'),
      'nacos.console.port',
      settings,
    );
  } catch (e) {
    readiness.stop();
    throw e;
  }
  log.info('batata console started', {
    version: deps.version,
    consolePort: server.port,
    remote,
    deployment: 'console',
  });
  let stopping: Promise<void> | undefined;
  return {
    settings,
    log,
    metrics,
    ports: { main: 0, console: server.port ?? 0 },
    app,
    readiness,
    remote,
    stop() {
      stopping ??= (async () => {
        readiness.stop();
        await deps.stopServer(server, settings.int('server.shutdown-timeout-ms'));
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
