import type { Command } from 'commander';
import { failOn } from '../client';
import { type Io, printJson } from '../io';
import { type ConfigCliOptions, clientFor, nsParam, withConfigOptions } from './config-common';

/** `batata config get <dataId>`: prints the content (or its details with --json). Exit 3 if missing. */
export function registerConfigGet(config: Command, io: Io) {
  withConfigOptions(config.command('get <dataId>').description('print a config')).action(
    async (dataId: string, o: ConfigCliOptions) => {
      const res = await clientFor(o, io).nacos('GET', '/v3/admin/cs/config', {
        dataId,
        groupName: o.group,
        namespaceId: nsParam(o),
      });
      failOn(res, `get ${dataId}`);
      const data = res.json().data;
      if (o.json) printJson(io, data);
      else io.out(data.content);
    },
  );
}
