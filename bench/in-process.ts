import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelFilter, Log, MemorySink } from '../src/core/log';
import { type RunningServer, startServer } from '../src/main';
import { loadSettings } from '../src/settings/settings';
import { freePorts } from '../test/support/ports';

/**
 * A full server in this process (embedded store in a scratch dir, loopback, free ports, access log
 * and log files off), for benchmarks that drive it directly. `stop` also removes the data dir.
 */
export async function startInProcessServer(): Promise<{ server: RunningServer; stop(): Promise<void> }> {
  const [mainPort, sdkPort, clusterPort, consolePort] = await freePorts(4);
  const dir = mkdtempSync(join(tmpdir(), 'batata-bench-'));
  const settings = loadSettings({
    configPath: join(dir, 'none.yml'),
    configPathExplicit: false,
    env: {},
    overrides: {
      'nacos.server.main.port': mainPort,
      'nacos.sdk.port': sdkPort,
      'nacos.cluster.port': clusterPort,
      'nacos.console.port': consolePort,
      'nacos.server.bind-address': '127.0.0.1',
      'nacos.server.ip': '127.0.0.1',
      'storage.data-dir': dir,
      'log.dir': '',
      'log.access': false,
    },
  });
  const server = await startServer(settings, {
    log: new Log({ filter: new LevelFilter('error'), sinks: [new MemorySink()] }),
  });
  return {
    server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
