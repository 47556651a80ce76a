import type { Command } from 'commander';
import { failOn } from '../client';
import { type Io, printJson } from '../io';
import { type ConfigCliOptions, clientFor, nsParam } from './config-common';

interface ListOptions extends Omit<ConfigCliOptions, 'group'> {
  group?: string;
  dataId?: string;
  page: string;
  size: string;
}

/** `batata config list`: blur search (`*` wildcards) in a namespace, one `group/dataId  type  md5` per line. */
export function registerConfigList(config: Command, io: Io) {
  config
    .command('list')
    .description('list configs (use * wildcards in --data-id / --group)')
    .option('-s, --server <addr>', 'server address (default: $BATATA_SERVER, then 127.0.0.1:8848)')
    .option('-u, --username <name>', 'user to log in as')
    .option('-p, --password <password>', 'password')
    .option('-n, --namespace <id>', 'namespace id (default: public)')
    .option('-g, --group <group>', 'group filter')
    .option('-d, --data-id <pattern>', 'dataId filter')
    .option('--page <n>', 'page number', '1')
    .option('--size <n>', 'page size', '100')
    .option('--json', 'print JSON for scripts')
    .action(async (o: ListOptions) => {
      const res = await clientFor(o as ConfigCliOptions, io).nacos('GET', '/v3/admin/cs/config/list', {
        namespaceId: nsParam(o as ConfigCliOptions),
        groupName: o.group,
        dataId: o.dataId,
        search: 'blur',
        pageNo: o.page,
        pageSize: o.size,
      });
      failOn(res, 'list');
      const page = res.json().data;
      if (o.json) return printJson(io, page);
      for (const c of page.pageItems) io.out(`${c.groupName}/${c.dataId}\t${c.type}\t${c.md5}`);
    });
}
