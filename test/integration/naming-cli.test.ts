import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Command } from 'commander';
import { registerNs } from '../../cli/commands/ns';
import type { Io } from '../../cli/io';
import { runCli } from '../../cli/program';
import { startTestServer, type TestServer } from '../support/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

function capture(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    stdin: async () => '',
    env: { BATATA_SERVER: `127.0.0.1:${t.ports.main}`, ...env },
  };
  return { io, out, err };
}

describe('batata ns (in-process, injected io)', () => {
  test('register --persistent, list (table and json), services, deregister', async () => {
    let c = capture();
    expect(
      await runCli(['ns', 'register', 'cli-a', '10.6.0.1:80', '--persistent', '-m', 'k=v', '-g', 'G1'], c.io),
    ).toBe(0);
    expect(c.out[0]).toBe('registered G1@@cli-a 10.6.0.1:80 (persistent)');
    c = capture();
    expect(await runCli(['ns', 'list', 'cli-a', '-g', 'G1'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^ADDRESS\s+CLUSTER\s+WEIGHT\s+HEALTH/);
    expect(c.out[1]).toMatch(/^10\.6\.0\.1:80\s+DEFAULT\s+1\s+healthy\s+enabled\s+persistent\s+k=v$/);
    c = capture();
    expect(await runCli(['ns', 'services', '-g', 'G1', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out.join('\n'))).toEqual({ count: 1, services: ['cli-a'] });
    c = capture();
    expect(await runCli(['ns', 'deregister', 'cli-a', '10.6.0.1:80', '-g', 'G1', '--persistent'], c.io)).toBe(
      0,
    );
    c = capture();
    expect(await runCli(['ns', 'list', 'cli-a', '-g', 'G1'], c.io)).toBe(0);
    expect(c.out[0]).toBe('G1@@cli-a: no instances');
  });

  test('exit codes: bad address 2, rejected input 2, unknown instance beat 3, unreachable server 4', async () => {
    let c = capture();
    expect(await runCli(['ns', 'register', 'x', 'nope'], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain("address must be ip:port, got 'nope'");
    c = capture();
    expect(
      await runCli(['ns', 'register', 'x', '1.1.1.1:1', '--persistent', '--cluster', 'bad_name'], c.io),
    ).toBe(2);
    expect(c.err.join('\n')).toContain("Instance 'clusterName' should be characters");
    c = capture();
    expect(await runCli(['ns', 'beat', 'x', '9.9.9.9:1'], c.io)).toBe(3);
    c = capture({ BATATA_SERVER: '127.0.0.1:1' });
    expect(await runCli(['ns', 'services'], c.io)).toBe(4);
  });

  test('register --ephemeral beats until the signal, then deregisters', async () => {
    const c = capture();
    const ac = new AbortController();
    const program = new Command('batata').exitOverride();
    registerNs(program, c.io, () => ac.signal);
    const run = program.parseAsync(
      ['ns', 'register', 'cli-e', '10.6.0.2:81', '-m', 'preserved.heart.beat.interval=200'],
      { from: 'user' },
    );
    const list = async () =>
      (await (await fetch(`${t.nacos}/v1/ns/instance/list?serviceName=cli-e`)).json()).hosts as unknown[];
    const end = Date.now() + 5000;
    while (!c.err.some((l) => l.startsWith('beat #3 ok')) && Date.now() < end) await Bun.sleep(50);
    expect(c.out[0]).toContain('registered DEFAULT_GROUP@@cli-e 10.6.0.2:81 (ephemeral); beating');
    expect(c.err[0]).toBe('beat #1 ok (code 10200, next in 200 ms)');
    expect(await list()).toHaveLength(1);
    ac.abort();
    await run;
    expect(c.out.at(-1)).toMatch(/^deregistered DEFAULT_GROUP@@cli-e 10\.6\.0\.2:81 after \d+ beat\(s\)$/);
    expect(await list()).toEqual([]);
  });
});
