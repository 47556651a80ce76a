import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelFilter, Log, MemorySink } from '../../src/core/log';
import { startConsoleNode } from '../../src/main';
import { loadSettings, SettingsError } from '../../src/settings/settings';
import { freePort } from '../support/ports';
import { form, startTestServer, type TestServer } from '../support/server';

const quiet = () => new Log({ filter: new LevelFilter('error'), sinks: [new MemorySink()] });

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function consoleNode(overrides: Record<string, unknown>) {
  const port = await freePort();
  const settings = loadSettings({
    configPath: join(mkdtempSync(join(tmpdir(), 'batata-console-')), 'none.yml'),
    configPathExplicit: false,
    env: {},
    overrides: {
      'deployment.type': 'console',
      'nacos.console.port': port,
      'nacos.server.bind-address': '127.0.0.1',
      'log.dir': '',
      ...overrides,
    },
  });
  return startConsoleNode(settings, { log: quiet() });
}

let t: TestServer;
let c: string;
beforeAll(async () => {
  t = await startTestServer();
  c = `http://127.0.0.1:${t.ports.console}`;
});
afterAll(async () => {
  await t.stop();
});

describe('deployment type all: console port', () => {
  test('serves the UI shell and its assets compressed, with cache headers', async () => {
    const shell = await fetch(`${c}/`, { headers: { 'accept-encoding': 'br' }, decompress: false } as any);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-encoding')).toBe('br');
    expect(shell.headers.get('content-type')).toContain('text/html');
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    expect(shell.headers.get('vary')).toBe('Accept-Encoding');
    const html = await (await fetch(`${c}/`)).text();
    const js = html.match(/src="(\/assets\/app\.[^"]+\.js)"/)![1]!;
    const css = html.match(/href="(\/assets\/app\.[^"]+\.css)"/)![1]!;
    const gz = await fetch(`${c}${js}`, { headers: { 'accept-encoding': 'gzip' }, decompress: false } as any);
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('cache-control')).toContain('immutable');
    const zipped = new Uint8Array(await gz.arrayBuffer());
    const plain = await (await fetch(`${c}${js}`, { headers: { 'accept-encoding': 'identity' } })).text();
    expect(new TextDecoder().decode(Bun.gunzipSync(zipped))).toBe(plain);
    expect(zipped.length).toBeLessThan(plain.length / 2);
    expect((await fetch(`${c}${css}`)).headers.get('content-type')).toContain('text/css');
    const etag = gz.headers.get('etag')!;
    expect((await fetch(`${c}${js}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${c}/assets/nope.js`)).status).toBe(404);
  });

  test('console API: health, server state, cluster nodes, namespaces; errors as Result', async () => {
    expect(await (await fetch(`${c}/v3/console/health/liveness`)).json()).toEqual({
      code: 0,
      message: 'success',
      data: 'ok',
    });
    expect((await (await fetch(`${c}/v3/console/health/readiness`)).json()).data).toBe('ok');
    const state = await (await fetch(`${c}/v3/console/server/state`)).json();
    expect(state.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(state.standalone_mode).toBe('standalone');
    expect(state.console_ui_enabled).toBe('true');
    expect((await (await fetch(`${c}/v3/console/server/announcement?language=en-US`)).json()).code).toBe(0);
    expect((await (await fetch(`${c}/v3/console/server/guide`)).json()).code).toBe(0);
    const nodes = await (await fetch(`${c}/v3/console/core/cluster/nodes`)).json();
    expect(nodes.data[0].state).toBe('UP');
    expect(nodes.data[0].address).toBe(`127.0.0.1:${t.ports.main}`);

    const created = await form('POST', `${c}/v3/console/core/namespace`, {
      namespaceId: 'from-console',
      namespaceName: 'From console',
    });
    expect(JSON.parse(created.text)).toEqual({ code: 0, message: 'success', data: true });
    const list = await (await fetch(`${t.nacos}/v3/admin/core/namespace/list`)).json();
    expect(list.data.map((n: any) => n.namespace)).toContain('from-console');

    const missing = await fetch(`${c}/v3/console/nothing/here`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).code).toBe(20004);
    const bad = await form('POST', `${c}/v3/console/core/namespace`, {});
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).code).toBe(10000);
  });

  test('console config API: publish, list and stop tag gray versions', async () => {
    const base = `${c}/v3/console/cs/config`;
    const key = { dataId: 'gray.properties', groupName: 'GRAY' };
    const grays = async () =>
      (await (await fetch(`${base}/gray?${new URLSearchParams(key)}`)).json()).data as any[];
    expect(await grays()).toEqual([]);
    expect((await form('POST', base, { ...key, content: 'k=formal' })).status).toBe(200);
    expect((await form('POST', base, { ...key, content: 'k=canary', tag: 'canary' })).status).toBe(200);
    expect((await form('POST', base, { ...key, content: 'k=blue', tag: 'blue' })).status).toBe(200);
    const listed = await grays();
    expect(listed.map((g) => [g.grayName, JSON.parse(g.grayRule).expr, g.content]).sort()).toEqual([
      ['tag_blue', 'blue', 'k=blue'],
      ['tag_canary', 'canary', 'k=canary'],
    ]);
    const q = 'dataId=gray.properties&group=GRAY';
    expect(await (await fetch(`${t.nacos}/v1/cs/configs?${q}&tag=canary`)).text()).toBe('k=canary');
    expect(await (await fetch(`${t.nacos}/v1/cs/configs?${q}`)).text()).toBe('k=formal');
    expect((await form('DELETE', base, { ...key, tag: 'canary' })).status).toBe(200);
    expect((await grays()).map((g) => g.grayName)).toEqual(['tag_blue']);
    expect((await fetch(`${t.nacos}/v1/cs/configs?${q}&tag=canary`)).status).toBe(404);
    expect(await (await fetch(`${t.nacos}/v1/cs/configs?${q}`)).text()).toBe('k=formal');
  });

  test('the main port serves the console API under the context path; not the UI', async () => {
    const r = await fetch(`${t.nacos}/v3/console/core/namespace/list`);
    expect((await r.json()).data.map((n: any) => n.namespace)).toContain('public');
    expect((await fetch(`${t.url}/`)).status).toBe(404);
  });

  test('a console context path prefixes the UI and the API', async () => {
    const s = await startTestServer({ 'nacos.console.context-path': '/console' });
    try {
      const base = `http://127.0.0.1:${s.ports.console}`;
      expect((await fetch(`${base}/console/`)).status).toBe(200);
      const html = await (await fetch(`${base}/console`)).text();
      expect(html).toContain('content="/console"');
      const js = html.match(/src="(\/console\/assets\/app\.[^"]+\.js)"/)![1]!;
      expect((await fetch(`${base}${js}`)).status).toBe(200);
      expect((await (await fetch(`${base}/console/v3/console/health/liveness`)).json()).data).toBe('ok');
      expect((await fetch(`${base}/v3/console/health/liveness`)).status).toBe(404);
    } finally {
      await s.stop();
    }
  });

  test('nacos.console.ui.enabled=false keeps the console API and drops the UI', async () => {
    const s = await startTestServer({ 'nacos.console.ui.enabled': false });
    try {
      const base = `http://127.0.0.1:${s.ports.console}`;
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await (await fetch(`${base}/v3/console/server/state`)).json()).console_ui_enabled).toBe(
        'false',
      );
      expect((await (await fetch(`${base}/v3/console/core/namespace/list`)).json()).code).toBe(0);
    } finally {
      await s.stop();
    }
  });
});

