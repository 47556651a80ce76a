import type { Command } from 'commander';
import { failOn } from '../client';
import { CliError, EXIT } from '../exit-codes';
import { type Io, printJson } from '../io';
import { baseParams, collectMetadata, type NsFlags, nsClient, nsOptions, parseAddress } from './ns-common';

interface RegisterFlags extends NsFlags {
  weight?: string;
  metadata?: Record<string, string>;
  ephemeral?: boolean;
  persistent?: boolean;
  once?: boolean;
  enabled?: boolean;
}

/**
 * `batata ns register <service> <ip:port>`: registers an instance. Ephemeral (default) instances
 * die without heartbeats, so the command keeps beating (at the interval the server asks for)
 * until interrupted, then deregisters; `--once` registers and exits. `--persistent` registers a
 * durable instance the server health-checks itself.
 */
export function registerNsRegister(ns: Command, io: Io, signal: () => AbortSignal) {
  nsOptions(
    ns.command('register').description('register an instance (ephemeral: keeps beating until Ctrl-C)'),
  )
    .argument('<service>', 'service name')
    .argument('<address>', 'instance ip:port')
    .option('-c, --cluster <name>', 'cluster name', 'DEFAULT')
    .option('-w, --weight <n>', 'weight 0-10000', '1')
    .option('-m, --metadata <k=v>', 'metadata entry (repeatable)', collectMetadata)
    .option('--ephemeral', 'ephemeral instance kept alive by heartbeats (default)')
    .option('--persistent', 'persistent instance, health-checked by the server')
    .option('--disabled', 'register as disabled')
    .option('--once', 'ephemeral: register, send one beat and exit (the instance expires later)')
    .action(async (service: string, address: string, flags: RegisterFlags & { disabled?: boolean }) => {
      if (flags.ephemeral && flags.persistent)
        throw new CliError('choose --ephemeral or --persistent', EXIT.USAGE);
      const ephemeral = !flags.persistent;
      const { ip, port } = parseAddress(address);
      const client = nsClient(flags, io);
      const metadata = JSON.stringify(flags.metadata ?? {});
      const res = await client.nacos('POST', '/v1/ns/instance', {
        ...baseParams(service, flags),
        ip,
        port,
        clusterName: flags.cluster,
        weight: flags.weight,
        enabled: !flags.disabled,
        ephemeral,
        metadata,
      });
      failOn(res, 'register');
      const what = {
        service,
        group: flags.group,
        namespace: flags.namespace,
        ip,
        port,
        cluster: flags.cluster,
        ephemeral,
      };
      if (!ephemeral || flags.once) {
        if (flags.json) printJson(io, { registered: true, ...what });
        else
          io.out(
            `registered ${flags.group}@@${service} ${ip}:${port} (${ephemeral ? 'ephemeral' : 'persistent'})`,
          );
        return;
      }
      const beat = JSON.stringify({
        ip,
        port,
        serviceName: `${flags.group}@@${service}`,
        cluster: flags.cluster,
        weight: Number(flags.weight),
        metadata: flags.metadata ?? {},
      });
      const stop = signal();
      let beats = 0;
      let interval = 5000;
      if (flags.json) printJson(io, { registered: true, beating: true, ...what });
      else
        io.out(
          `registered ${flags.group}@@${service} ${ip}:${port} (ephemeral); beating — press Ctrl-C to deregister`,
        );
      while (!stop.aborted) {
        const r = await client
          .nacos('PUT', '/v1/ns/instance/beat', { ...baseParams(service, flags), beat })
          .catch((e: Error) => {
            io.err(`beat failed: ${e.message}`);
            return undefined;
          });
        if (r && r.status === 200) {
          const body = r.json<{ clientBeatInterval?: number; code?: number }>();
          interval = body.clientBeatInterval ?? interval;
          beats++;
          if (!flags.json) io.err(`beat #${beats} ok (code ${body.code}, next in ${interval} ms)`);
        } else if (r) io.err(`beat failed (HTTP ${r.status}): ${r.text.trim()}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, interval);
          stop.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
        });
      }
      const d = await client.nacos('DELETE', '/v1/ns/instance', {
        ...baseParams(service, flags),
        ip,
        port,
        clusterName: flags.cluster,
        ephemeral: true,
      });
      failOn(d, 'deregister');
      if (flags.json) printJson(io, { deregistered: true, beats, ...what });
      else io.out(`deregistered ${flags.group}@@${service} ${ip}:${port} after ${beats} beat(s)`);
    });
}
