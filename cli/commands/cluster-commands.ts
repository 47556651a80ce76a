import type { Command } from 'commander';
import type { Io } from '../io';
import { registerClusterJoin } from './cluster-join';
import { registerClusterLeave } from './cluster-leave';
import { registerClusterMembers } from './cluster-members';

/** Registers `batata cluster join|members|leave`. */
export function registerCluster(program: Command, io: Io) {
  const cluster = program.command('cluster').description('cluster membership: join, members, leave');
  registerClusterJoin(cluster, io);
  registerClusterMembers(cluster, io);
  registerClusterLeave(cluster, io);
}