describe('deployment types server and console', () => {
  test('server: no console port is opened', async () => {
    const s = await startTestServer({ 'deployment.type': 'server' });
    try {
      expect(s.server.ports.console).toBe(0);
      expect(await portOpen(s.ports.console)).toBe(false);
      expect((await fetch(`${s.nacos}/v3/console/health/liveness`)).status).toBe(200);
    } finally {
      await s.stop();
    }
  });

  test('console: serves the UI and forwards the console API to the remote server', async () => {
    const remote = await startTestServer({ 'deployment.type': 'server' });
    const node = await consoleNode({ 'nacos.console.remote.server.address': remote.url });
    try {
      const base = `http://127.0.0.1:${node.ports.console}`;
      expect(node.ports.main).toBe(0);
      expect((await fetch(`${base}/`)).headers.get('content-type')).toContain('text/html');
      expect((await (await fetch(`${base}/v3/console/health/readiness`)).json()).data).toBe('ok');
      const created = await form('POST', `${base}/v3/console/core/namespace`, {
        namespaceId: 'via-remote',
        namespaceName: 'Via remote',
      });
      expect(JSON.parse(created.text).data).toBe(true);
      expect(remote.server.services.namespace.exists('via-remote')).toBe(true);
      const list = await (await fetch(`${base}/v3/console/core/namespace/list`)).json();
      expect(list.data.map((n: any) => n.namespace)).toContain('via-remote');
      const nodes = await (await fetch(`${base}/v3/console/core/cluster/nodes`)).json();
      expect(nodes.data[0].address).toBe(`127.0.0.1:${remote.ports.main}`);
      const err = await form('POST', `${base}/v3/console/core/namespace`, {});
      expect(err.status).toBe(400);
      expect(JSON.parse(err.text).code).toBe(10000);
    } finally {
      await node.stop();
      await remote.stop();
    }
  });

  test('console: an unreachable server is a 503 Result naming it, and readiness fails', async () => {
    const dead = await freePort();
    const node = await consoleNode({ 'nacos.console.remote.server.address': `127.0.0.1:${dead}` });
    try {
      const base = `http://127.0.0.1:${node.ports.console}`;
      const r = await fetch(`${base}/v3/console/core/namespace/list`);
      expect(r.status).toBe(503);
      const body = await r.json();
      expect(body.code).toBe(30000);
      expect(body.data).toContain(`127.0.0.1:${dead}`);
      expect((await fetch(`${base}/v3/console/health/readiness`)).status).toBe(500);
      expect((await fetch(`${base}/v3/console/health/liveness`)).status).toBe(200);
    } finally {
      await node.stop();
    }
  });

  test('console without a remote address is a configuration error', async () => {
    await expect(consoleNode({})).rejects.toBeInstanceOf(SettingsError);
  });
});
