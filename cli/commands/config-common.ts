import type { Command } from 'commander';
import { AdminClient } from '../client';
import type { Io } from '../io';

/** Options every `batata config` command shares. */
export interface ConfigCliOptions {
  server?: string;
  username?: string;
  password?: string;
  namespace?: string;
  group: string;
  json?: boolean;
}

/** Adds the connection and identity options shared by the config commands. */
export function withConfigOptions(cmd: Command): Command {
  return cmd
    .option('-s, --server <addr>', 'server address (default: $BATATA_SERVER, then 127.0.0.1:8848)')
    .option('-u, --username <name>', 'user to log in as (default: $BATATA_USERNAME)')
    .option('-p, --password <password>', 'password (default: $BATATA_PASSWORD)')
    .option('-n, --namespace <id>', 'namespace id (default: public)')
    .option('-g, --group <group>', 'config group', 'DEFAULT_GROUP')
    .option('--json', 'print JSON for scripts');
}

export function clientFor(o: ConfigCliOptions, io: Io): AdminClient {
  return new AdminClient({ server: o.server, username: o.username, password: o.password }, io);
}

/** Namespace param as the v3 admin API expects it (omitted for the default one). */
export function nsParam(o: ConfigCliOptions): string | undefined {
  return o.namespace && o.namespace !== 'public' ? o.namespace : undefined;
}
