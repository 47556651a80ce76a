import type { Command } from 'commander';
import { AdminClient, failOn } from '../client';
import type { Io } from '../io';
import { type ClusterFlags, clientOptions, type JoinReply, printJoinReply } from './cluster-members';

/** `batata cluster leave`: removes the node at --server from every member list; it continues alone. */
export function registerClusterLeave(cluster: Command, io: Io) {
  clientOptions(cluster.command('leave').description('remove the node at --server from the cluster')).action(
    async (flags: ClusterFlags) => {
      const res = await new AdminClient(flags, io).nacos('POST', '/v3/admin/core/cluster/leave');
      failOn(res, 'leaving');
      printJoinReply(io, flags, 'left', res.json().data as JoinReply);
    },
  );
}
