import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Io } from '../../cli/io';
import { runCli } from '../../cli/program';
import { ADMIN_PASSWORD, AUTH_ON } from '../support/auth';
import { form, startTestServer, type TestServer } from '../support/server';

// BCrypt-heavy steps on a shared 2-core machine: hooks and tests get room beyond the 5 s default.
setDefaultTimeout(30_000);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer(AUTH_ON);
});
afterAll(async () => {
  await t.stop();
});

async function cli(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    stdin: async () => opts.stdin ?? '',
    env: { BATATA_SERVER: `127.0.0.1:${t.ports.main}`, ...opts.env },
  };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const ADMIN = ['--username', 'nacos', '--password', ADMIN_PASSWORD];

describe('batata user | role | permission', () => {
  test('create a user, bind a role, grant a permission, list, then remove everything', async () => {
    expect((await cli(['user', 'create', 'carol', '--new-password', 'carol-pass', ...ADMIN])).code).toBe(0);
    const list = await cli(['user', 'list', '--json', ...ADMIN]);
    expect(JSON.parse(list.out)).toContain('carol');
    expect((await cli(['role', 'add', 'ops', 'carol', ...ADMIN])).out).toBe('role ops added to carol');
    expect((await cli(['permission', 'grant', 'ops', 'public:*:config/*', 'rw', ...ADMIN])).code).toBe(0);
    expect((await cli(['role', 'list', '--user', 'carol', ...ADMIN])).out).toBe('ops\tcarol');
    expect((await cli(['permission', 'list', '--role', 'ops', ...ADMIN])).out).toBe(
      'ops\tpublic:*:config/*\trw',
    );

    // The new user logs in with the password given on stdin after a passwd.
    expect(
      (await cli(['user', 'passwd', 'carol', '--new-password-stdin', ...ADMIN], { stdin: 'carol-new\n' }))
        .code,
    ).toBe(0);
    expect(
      (await form('POST', `${t.nacos}/v1/auth/login`, { username: 'carol', password: 'carol-new' })).status,
    ).toBe(200);

    expect((await cli(['permission', 'revoke', 'ops', 'public:*:config/*', 'rw', ...ADMIN])).code).toBe(0);
    expect((await cli(['role', 'remove', 'ops', ...ADMIN])).code).toBe(0);
    expect((await cli(['user', 'delete', 'carol', ...ADMIN])).code).toBe(0);
    expect(JSON.parse((await cli(['user', 'list', '--json', ...ADMIN])).out)).not.toContain('carol');
  });

  test('credentials from the environment and a token work; failures map to exit codes', async () => {
    const env = { BATATA_USERNAME: 'nacos', BATATA_PASSWORD: ADMIN_PASSWORD };
    expect((await cli(['user', 'list'], { env })).out).toContain('nacos');
    const token = JSON.parse(
      (await form('POST', `${t.nacos}/v1/auth/login`, { username: 'nacos', password: ADMIN_PASSWORD })).text,
    ).accessToken;
    expect((await cli(['user', 'list', '--token', token])).code).toBe(0);
    const noAuth = await cli(['user', 'list']);
    expect(noAuth.code).toBe(5);
    expect(noAuth.err).toContain('403');
    expect((await cli(['user', 'list', '--username', 'nacos', '--password', 'bad'])).code).toBe(5);
    expect((await cli(['user', 'create', 'dup', '--new-password', 'x', ...ADMIN])).code).toBe(0);
    expect((await cli(['user', 'create', 'dup', '--new-password', 'x', ...ADMIN])).code).toBe(6);
    expect((await cli(['user', 'create', 'nopw', ...ADMIN])).code).toBe(2);
    expect((await cli(['role', 'remove', 'ROLE_ADMIN', ...ADMIN])).code).toBe(6);
  });
});
