import type { Command } from 'commander';
import type { Logger } from '../../src/core/log';
import { ListenError, startConsoleNode, startServer } from '../../src/main';
import { installProcessGuards } from '../../src/server/process-guard';
import { loadSettings, type Settings, SettingsError } from '../../src/settings/settings';
import { StorageStartupError } from '../../src/storage/open-db';
import { CliError, EXIT } from '../exit-codes';
import { type Io, printJson } from '../io';

export interface ServeFlags {
  config?: string;
  port?: string;
  dataDir?: string;
  dbUrl?: string;
  set?: string[];
  printConfig?: boolean;
}

/** Settings from flags: `--config`, then env, then the explicit flags and `--set key=value`. */
export function settingsFromFlags(flags: ServeFlags, io: Io): Settings {
  const overrides: Record<string, unknown> = {};
  if (flags.port !== undefined) overrides['nacos.server.main.port'] = flags.port;
  if (flags.dataDir !== undefined) overrides['storage.data-dir'] = flags.dataDir;
  if (flags.dbUrl !== undefined) overrides['db.url'] = flags.dbUrl;
  for (const kv of flags.set ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError(`--set expects key=value, got "${kv}"`, EXIT.USAGE);
    overrides[kv.slice(0, eq).trim()] = kv.slice(eq + 1);
  }
  try {
    return loadSettings({
      configPath: flags.config ?? io.env.BATATA_CONFIG,
      configPathExplicit: Boolean(flags.config ?? io.env.BATATA_CONFIG),
      env: io.env,
      overrides,
    });
  } catch (e) {
    if (e instanceof SettingsError) throw new CliError(`invalid configuration: ${e.message}`, EXIT.USAGE);
    throw e;
  }
}

export function registerServe(program: Command, io: Io) {
  program
    .command('serve', { isDefault: true })
    .description('run the server (the default command)')
    .option('-c, --config <path>', 'application.yml to read (default conf/application.yml)')
    .option('-p, --port <port>', 'main HTTP port (nacos.server.main.port)')
    .option('--data-dir <dir>', 'embedded store directory (storage.data-dir)')
    .option('--db-url <url>', 'database URL (db.url); empty for the embedded store')
    .option('--set <key=value...>', 'any setting, e.g. --set nacos.core.auth.enabled=true')
    .option('--print-config', 'print the effective settings (secrets masked) and exit')
    .action(async (flags: ServeFlags) => {
      const settings = settingsFromFlags(flags, io);
      if (flags.printConfig) {
        printJson(io, settings.describe());
        return;
      }
      let server: { log: Logger; stop(): Promise<void> };
      try {
        server =
          settings.str('deployment.type') === 'console'
            ? await startConsoleNode(settings)
            : await startServer(settings);
      } catch (e) {
        if (e instanceof ListenError || e instanceof StorageStartupError)
          throw new CliError(e.message, EXIT.UNAVAILABLE);
        if (e instanceof SettingsError) throw new CliError(`invalid configuration: ${e.message}`, EXIT.USAGE);
        throw e;
      }
      const uninstallGuards = installProcessGuards(server.log);
      await new Promise<void>((resolve) => {
        let signalled = false;
        const onSignal = (sig: string) => {
          if (signalled) {
            io.err(`received ${sig} again, exiting now`);
            process.exit(EXIT.ERROR);
          }
          signalled = true;
          server.log.info('signal received, shutting down', { signal: sig });
          server.stop().then(resolve, (e) => {
            io.err(`shutdown failed: ${(e as Error).message}`);
            resolve();
          });
        };
        process.on('SIGTERM', () => onSignal('SIGTERM'));
        process.on('SIGINT', () => onSignal('SIGINT'));
      });
      uninstallGuards();
    });
}
