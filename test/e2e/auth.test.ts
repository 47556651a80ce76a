import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NACOS_SAMPLE_SECRET } from '../../src/settings/auth-settings';
import { ADMIN_PASSWORD, expiredToken, foreignToken, selfSignedCert, TEST_SECRET } from '../support/auth';
import { runBinary, spawnBinary } from '../support/binary';
import { freePort } from '../support/ports';
import { form } from '../support/server';

// BCrypt-heavy steps on a shared 2-core machine: hooks and tests get room beyond the 5 s default.
setDefaultTimeout(30_000);

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
});

const AUTH_ENV = {
  BATATA_AUTH_ENABLED: 'true',
  BATATA_AUTH_SECRET_KEY: TEST_SECRET,
  BATATA_ADMIN_PASSWORD: ADMIN_PASSWORD,
};

describe('compiled binary with auth', () => {
  test('refuses to start with each kind of bad secret or identity, naming the key', async () => {
    const port = String(await freePort());
    const cases: Array<[Record<string, string>, string]> = [
      [{ BATATA_AUTH_ENABLED: 'true' }, 'is required'],
      [
        { BATATA_AUTH_ENABLED: 'true', BATATA_AUTH_SECRET_KEY: NACOS_SAMPLE_SECRET },
        'well-known Nacos sample key',
      ],
      [
        {
          BATATA_AUTH_ENABLED: 'true',
          BATATA_AUTH_SECRET_KEY: Buffer.from(NACOS_SAMPLE_SECRET).toString('base64'),
        },
        'well-known Nacos sample key',
      ],
      [{ BATATA_AUTH_ENABLED: 'true', BATATA_AUTH_SECRET_KEY: 'not base64 at all!' }, 'not valid base64'],
      [
        { BATATA_AUTH_ENABLED: 'true', BATATA_AUTH_SECRET_KEY: Buffer.alloc(16, 1).toString('base64') },
        'at least 32 are required',
      ],
    ];
    for (const [env, msg] of cases) {
      const r = await runBinary(['serve', '--port', port], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('nacos.core.auth.plugin.nacos.token.secret.key');
      expect(r.stderr).toContain(msg);
    }
    const cluster = await runBinary(['serve', '--port', port, '--set', 'cluster.member.lookup.type=file'], {
      env: { BATATA_AUTH_ENABLED: 'true', BATATA_AUTH_SECRET_KEY: TEST_SECRET },
    });
    expect(cluster.code).toBe(2);
    expect(cluster.stderr).toContain('server identity');
    const sample = await runBinary([
      'serve',
      '--port',
      port,
      '--set',
      'nacos.core.auth.server.identity.key=serverIdentity',
      '--set',
      'nacos.core.auth.server.identity.value=security',
    ]);
    expect(sample.code).toBe(2);
    expect(sample.stderr).toContain('well-known sample');
  }, 30_000);

  test('login, RBAC, CLI user management and the audit file; no secret in the output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batata-e2e-auth-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const audit = join(dir, 'audit.log');
    const s = await spawnBinary({ env: AUTH_ENV, args: ['--set', `nacos.core.auth.audit.file=${audit}`] });
    cleanups.push(() => s.stop());
    const ns = `${s.nacos}/v1/console/namespaces`;

    for (const tok of [undefined, 'x.y', await foreignToken('nacos'), await expiredToken('nacos')]) {
      const res = await fetch(tok ? `${ns}?accessToken=${tok}` : ns);
      expect(res.status).toBe(403);
    }
    const r = await form('POST', `${s.nacos}/v1/auth/users/login`, {
      username: 'nacos',
      password: ADMIN_PASSWORD,
    });
    expect(r.status).toBe(200);
    const { accessToken, tokenTtl, globalAdmin } = JSON.parse(r.text);
    expect(tokenTtl).toBeGreaterThan(17000);
    expect(globalAdmin).toBe(true);
    expect((await fetch(`${ns}?accessToken=${accessToken}`)).status).toBe(200);

    const env = {
      BATATA_SERVER: `127.0.0.1:${s.ports.main}`,
      BATATA_USERNAME: 'nacos',
      BATATA_PASSWORD: ADMIN_PASSWORD,
    };
    const created = await runBinary(['user', 'create', 'eve', '--new-password-stdin'], {
      env,
      stdin: 'eve-pass\n',
    });
    expect(created.code).toBe(0);
    expect((await runBinary(['role', 'add', 'readers', 'eve'], { env })).code).toBe(0);
    expect((await runBinary(['permission', 'grant', 'readers', 'public:*:*', 'r'], { env })).code).toBe(0);
    expect((await runBinary(['user', 'list', '--json'], { env })).stdout).toContain('eve');
    const eve = JSON.parse(
      (await form('POST', `${s.nacos}/v3/auth/user/login`, { username: 'eve', password: 'eve-pass' })).text,
    );
    expect(eve.globalAdmin).toBe(false);
    // eve is no admin: console resources are refused.
    expect((await fetch(`${ns}?accessToken=${eve.accessToken}`)).status).toBe(403);
    const denied = await runBinary(['user', 'list'], {
      env: { BATATA_SERVER: `127.0.0.1:${s.ports.main}`, BATATA_TOKEN: eve.accessToken },
    });
    expect(denied.code).toBe(5);

    await Bun.sleep(300);
    const lines = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      lines.some((l) => l.user === 'nacos' && l.resource === 'console/users' && l.decision === 'allow'),
    ).toBe(true);
    expect(lines.some((l) => l.decision === 'deny')).toBe(true);
    const everything = s.output() + readFileSync(audit, 'utf8');
    for (const secret of [ADMIN_PASSWORD, 'eve-pass', accessToken, eve.accessToken, TEST_SECRET])
      expect(everything.includes(secret)).toBe(false);
  }, 30_000);

  test('serves HTTPS when a certificate and key are configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batata-e2e-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { cert, key } = selfSignedCert(dir);
    const port = await freePort();
    // spawnBinary polls plain HTTP for liveness, so start the TLS server and poll it here.
    const proc = Bun.spawn(
      [
        join(import.meta.dir, '../../dist/batata'),
        'serve',
        '--port',
        String(port),
        '--data-dir',
        join(dir, 'data'),
        '--set',
        `nacos.sdk.port=${await freePort()}`,
        '--set',
        `nacos.cluster.port=${await freePort()}`,
        '--set',
        `nacos.console.port=${await freePort()}`,
        '--set',
        'nacos.server.bind-address=127.0.0.1',
        '--set',
        `server.tls.cert=${cert}`,
        '--set',
        `server.tls.key=${key}`,
      ],
      { cwd: dir, env: { PATH: process.env.PATH ?? '' }, stdout: 'ignore', stderr: 'ignore' },
    );
    cleanups.push(() => {
      proc.kill('SIGTERM');
      return proc.exited;
    });
    const url = `https://127.0.0.1:${port}/nacos/v1/console/health/liveness`;
    let text = '';
    for (let i = 0; i < 100 && text !== 'OK'; i++) {
      text = await fetch(url, { tls: { rejectUnauthorized: false } } as RequestInit)
        .then((r) => r.text())
        .catch(() => '');
      if (text !== 'OK') await Bun.sleep(100);
    }
    expect(text).toBe('OK');
  }, 30_000);
});
