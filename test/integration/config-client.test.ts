import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeConfigClient } from '../support/nacos-client';
import { form, startTestServer, type TestServer } from '../support/server';

// The real npm client (nacos 2.6.3): it speaks HTTP v1 including the long poll.
const { NacosConfigClient } = require('nacos');

let t: TestServer;
const clients: Array<{ close(): void }> = [];
const cacheDir = mkdtempSync(join(tmpdir(), 'batata-nacos-cache-'));

function client(namespace?: string) {
  const c = new NacosConfigClient({
    serverAddr: `127.0.0.1:${t.ports.main}`,
    namespace,
    requestTimeout: 5000,
    cacheDir,
  });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

function nextValue(c: any, dataId: string, group: string, accept: (v: string | null) => boolean) {
  return new Promise<string | null>((resolve) => {
    const fn = (v: string | null) => {
      if (accept(v)) {
        c.unSubscribe({ dataId, group }, fn);
        resolve(v);
      }
    };
    c.subscribe({ dataId, group }, fn);
  });
}

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  for (const c of clients) closeConfigClient(c);
  await t.stop();
});

describe('npm nacos client (NacosConfigClient 2.6.3)', () => {
  test('publish, getConfig, subscribe sees an update within 1 s, remove', async () => {
    const c = client();
    expect(await c.publishSingle('client.yaml', 'DEFAULT_GROUP', 'v: 1\n中文: ✓', { type: 'yaml' })).toBe(
      true,
    );
    expect(await c.getConfig('client.yaml', 'DEFAULT_GROUP')).toBe('v: 1\n中文: ✓');

    const first = await nextValue(c, 'client.yaml', 'DEFAULT_GROUP', (v) => v === 'v: 1\n中文: ✓');
    expect(first).toBe('v: 1\n中文: ✓');
    // Let the client enter its 30 s long poll, then change the config from elsewhere.
    await Bun.sleep(200);
    const updated = nextValue(c, 'client.yaml', 'DEFAULT_GROUP', (v) => v === 'v: 2');
    const t0 = performance.now();
    const r = await form('POST', `${t.nacos}/v1/cs/configs`, {
      dataId: 'client.yaml',
      group: 'DEFAULT_GROUP',
      content: 'v: 2',
    });
    expect(r.text).toBe('true');
    expect(await updated).toBe('v: 2');
    expect(performance.now() - t0).toBeLessThan(1000);

    expect(await c.remove('client.yaml', 'DEFAULT_GROUP')).toBe(true);
    expect(await c.getConfig('client.yaml', 'DEFAULT_GROUP')).toBeNull();
    clients.splice(clients.indexOf(c), 1);
    closeConfigClient(c);
  });

  test('non-public namespace is separate from the default one', async () => {
    await form('POST', `${t.nacos}/v1/console/namespaces`, {
      customNamespaceId: 'dev',
      namespaceName: 'dev',
    });
    // One client per process: nacos 2.6.3 clients in one process share option state.
    const dev = client('dev');
    await dev.publishSingle('ns.properties', 'G', 'env=dev');
    await form('POST', `${t.nacos}/v1/cs/configs`, {
      dataId: 'ns.properties',
      group: 'G',
      content: 'env=public',
    });
    expect(await dev.getConfig('ns.properties', 'G')).toBe('env=dev');
    const pubGet = () => fetch(`${t.nacos}/v1/cs/configs?dataId=ns.properties&group=G`).then((r) => r.text());
    expect(await pubGet()).toBe('env=public');
    const raw = await fetch(`${t.nacos}/v1/cs/configs?dataId=ns.properties&group=G&tenant=dev`);
    expect(await raw.text()).toBe('env=dev');
    // Namespace views count configs.
    const list = (await (await fetch(`${t.nacos}/v1/console/namespaces`)).json()) as any;
    expect(list.data.find((n: any) => n.namespace === 'dev').configCount).toBe(1);

    const seen = nextValue(dev, 'ns.properties', 'G', (v) => v === 'env=dev2');
    await Bun.sleep(200);
    await form('POST', `${t.nacos}/v1/cs/configs`, {
      dataId: 'ns.properties',
      group: 'G',
      tenant: 'dev',
      content: 'env=dev2',
    });
    expect(await seen).toBe('env=dev2');
    expect(await pubGet()).toBe('env=public');
  });
});
