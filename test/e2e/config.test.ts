import { afterAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBinary, spawnBinary } from '../support/binary';
import { freePort } from '../support/ports';
import { form } from '../support/server';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe('config service in the compiled binary', () => {
  test('a publish that returned survives kill -9; history and long polling work after restart', async () => {
    const a = await spawnBinary();
    const r = await form('POST', `${a.nacos}/v1/cs/configs`, {
      dataId: 'durable.yaml',
      group: 'G',
      tenant: 'prod',
      content: 'k: v ✓',
      type: 'yaml',
    });
    expect(r.text).toBe('true');
    await a.kill9();

    const b = await spawnBinary({ dataDir: a.dataDir });
    cleanups.push(() => b.stop());
    const g = await fetch(`${b.nacos}/v1/cs/configs?dataId=durable.yaml&group=G&tenant=prod`);
    expect(await g.text()).toBe('k: v ✓');
    expect(g.headers.get('Content-MD5')).toBe(md5('k: v ✓'));
    expect(g.headers.get('Config-Type')).toBe('yaml');
    const h = (await (
      await fetch(
        `${b.nacos}/v2/cs/history/list?dataId=durable.yaml&group=G&namespaceId=prod&pageNo=1&pageSize=10`,
      )
    ).json()) as any;
    expect(h.data.totalCount).toBe(1);

    // A held long poll (30 s client timeout) is answered when the config changes.
    const held = fetch(`${b.nacos}/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      body: new URLSearchParams({
        'Listening-Configs': `durable.yaml\u0002G\u0002${md5('k: v ✓')}\u0002prod\u0001`,
      }).toString(),
    }).then((x) => x.text());
    await Bun.sleep(100);
    await form('POST', `${b.nacos}/v1/cs/configs`, {
      dataId: 'durable.yaml',
      group: 'G',
      tenant: 'prod',
      content: 'k: 2',
    });
    expect(await held).toBe('durable.yaml%02G%02prod%01\n');
  });

  test('a held long poll does not delay shutdown', async () => {
    const s = await spawnBinary();
    const held = fetch(`${s.nacos}/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      body: new URLSearchParams({ 'Listening-Configs': 'x\u0002G\u0002\u0001' }).toString(),
    })
      .then((x) => x.text())
      .catch(() => 'closed');
    await Bun.sleep(200);
    const t0 = Date.now();
    expect(await s.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await held).toBe('');
  });

  test('CLI: config publish|get|list|history|delete with exit codes', async () => {
    const s = await spawnBinary();
    cleanups.push(() => s.stop());
    const env = { BATATA_SERVER: `127.0.0.1:${s.ports.main}` };
    const cli = (args: string[], stdin?: string) => runBinary(['config', ...args], { env, stdin });

    expect((await cli(['publish', 'cli.yaml', 'a: 1', '--type', 'yaml', '-g', 'CLI'])).code).toBe(0);
    const file = join(tmpdir(), `batata-cli-${Date.now()}.txt`);
    writeFileSync(file, 'from file');
    expect((await cli(['publish', 'file.txt', '--file', file, '-g', 'CLI'])).code).toBe(0);
    expect((await cli(['publish', 'stdin.txt', '-g', 'CLI', '-n', 'dev'], 'from stdin')).code).toBe(0);

    const got = await cli(['get', 'cli.yaml', '-g', 'CLI']);
    expect(got).toMatchObject({ code: 0, stdout: 'a: 1\n' });
    expect((await cli(['get', 'file.txt', '-g', 'CLI'])).stdout).toBe('from file\n');
    const dev = await cli(['get', 'stdin.txt', '-g', 'CLI', '-n', 'dev', '--json']);
    expect(JSON.parse(dev.stdout)).toMatchObject({ content: 'from stdin', namespaceId: 'dev' });

    const list = await cli(['list', '-g', 'CLI', '--json']);
    expect(JSON.parse(list.stdout).totalCount).toBe(2);
    expect((await cli(['list', '-g', 'CLI'])).stdout).toContain('CLI/cli.yaml\tyaml\t');

    expect((await cli(['publish', 'cli.yaml', 'a: 2', '-g', 'CLI'])).code).toBe(0);
    const hist = await cli(['history', 'cli.yaml', '-g', 'CLI', '--json']);
    expect(JSON.parse(hist.stdout).pageItems.map((x: any) => x.opType)).toEqual(['U', 'I']);

    // CAS conflict → 6, missing → 3, bad input → 2, unreachable → 4.
    expect((await cli(['publish', 'cli.yaml', 'a: 3', '-g', 'CLI', '--cas-md5', 'nope'])).code).toBe(6);
    expect((await cli(['delete', 'cli.yaml', '-g', 'CLI'])).code).toBe(0);
    const missing = await cli(['get', 'cli.yaml', '-g', 'CLI']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('not exist');
    expect((await cli(['publish', 'bad/id', 'x'])).code).toBe(2);
    const port = await freePort();
    const down = await runBinary(['config', 'get', 'x', '--server', `127.0.0.1:${port}`]);
    expect(down.code).toBe(4);
  }, 60_000);
});
