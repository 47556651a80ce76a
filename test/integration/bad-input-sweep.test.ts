import { afterAll, beforeAll, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { AUTH_ON, expiredToken, foreignToken } from '../support/auth';
import { LONG_300 } from '../support/bad-input';
import {
  credentialProbes,
  malformedProbes,
  operations,
  runProbes,
  wrongMethodProbes,
} from '../support/route-sweep';
import { form, startTestServer, type TestServer } from '../support/server';

/**
 * Robustness sweep: every operation of the server's own OpenAPI document (Nacos v1/v2/v3, console
 * routes on both listeners, Consul /v1) gets a fixed set of malformed requests
 * (test/support/bad-input.ts). Each must answer within REQUEST_TIMEOUT_MS, below 500 except where
 * Consul answers 500 by design, in its protocol's error shape (the rules and their listed exceptions
 * are in test/support/route-sweep.ts), and the data stored before the sweep must read back unchanged,
 * also after a restart.
 */

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ 'log.access': false });
});
afterAll(async () => {
  await t.stop();
});

const SEED = {
  config: { dataId: 'seed.properties', group: 'SEED_GROUP', content: 'a=1\nb=ü\n' },
  instance: {
    serviceName: 'seed-svc',
    groupName: 'SEED_GROUP',
    ip: '10.254.0.1',
    port: '8848',
    weight: '2.5',
    ephemeral: 'false',
    metadata: '{"zone":"a"}',
  },
  kv: { key: 'seed/key', value: new Uint8Array([0, 1, 2, 250, 255]), flags: '42' },
};

const bases = (s: TestServer) => ({ main: s.url, console: `http://127.0.0.1:${s.ports.console}` });

async function seed() {
  const c = await form('POST', `${t.nacos}/v1/cs/configs`, SEED.config);
  expect(c.text).toBe('true');
  const i = await form('POST', `${t.nacos}/v1/ns/instance`, SEED.instance);
  expect(i.text).toBe('ok');
  const k = await fetch(`${t.url}/v1/kv/${SEED.kv.key}?flags=${SEED.kv.flags}`, {
    method: 'PUT',
    body: SEED.kv.value,
  });
  expect(await k.text()).toBe('true');
}

async function readSeed() {
  const { dataId, group } = SEED.config;
  const config = await (await fetch(`${t.nacos}/v1/cs/configs?dataId=${dataId}&group=${group}`)).text();
  const { serviceName, groupName } = SEED.instance;
  const list = (await (
    await fetch(`${t.nacos}/v1/ns/instance/list?serviceName=${serviceName}&groupName=${groupName}`)
  ).json()) as { hosts: Array<Record<string, unknown>> };
  const instances = list.hosts.map((h) => ({
    ip: h.ip,
    port: h.port,
    weight: h.weight,
    ephemeral: h.ephemeral,
    enabled: h.enabled,
    metadata: h.metadata,
    clusterName: h.clusterName,
  }));
  const raw = new Uint8Array(await (await fetch(`${t.url}/v1/kv/${SEED.kv.key}?raw`)).arrayBuffer());
  const kv = ((await (await fetch(`${t.url}/v1/kv/${SEED.kv.key}`)).json()) as Array<{ Flags: number }>)[0];
  return { config, instances, kvValue: [...raw], kvFlags: kv?.Flags };
}

test('every route answers malformed input with a protocol-shaped 4xx, in time, and keeps stored data', async () => {
  await seed();
  const before = await readSeed();
  expect(before.config).toBe(SEED.config.content);
  expect(before.instances).toEqual([
    {
      ip: '10.254.0.1',
      port: 8848,
      weight: 2.5,
      ephemeral: false,
      enabled: true,
      metadata: { zone: 'a' },
      clusterName: 'DEFAULT',
    },
  ]);
  expect(before.kvValue).toEqual([...SEED.kv.value]);
  expect(before.kvFlags).toBe(42);

  const ops = await operations(t.nacos);
  expect(ops.some((o) => o.path.startsWith('/nacos/v1/'))).toBe(true);
  expect(ops.some((o) => o.path.startsWith('/nacos/v2/'))).toBe(true);
  expect(ops.some((o) => o.path.startsWith('/nacos/v3/console/'))).toBe(true);
  expect(ops.some((o) => o.listener === 'console')).toBe(true);
  expect(ops.some((o) => o.path.startsWith('/v1/kv/'))).toBe(true);

  const probes = [...ops.flatMap(malformedProbes), ...wrongMethodProbes(ops)];
  const { failures, statuses, slowest } = await runProbes(probes, bases(t));
  console.log(
    `bad-input sweep: ${ops.length} operations, ${probes.length} probes, slowest ${Math.round(slowest.ms)} ms (${slowest.probe.slice(0, 120)})`,
  );
  expect(failures).toEqual([]);
  // The probes reach validation: most are refused, many still succeed (bad values that are legal).
  expect(statuses.get(400)).toBeGreaterThan(probes.length / 5);
  expect(statuses.get(200)).toBeGreaterThan(probes.length / 5);

  for (const url of [`${t.nacos}/v1/console/health/liveness`, `${t.nacos}/v2/console/health/readiness`]) {
    const res = await fetch(url);
    expect(res.status, url).toBe(200);
  }
  expect(await (await fetch(`${t.url}/v1/status/leader`)).text()).toContain(':');
  expect(await readSeed()).toEqual(before);

  // Whatever the sweep managed to store must load again: a restart on the same data boots and
  // still serves the seed.
  const dataDir = t.dataDir;
  await t.stop({ keepData: true });
  t = await startTestServer({ 'log.access': false }, { dataDir });
  try {
    expect(await readSeed()).toEqual(before);
  } finally {
    await t.stop(); // afterAll's second stop() is a no-op
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

test('with auth on, every route answers missing or garbage credentials with a protocol-shaped refusal', async () => {
  const secured = await startTestServer({ ...AUTH_ON, 'log.access': false });
  try {
    const tokens = [
      { name: 'letters', raw: 'abc' },
      { name: 'three-dots', raw: 'a.b.c' },
      { name: 'alg-none', raw: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJuYWNvcyJ9.' },
      { name: 'expired', raw: await expiredToken('nacos') },
      { name: 'foreign-key', raw: await foreignToken('nacos') },
      { name: 'invalid-escape', raw: '%ZZ' },
      { name: 'long-300', raw: LONG_300 },
    ];
    const ops = await operations(secured.nacos);
    const probes = ops.flatMap((op) => credentialProbes(op, tokens));
    const { failures, statuses } = await runProbes(probes, bases(secured));
    expect(failures).toEqual([]);
    expect(statuses.get(403)).toBeGreaterThan(probes.length / 2);
    expect((await fetch(`${secured.nacos}/v1/console/health/liveness`)).status).toBe(200);
  } finally {
    await secured.stop();
  }
}, 60_000);
