import type { Command } from 'commander';
import { failOn } from '../client';
import { type Io, printJson } from '../io';
import { baseParams, type NsFlags, nsClient, nsOptions } from './ns-common';

interface Host {
  ip: string;
  port: number;
  clusterName: string;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  metadata: Record<string, string>;
}

/** `batata ns list <service>`: the instances of a service (as clients see them). */
export function registerNsList(ns: Command, io: Io) {
  nsOptions(ns.command('list').description('list the instances of a service'))
    .argument('<service>', 'service name')
    .option('--clusters <a,b>', 'only these clusters')
    .option('--healthy', 'only healthy instances')
    .action(async (service: string, flags: NsFlags & { clusters?: string; healthy?: boolean }) => {
      const res = await nsClient(flags, io).nacos('GET', '/v1/ns/instance/list', {
        ...baseParams(service, flags),
        clusters: flags.clusters,
        healthyOnly: flags.healthy ? true : undefined,
      });
      failOn(res, 'list');
      const info = res.json<{ name: string; hosts: Host[] }>();
      if (flags.json) return printJson(io, info);
      if (!info.hosts.length) return io.out(`${info.name}: no instances`);
      const rows = info.hosts.map((h) => [
        `${h.ip}:${h.port}`,
        h.clusterName,
        String(h.weight),
        h.healthy ? 'healthy' : 'UNHEALTHY',
        h.enabled ? 'enabled' : 'disabled',
        h.ephemeral ? 'ephemeral' : 'persistent',
        Object.entries(h.metadata)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ]);
      const head = ['ADDRESS', 'CLUSTER', 'WEIGHT', 'HEALTH', 'STATE', 'KIND', 'METADATA'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (r: string[]) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd();
      io.out(line(head));
      for (const r of rows) io.out(line(r));
    });
}
