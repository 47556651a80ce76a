import { Command, CommanderError } from 'commander';
import { VERSION } from '../src/main';
import { registerPermission } from './commands/auth-permission';
import { registerRole } from './commands/auth-role';
import { registerUser } from './commands/auth-user';
import { registerCluster } from './commands/cluster-commands';
import { registerConfig } from './commands/config';
import { registerDb } from './commands/db-migrate';
import { registerNs } from './commands/ns';
import { registerServe } from './commands/serve';
import { CliError, EXIT } from './exit-codes';
import type { Io } from './io';

/** Builds the `batata` command tree; every command writes through `io` so tests can capture it. */
export function buildProgram(io: Io): Command {
  const program = new Command('batata')
    .description('Nacos- and Consul-compatible registry and configuration server')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerServe(program, io);
  registerDb(program, io);
  registerNs(program, io);
  registerUser(program, io);
  registerRole(program, io);
  registerPermission(program, io);
  registerCluster(program, io);
  registerConfig(program, io);
  return program;
}

/** Runs the CLI and returns the exit code (never throws). */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`error: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return EXIT.OK;
      return EXIT.USAGE;
    }
    io.err(`error: ${(e as Error).stack ?? String(e)}`);
    return EXIT.ERROR;
  }
}
