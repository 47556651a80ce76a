import type { Command } from 'commander';
import { AdminClient, type ClientOptions } from '../client';
import { CliError, EXIT } from '../exit-codes';
import type { Io } from '../io';

export interface NsFlags extends ClientOptions {
  namespace?: string;
  group?: string;
  cluster?: string;
  json?: boolean;
}

/** Options every `batata ns` command shares (same spelling as the other remote commands). */
export function nsOptions(c: Command): Command {
  return c
    .option('-s, --server <host:port>', 'server address (default: BATATA_SERVER or 127.0.0.1:8848)')
    .option('-u, --username <name>', 'user to log in as when auth is enabled (BATATA_USERNAME)')
    .option('-p, --password <password>', 'password (BATATA_PASSWORD)')
    .option('--token <token>', 'access token (BATATA_TOKEN)')
    .option('-n, --namespace <id>', 'namespace id', 'public')
    .option('-g, --group <name>', 'group name', 'DEFAULT_GROUP')
    .option('--json', 'machine-readable output');
}

export function nsClient(flags: NsFlags, io: Io): AdminClient {
  return new AdminClient(flags, io);
}

/** `10.0.0.5:8080` (IPv6: last colon splits) → ip and port; bad input exits with USAGE. */
export function parseAddress(addr: string): { ip: string; port: number } {
  const at = addr.lastIndexOf(':');
  const ip = at > 0 ? addr.slice(0, at).replace(/^\[|\]$/g, '') : '';
  const port = Number(addr.slice(at + 1));
  if (!ip || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`address must be ip:port, got '${addr}'`, EXIT.USAGE);
  return { ip, port };
}

/** Repeated `--metadata k=v` → JSON object string. */
export function collectMetadata(value: string, prev: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliError(`--metadata expects key=value, got '${value}'`, EXIT.USAGE);
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function baseParams(service: string, flags: NsFlags) {
  return { serviceName: service, groupName: flags.group, namespaceId: flags.namespace };
}
