import type { Command } from 'commander';
import { failOn } from '../client';
import { type Io, printJson } from '../io';
import { type ConfigCliOptions, clientFor, nsParam, withConfigOptions } from './config-common';

/** `batata config delete <dataId>`: deleting a missing config succeeds, as in Nacos. */
export function registerConfigDelete(config: Command, io: Io) {
  withConfigOptions(config.command('delete <dataId>').description('delete a config')).action(
    async (dataId: string, o: ConfigCliOptions) => {
      const res = await clientFor(o, io).nacos('DELETE', '/v3/admin/cs/config', {
        dataId,
        groupName: o.group,
        namespaceId: nsParam(o),
      });
      failOn(res, `delete ${dataId}`);
      if (o.json) printJson(io, { dataId, group: o.group, deleted: true });
      else io.out(`deleted ${o.group}/${dataId}`);
    },
  );
}
