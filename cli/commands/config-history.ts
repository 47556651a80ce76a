import type { Command } from 'commander';
import { failOn } from '../client';
import { type Io, printJson } from '../io';
import { type ConfigCliOptions, clientFor, nsParam, withConfigOptions } from './config-common';

/** `batata config history <dataId>`: newest first, `nid  op  time  md5` per line. */
export function registerConfigHistory(config: Command, io: Io) {
  withConfigOptions(config.command('history <dataId>').description('show the change history of a config'))
    .option('--size <n>', 'entries to show', '20')
    .action(async (dataId: string, o: ConfigCliOptions & { size: string }) => {
      const res = await clientFor(o, io).nacos('GET', '/v3/admin/cs/history/list', {
        dataId,
        groupName: o.group,
        namespaceId: nsParam(o),
        pageNo: 1,
        pageSize: o.size,
      });
      failOn(res, `history ${dataId}`);
      const page = res.json().data;
      if (o.json) return printJson(io, page);
      for (const h of page.pageItems)
        io.out(
          `${h.id}\t${h.opType}\t${new Date(h.modifyTime).toISOString()}\t${h.md5}\t${h.srcUser || '-'}`,
        );
    });
}
