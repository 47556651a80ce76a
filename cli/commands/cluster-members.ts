import type { Command } from 'commander';
import { AdminClient, type ClientOptions, failOn } from '../client';
import { type Io, printJson } from '../io';

/** Connection options shared by the `batata cluster …` commands. */
export function clientOptions(cmd: Command): Command {
  return cmd
    .option('-s, --server <addr>', 'node to talk to (ip:port; default BATATA_SERVER or 127.0.0.1:8848)')
    .option('-u, --username <name>', 'login user (default BATATA_USERNAME)')
    .option('-p, --password <pw>', 'login password (default BATATA_PASSWORD)')
    .option('--json', 'machine-readable output');
}

export interface ClusterFlags extends ClientOptions {
  json?: boolean;
}

export interface JoinReply {
  members: string[];
  notified: string[];
  failed: Array<{ address: string; error: string }>;
}

/** Prints a join/leave/set reply; failed members are listed on stderr (the change still applies). */
export function printJoinReply(io: Io, flags: ClusterFlags, verb: string, r: JoinReply) {
  if (flags.json) return printJson(io, r);
  io.out(`${verb}; members: ${r.members.join(', ')}`);
  for (const f of r.failed) io.err(`warning: ${f.address} was not told: ${f.error}`);
}

/** `batata cluster members`: the member list with states, as the given node sees it. */
export function registerClusterMembers(cluster: Command, io: Io) {
  clientOptions(cluster.command('members').description('list cluster members and their state')).action(
    async (flags: ClusterFlags) => {
      const client = new AdminClient(flags, io);
      const res = await client.nacos('GET', '/v3/admin/core/cluster/node/list');
      failOn(res, 'listing members');
      const members = res.json().data as Array<{ address: string; state: string; extendInfo: any }>;
      if (flags.json) return printJson(io, members);
      for (const m of members) io.out(`${m.address}\t${m.state}\t${m.extendInfo?.version ?? ''}`);
    },
  );
}
