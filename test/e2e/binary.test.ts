import { afterAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runBinary, spawnBinary } from '../support/binary';
import { createTestDatabase } from '../support/mysql';
import { freePort } from '../support/ports';
import { form } from '../support/server';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe('compiled binary', () => {
  test('runs from an empty directory; acknowledged writes survive kill -9', async () => {
    const a = await spawnBinary();
    expect(
      (
        await form('POST', `${a.nacos}/v1/console/namespaces`, {
          customNamespaceId: 'durable',
          namespaceName: 'Durable',
        })
      ).text,
    ).toBe('true');
    await a.kill9();
    const b = await spawnBinary({ dataDir: a.dataDir });
    cleanups.push(() => b.stop());
    const list = await (await fetch(`${b.nacos}/v1/console/namespaces`)).json();
    expect(list.data.map((n: any) => n.namespace)).toContain('durable');
  });

  test('SIGTERM shuts down gracefully with exit code 0', async () => {
    const s = await spawnBinary();
    const t0 = Date.now();
    expect(await s.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('invalid settings stop start-up with one clear line and exit 2', async () => {
    const bad = await runBinary(['serve', '--port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('nacos.server.main.port');
    const auth = await runBinary(['serve', '--port', String(await freePort())], {
      env: { BATATA_AUTH_ENABLED: 'true' },
    });
    expect(auth.code).toBe(2);
    expect(auth.stderr).toContain('nacos.core.auth.plugin.nacos.token.secret.key');
    const yml = await runBinary(['serve', '--config', '/nonexistent/app.yml']);
    expect(yml.code).toBe(2);
    expect(yml.stderr).toContain('/nonexistent/app.yml');
    const scheme = await runBinary(['serve', '--db-url', 'postgres://x/y']);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain('db.url');
  });

  test('a port already in use is reported with exit 4', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const r = await runBinary([
        'serve',
        '--port',
        String(port),
        '--set',
        'nacos.server.bind-address=127.0.0.1',
        '--set',
        'log.dir=',
      ]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`port ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });

  test('--print-config masks secrets; --version and --help work', async () => {
    const r = await runBinary(['serve', '--print-config'], {
      env: { BATATA_DB_URL: 'mysql://u:hunter2@h:3306/d' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('hunter2');
    expect(JSON.parse(r.stdout)['db.url']).toBe('***');
    expect((await runBinary(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await runBinary(['--help'])).code).toBe(0);
    expect((await runBinary(['no-such-command', '--bogus'])).code).toBe(2);
  });
});

describe('compiled binary with MariaDB', () => {
  test('serve refuses an unmigrated database; db migrate creates the schema; serve then works', async () => {
    const db = await createTestDatabase('batata_e2e');
    cleanups.push(db.drop);
    const port = await freePort();
    const refused = await runBinary([
      'serve',
      '--port',
      String(port),
      '--db-url',
      db.url,
      '--set',
      'log.dir=',
    ]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('batata db migrate');

    const dry = await runBinary(['db', 'migrate', '--db-url', db.url, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('CREATE TABLE IF NOT EXISTS `config_info`');

    const mig = await runBinary(['db', 'migrate', '--db-url', db.url, '--json']);
    expect(mig.code).toBe(0);
    const out = JSON.parse(mig.stdout);
    expect(out.schemaVersion).toBe(out.latest);
    expect(out.applied.length).toBeGreaterThan(0);
    const again = await runBinary(['db', 'migrate', '--db-url', db.url, '--json']);
    expect(JSON.parse(again.stdout).applied).toEqual([]);

    const s = await spawnBinary({ args: ['--db-url', db.url] });
    cleanups.push(() => s.stop());
    expect(
      (
        await form('POST', `${s.nacos}/v1/console/namespaces`, {
          customNamespaceId: 'on-mysql',
          namespaceName: 'M',
        })
      ).text,
    ).toBe('true');
    await s.kill9();
    const s2 = await spawnBinary({ args: ['--db-url', db.url] });
    cleanups.push(() => s2.stop());
    const list = await (await fetch(`${s2.nacos}/v1/console/namespaces`)).json();
    expect(list.data.map((n: any) => n.namespace)).toContain('on-mysql');
  });

  test('conf/mysql-schema.sql loads with the mysql client and satisfies serve', async () => {
    const db = await createTestDatabase('batata_schema');
    cleanups.push(db.drop);
    const script = readFileSync(join(import.meta.dir, '../../conf/mysql-schema.sql'), 'utf8')
      .replace('CREATE DATABASE IF NOT EXISTS `batata` DEFAULT CHARACTER SET utf8mb4;', '')
      .replace('USE `batata`;', `USE \`${db.name}\`;`);
    const p = Bun.spawn(['mariadb', '-h', '127.0.0.1', '-u', 'root'], {
      stdin: new TextEncoder().encode(script),
      stderr: 'pipe',
    });
    expect(await p.exited).toBe(0);
    const st = await runBinary(['db', 'status', '--db-url', db.url, '--json']);
    expect(JSON.parse(st.stdout).pending).toEqual([]);
  });
});
