import type { Command } from 'commander';
import { failOn } from '../client';
import { type Io, printJson } from '../io';
import { type NsFlags, nsClient, nsOptions } from './ns-common';

/** `batata ns services`: service names of a group. */
export function registerNsServices(ns: Command, io: Io) {
  nsOptions(ns.command('services').description('list the services of a group'))
    .option('--page <n>', 'page number', '1')
    .option('--page-size <n>', 'page size', '100')
    .action(async (flags: NsFlags & { page: string; pageSize: string }) => {
      const res = await nsClient(flags, io).nacos('GET', '/v1/ns/service/list', {
        namespaceId: flags.namespace,
        groupName: flags.group,
        pageNo: flags.page,
        pageSize: flags.pageSize,
      });
      failOn(res, 'services');
      const body = res.json<{ count: number; doms: string[] }>();
      if (flags.json) return printJson(io, { count: body.count, services: body.doms });
      for (const s of body.doms) io.out(s);
      io.err(`${body.doms.length} of ${body.count} service(s) in ${flags.namespace}/${flags.group}`);
    });
}
