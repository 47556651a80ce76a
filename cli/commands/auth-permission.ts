import type { Command } from 'commander';
import type { Io } from '../io';
import { printJson } from '../io';
import { authCall, type RemoteFlags, remoteOptions } from './auth-user';

export function registerPermission(program: Command, io: Io) {
  const perm = program
    .command('permission')
    .description('grant roles access to resources `namespace:group:type/name` with action r, w or rw');
  remoteOptions(perm.command('list').description('list permissions'))
    .option('--role <role>', 'only this role')
    .action(async (flags: RemoteFlags & { role?: string }) => {
      const page = await authCall(
        io,
        flags,
        'GET',
        '/permission/list',
        { pageNo: 1, pageSize: 10000, search: 'accurate', role: flags.role ?? '' },
        'list permissions',
      );
      if (flags.json) printJson(io, page.pageItems);
      else for (const p of page.pageItems) io.out(`${p.role}\t${p.resource}\t${p.action}`);
    });
  remoteOptions(
    perm.command('grant <role> <resource> <action>').description('e.g. `grant devs "dev:*:config/*" rw`'),
  ).action(async (role: string, resource: string, action: string, flags: RemoteFlags) => {
    await authCall(
      io,
      flags,
      'POST',
      '/permission',
      { role, resource, action },
      `grant ${action} on ${resource}`,
    );
    if (flags.json) printJson(io, { role, resource, action, granted: true });
    else io.out(`granted ${action} on ${resource} to ${role}`);
  });
  remoteOptions(perm.command('revoke <role> <resource> <action>').description('remove a permission')).action(
    async (role: string, resource: string, action: string, flags: RemoteFlags) => {
      await authCall(
        io,
        flags,
        'DELETE',
        '/permission',
        { role, resource, action },
        `revoke ${action} on ${resource}`,
      );
      if (flags.json) printJson(io, { role, resource, action, revoked: true });
      else io.out(`revoked ${action} on ${resource} from ${role}`);
    },
  );
}
