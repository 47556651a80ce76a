import type { Command } from 'commander';
import { AdminClient, type ClientOptions, failOn } from '../client';
import { CliError, EXIT } from '../exit-codes';
import { type Io, printJson } from '../io';

export interface RemoteFlags extends ClientOptions {
  json?: boolean;
}

/** `--server/--username/--password/--token` (env: BATATA_SERVER/USERNAME/PASSWORD/TOKEN) and `--json`. */
export function remoteOptions(c: Command): Command {
  return c
    .option('--server <addr>', 'server address host:port or URL (BATATA_SERVER, default 127.0.0.1:8848)')
    .option('--username <name>', 'log in as this user (BATATA_USERNAME)')
    .option('--password <password>', 'password for --username (BATATA_PASSWORD)')
    .option('--token <token>', 'access token instead of username/password (BATATA_TOKEN)')
    .option('--json', 'machine-readable output');
}

/** Calls a v3 auth endpoint and returns `data` of its Result, failing with the right exit code. */
export async function authCall(
  io: Io,
  flags: RemoteFlags,
  method: string,
  path: string,
  params: Record<string, string | number | undefined>,
  what: string,
): Promise<any> {
  const client = new AdminClient(flags, io);
  const res = await client.nacos(method, `/v3/auth${path}`, params);
  failOn(res, what);
  return res.json().data;
}

/** The new password from `--new-password` or stdin (`--new-password-stdin`), never echoed. */
async function newPassword(
  io: Io,
  flags: { newPassword?: string; newPasswordStdin?: boolean },
): Promise<string> {
  const pw = flags.newPasswordStdin ? (await io.stdin()).replace(/\r?\n$/, '') : flags.newPassword;
  if (!pw)
    throw new CliError('give the password with --new-password <pw> or --new-password-stdin', EXIT.USAGE);
  return pw;
}

export function registerUser(program: Command, io: Io) {
  const user = program.command('user').description('manage users (needs an admin login when auth is on)');
  remoteOptions(user.command('list').description('list users'))
    .option('--search <text>', 'only users whose name contains this')
    .action(async (flags: RemoteFlags & { search?: string }) => {
      const page = await authCall(
        io,
        flags,
        'GET',
        '/user/list',
        { pageNo: 1, pageSize: 10000, search: 'blur', username: flags.search ?? '' },
        'list users',
      );
      const names = page.pageItems.map((u: { username: string }) => u.username);
      if (flags.json) printJson(io, names);
      else for (const n of names) io.out(n);
    });
  remoteOptions(user.command('create <username>').description('create a user'))
    .option('--new-password <password>', "the new user's password")
    .option('--new-password-stdin', "read the new user's password from stdin")
    .action(
      async (username: string, flags: RemoteFlags & { newPassword?: string; newPasswordStdin?: boolean }) => {
        const password = await newPassword(io, flags);
        await authCall(io, flags, 'POST', '/user', { username, password }, `create user ${username}`);
        if (flags.json) printJson(io, { username, created: true });
        else io.out(`created user ${username}`);
      },
    );
  remoteOptions(user.command('passwd <username>').description("change a user's password"))
    .option('--new-password <password>', 'the new password')
    .option('--new-password-stdin', 'read the new password from stdin')
    .action(
      async (username: string, flags: RemoteFlags & { newPassword?: string; newPasswordStdin?: boolean }) => {
        const pw = await newPassword(io, flags);
        await authCall(
          io,
          flags,
          'PUT',
          '/user',
          { username, newPassword: pw },
          `change password of ${username}`,
        );
        if (flags.json) printJson(io, { username, updated: true });
        else io.out(`password of ${username} changed`);
      },
    );
  remoteOptions(user.command('delete <username>').description('delete a user and its role bindings')).action(
    async (username: string, flags: RemoteFlags) => {
      await authCall(io, flags, 'DELETE', '/user', { username }, `delete user ${username}`);
      if (flags.json) printJson(io, { username, deleted: true });
      else io.out(`deleted user ${username}`);
    },
  );
}
