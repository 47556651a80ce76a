import type { Command } from 'commander';
import { failOn } from '../client';
import { type Io, printJson } from '../io';
import { baseParams, type NsFlags, nsClient, nsOptions, parseAddress } from './ns-common';

/** `batata ns deregister <service> <ip:port>`. */
export function registerNsDeregister(ns: Command, io: Io) {
  nsOptions(ns.command('deregister').description('remove an instance'))
    .argument('<service>', 'service name')
    .argument('<address>', 'instance ip:port')
    .option('-c, --cluster <name>', 'cluster name', 'DEFAULT')
    .option('--persistent', 'the instance is persistent')
    .action(async (service: string, address: string, flags: NsFlags & { persistent?: boolean }) => {
      const { ip, port } = parseAddress(address);
      const res = await nsClient(flags, io).nacos('DELETE', '/v1/ns/instance', {
        ...baseParams(service, flags),
        ip,
        port,
        clusterName: flags.cluster,
        ephemeral: !flags.persistent,
      });
      failOn(res, 'deregister');
      if (flags.json) printJson(io, { deregistered: true, service, ip, port });
      else io.out(`deregistered ${flags.group}@@${service} ${ip}:${port}`);
    });
}
