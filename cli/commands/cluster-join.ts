import type { Command } from 'commander';
import { AdminClient, failOn } from '../client';
import type { Io } from '../io';
import { type ClusterFlags, clientOptions, type JoinReply, printJoinReply } from './cluster-members';

/**
 * `batata cluster join <seed>`: asks the node given by --server (the new node) to join the
 * cluster of the running member `seed`. The node fetches the seed's member list, adds itself
 * and sends the new list to every member; each persists it to its cluster.conf.
 */
export function registerClusterJoin(cluster: Command, io: Io) {
  clientOptions(
    cluster
      .command('join <seed>')
      .description('make the node at --server join the cluster of a running member (seed ip:port)'),
  ).action(async (seed: string, flags: ClusterFlags) => {
    const res = await new AdminClient(flags, io).nacos('POST', '/v3/admin/core/cluster/join', { seed });
    failOn(res, `joining ${seed}`);
    printJoinReply(io, flags, 'joined', res.json().data as JoinReply);
  });
}
