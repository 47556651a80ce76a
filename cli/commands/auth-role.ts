import type { Command } from 'commander';
import type { Io } from '../io';
import { printJson } from '../io';
import { authCall, type RemoteFlags, remoteOptions } from './auth-user';

export function registerRole(program: Command, io: Io) {
  const role = program.command('role').description('bind roles to users (ROLE_ADMIN = global admin)');
  remoteOptions(role.command('list').description('list role bindings'))
    .option('--user <username>', 'only this user')
    .option('--role <role>', 'only this role')
    .action(async (flags: RemoteFlags & { user?: string; role?: string }) => {
      const page = await authCall(
        io,
        flags,
        'GET',
        '/role/list',
        {
          pageNo: 1,
          pageSize: 10000,
          search: 'accurate',
          username: flags.user ?? '',
          role: flags.role ?? '',
        },
        'list roles',
      );
      if (flags.json) printJson(io, page.pageItems);
      else for (const b of page.pageItems) io.out(`${b.role}\t${b.username}`);
    });
  remoteOptions(role.command('add <role> <username>').description('bind a role to a user')).action(
    async (r: string, username: string, flags: RemoteFlags) => {
      await authCall(io, flags, 'POST', '/role', { role: r, username }, `add role ${r} to ${username}`);
      if (flags.json) printJson(io, { role: r, username, added: true });
      else io.out(`role ${r} added to ${username}`);
    },
  );
  remoteOptions(
    role.command('remove <role> [username]').description('unbind a role from a user, or from every user'),
  ).action(async (r: string, username: string | undefined, flags: RemoteFlags) => {
    await authCall(io, flags, 'DELETE', '/role', { role: r, username }, `remove role ${r}`);
    if (flags.json) printJson(io, { role: r, username: username ?? null, removed: true });
    else io.out(username ? `role ${r} removed from ${username}` : `role ${r} removed from every user`);
  });
}
