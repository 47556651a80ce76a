import type { Command } from 'commander';
import { failOn } from '../client';
import { CliError, EXIT } from '../exit-codes';
import { type Io, printJson } from '../io';
import { baseParams, type NsFlags, nsClient, nsOptions, parseAddress } from './ns-common';

/** `batata ns beat <service> <ip:port>`: one heartbeat; exit 3 when the server does not know the instance. */
export function registerNsBeat(ns: Command, io: Io) {
  nsOptions(ns.command('beat').description('send one heartbeat for an ephemeral instance'))
    .argument('<service>', 'service name')
    .argument('<address>', 'instance ip:port')
    .option('-c, --cluster <name>', 'cluster name', 'DEFAULT')
    .action(async (service: string, address: string, flags: NsFlags) => {
      const { ip, port } = parseAddress(address);
      const res = await nsClient(flags, io).nacos('PUT', '/v1/ns/instance/beat', {
        ...baseParams(service, flags),
        ip,
        port,
        clusterName: flags.cluster,
      });
      failOn(res, 'beat');
      const body = res.json<{ code: number; clientBeatInterval: number }>();
      if (flags.json) printJson(io, body);
      if (body.code === 20404)
        throw new CliError(
          `instance ${ip}:${port} of ${flags.group}@@${service} is not registered`,
          EXIT.NOT_FOUND,
        );
      if (!flags.json) io.out(`beat ok; next beat due in ${body.clientBeatInterval} ms`);
    });
}
