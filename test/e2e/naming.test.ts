import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NacosNamingClient as TypedClient } from 'nacos';
import { type BinaryServer, runBinary, spawnBinary } from '../support/binary';
import { BINARY, form } from '../support/server';

type AnyClient = any;
const NacosNamingClient = TypedClient as unknown as new (opts: object) => AnyClient;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

let b: BinaryServer;
beforeAll(async () => {
  b = await spawnBinary({
    args: ['--set', 'naming.health-check.interval-ms=200', '--set', 'naming.health-check.threshold=1'],
  });
});
afterAll(async () => {
  await b.stop();
});

const server = () => `127.0.0.1:${b.ports.main}`;
const list = async (svc: string) => (await fetch(`${b.nacos}/v1/ns/instance/list?serviceName=${svc}`)).json();

async function until(what: string, fn: () => Promise<boolean>, ms = 8000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

describe('naming against the compiled binary', () => {
  test('nacos npm client: register, list, subscribe push, deregister', async () => {
    const c = new NacosNamingClient({ logger: quiet, serverList: server(), namespace: 'public' });
    await c.ready();
    try {
      const seen: number[] = [];
      c.subscribe('e2e-svc', (hosts: unknown[]) => seen.push(hosts.length));
      await c.registerInstance('e2e-svc', { ip: '10.8.0.1', port: 80 });
      await c.registerInstance('e2e-svc', { ip: '10.8.0.2', port: 80 });
      expect(await c.getAllInstances('e2e-svc', 'DEFAULT_GROUP', '', false)).toHaveLength(2);
      await until('push of 2 instances', async () => seen.includes(2));
      await c.deregisterInstance('e2e-svc', { ip: '10.8.0.1', port: 80 });
      await until('push of 1 instance', async () => seen.at(-1) === 1);
    } finally {
      await c.close();
    }
  });

  test('persistent instances survive a restart and are health-checked', async () => {
    const reg = await form('POST', `${b.nacos}/v1/ns/instance`, {
      serviceName: 'durable-svc',
      ip: '127.0.0.1',
      port: 1,
      ephemeral: false,
    });
    expect(reg.text).toBe('ok');
    // nothing listens on port 1: the TCP check marks it unhealthy
    await until('unhealthy', async () => (await list('durable-svc')).hosts[0]?.healthy === false);
    await b.stop();
    b = await spawnBinary({ dataDir: b.dataDir, ports: b.ports });
    const info = await list('durable-svc');
    expect(info.hosts).toHaveLength(1);
    expect(info.hosts[0]).toMatchObject({ ip: '127.0.0.1', port: 1, ephemeral: false });
  });

  test('CLI: ns register --ephemeral beats until interrupted; list, services, beat, deregister', async () => {
    const env = { BATATA_SERVER: server() };
    const cwd = mkdtempSync(join(tmpdir(), 'batata-cli-'));
    const proc = Bun.spawn(
      [
        BINARY,
        'ns',
        'register',
        'cli-svc',
        '10.7.0.1:8080',
        '--ephemeral',
        '-m',
        'zone=a',
        '-m',
        'preserved.heart.beat.interval=500',
      ],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'pipe', stderr: 'pipe' },
    );
    let out = '';
    let err = '';
    void (async () => {
      for await (const c of proc.stdout as ReadableStream<Uint8Array>) out += new TextDecoder().decode(c);
    })();
    void (async () => {
      for await (const c of proc.stderr as ReadableStream<Uint8Array>) err += new TextDecoder().decode(c);
    })();
    await until('status line', async () => out.includes('beating'));
    expect(out).toContain('registered DEFAULT_GROUP@@cli-svc 10.7.0.1:8080 (ephemeral)');
    await until('two beats', async () => err.includes('beat #2 ok'));

    const l = await runBinary(['ns', 'list', 'cli-svc', '--json'], { env });
    expect(l.code).toBe(0);
    expect(JSON.parse(l.stdout).hosts[0]).toMatchObject({
      ip: '10.7.0.1',
      port: 8080,
      metadata: { zone: 'a' },
    });
    const table = await runBinary(['ns', 'list', 'cli-svc'], { env });
    expect(table.stdout).toContain('10.7.0.1:8080');
    expect(table.stdout).toContain('healthy');
    const svcs = await runBinary(['ns', 'services', '--json'], { env });
    expect(JSON.parse(svcs.stdout).services).toContain('cli-svc');
    expect((await runBinary(['ns', 'beat', 'cli-svc', '10.7.0.1:8080'], { env })).code).toBe(0);
    expect((await runBinary(['ns', 'beat', 'cli-svc', '10.7.0.9:8080'], { env })).code).toBe(3);

    proc.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    expect(out).toContain('deregistered DEFAULT_GROUP@@cli-svc 10.7.0.1:8080');
    expect((await list('cli-svc')).hosts).toEqual([]);

    const p = await runBinary(['ns', 'register', 'cli-p', '10.7.0.2:9', '--persistent'], { env });
    expect(p.code).toBe(0);
    expect((await list('cli-p')).hosts[0].ephemeral).toBe(false);
    expect((await runBinary(['ns', 'deregister', 'cli-p', '10.7.0.2:9', '--persistent'], { env })).code).toBe(
      0,
    );
    expect((await list('cli-p')).hosts).toEqual([]);
    const bad = await runBinary(['ns', 'register', 'cli-p', 'not-an-address'], { env });
    expect(bad.code).toBe(2);
    const badWeight = await runBinary(
      ['ns', 'register', 'cli-p', '10.7.0.3:1', '--persistent', '-w', '99999'],
      { env },
    );
    expect(badWeight.code).toBe(2);
    expect(badWeight.stderr).toContain('weights range');
    const down = await runBinary(['ns', 'list', 'x'], { env: { BATATA_SERVER: '127.0.0.1:1' } });
    expect(down.code).toBe(4);
  }, 30000);
});
