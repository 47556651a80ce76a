import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataClient, NacosNamingClient as TypedNamingClient } from 'nacos';
import { ADMIN_PASSWORD, AUTH_ON, login } from '../support/auth';
import { closeConfigClient } from '../support/nacos-client';
import { form, startTestServer, type TestServer } from '../support/server';

// BCrypt-heavy steps on a shared 2-core machine: hooks and tests get room beyond the 5 s default.
setDefaultTimeout(30_000);

// The npm package's naming typings are narrower than its JS API.
const NacosNamingClient = TypedNamingClient as unknown as new (opts: object) => any;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const { NacosConfigClient } = require('nacos');

/**
 * The real npm `nacos` 2.6.3 client against an auth-enabled server. Its HTTP agent attaches
 * `username`/`password` to every request (no login round trip); this drives the agent itself
 * against the routes available on this branch.
 */
let t: TestServer;
let cacheDir: string;
beforeAll(async () => {
  t = await startTestServer({ ...AUTH_ON, 'nacos.core.auth.login.max-attempts': 0 });
  cacheDir = mkdtempSync(join(tmpdir(), 'batata-nacos-client-'));
  // app: read/write on everything in `public`; outsider: only the `other` namespace.
  const q = `accessToken=${await login(t.nacos, 'nacos', ADMIN_PASSWORD)}`;
  for (const [user, role, resource] of [
    ['app', 'app-rw', 'public:*:*'],
    ['outsider', 'other-rw', 'other:*:*'],
  ]) {
    await form('POST', `${t.nacos}/v1/auth/users?${q}`, { username: user!, password: `${user}-pass` });
    await form('POST', `${t.nacos}/v1/auth/roles?${q}`, { username: user!, role: role! });
    await form('POST', `${t.nacos}/v1/auth/permissions?${q}`, {
      role: role!,
      resource: resource!,
      action: 'rw',
    });
  }
});
afterAll(async () => {
  await t.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

function client(username: string, password: string) {
  // DataClient is what NacosConfigClient runs in-process (the latter only adds cluster-client leader election).
  const c = new DataClient({
    serverAddr: `127.0.0.1:${t.ports.main}`,
    namespace: 'public',
    username,
    password,
    requestTimeout: 2000,
    cacheDir,
  } as ConstructorParameters<typeof DataClient>[0]);
  // A late error after close must not surface as an unhandled 'error' event in a later test file.
  (c as unknown as { on(e: string, f: () => void): void }).on('error', () => {});
  return c;
}

describe('npm nacos client with username/password', () => {
  test('authenticates with its credentials on every request', async () => {
    const c = client('nacos', ADMIN_PASSWORD);
    try {
      const agent = (c as unknown as { httpAgent: { request(p: string, o: object): Promise<string> } })
        .httpAgent;
      const created = await agent.request('/v1/console/namespaces', {
        method: 'POST',
        data: { customNamespaceId: 'from-npm', namespaceName: 'npm', namespaceDesc: '' },
      });
      expect(String(created)).toBe('true');
      const list = JSON.parse(await agent.request('/v1/console/namespaces', { method: 'GET', data: {} }));
      expect(list.data.map((n: { namespace: string }) => n.namespace)).toContain('from-npm');
    } finally {
      closeConfigClient(c);
    }
  });

  test('a wrong password is refused with 403', async () => {
    const c = client('nacos', 'wrong-password');
    try {
      const agent = (c as unknown as { httpAgent: { request(p: string, o: object): Promise<string> } })
        .httpAgent;
      const err = await agent.request('/v1/console/namespaces', { method: 'GET', data: {} }).then(
        () => undefined,
        (e: Error & { body?: string }) => e,
      );
      expect(err?.message).toContain('Status: 403');
      // The agent retries until its timeout, so the lockout may kick in before it gives up.
      expect(err?.body).toMatch(
        /^(User not found! Please check user exist or password is right!|too many failed logins)/,
      );
    } finally {
      closeConfigClient(c);
    }
  });
});

describe('npm nacos clients against config and naming with auth on', () => {
  test('NacosConfigClient: publish, get, subscribe and remove as a permitted user', async () => {
    const c = new NacosConfigClient({
      serverAddr: `127.0.0.1:${t.ports.main}`,
      username: 'app',
      password: 'app-pass',
      requestTimeout: 5000,
      cacheDir,
    });
    c.on('error', () => {});
    try {
      expect(await c.publishSingle('auth-client.yaml', 'DEFAULT_GROUP', 'v: 1')).toBe(true);
      expect(await c.getConfig('auth-client.yaml', 'DEFAULT_GROUP')).toBe('v: 1');
      const updated = new Promise<string>((resolve) => {
        c.subscribe({ dataId: 'auth-client.yaml', group: 'DEFAULT_GROUP' }, (v: string) => {
          if (v === 'v: 2') resolve(v);
        });
      });
      await Bun.sleep(300);
      expect(await c.publishSingle('auth-client.yaml', 'DEFAULT_GROUP', 'v: 2')).toBe(true);
      expect(await updated).toBe('v: 2');
      expect(await c.remove('auth-client.yaml', 'DEFAULT_GROUP')).toBe(true);
    } finally {
      closeConfigClient(c);
    }
  }, 20_000);

  test('config reads and writes without permission or without credentials are refused', async () => {
    for (const q of ['username=outsider&password=outsider-pass', '']) {
      const get = await fetch(`${t.nacos}/v1/cs/configs?dataId=x&group=DEFAULT_GROUP&${q}`);
      expect(get.status).toBe(403);
      const post = await fetch(`${t.nacos}/v1/cs/configs?${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'dataId=x&group=DEFAULT_GROUP&content=hacked',
      });
      expect(post.status).toBe(403);
    }
  });

  test('NacosNamingClient: register and list instances as a permitted user; outsider refused', async () => {
    const c = new NacosNamingClient({
      logger: quiet,
      serverList: `127.0.0.1:${t.ports.main}`,
      namespace: 'public',
      username: 'app',
      password: 'app-pass',
    });
    await c.ready();
    try {
      await c.registerInstance('auth-svc', { ip: '10.9.0.1', port: 8080 });
      const all = await c.getAllInstances('auth-svc', 'DEFAULT_GROUP', '', false);
      expect(all.map((h: { ip: string }) => h.ip)).toEqual(['10.9.0.1']);
    } finally {
      await c.close();
    }
    const r = await fetch(
      `${t.nacos}/v1/ns/instance/list?serviceName=auth-svc&username=outsider&password=outsider-pass`,
    );
    expect(r.status).toBe(403);
    const w = await form('POST', `${t.nacos}/v1/ns/instance?username=outsider&password=outsider-pass`, {
      serviceName: 'auth-svc',
      ip: '10.9.0.2',
      port: 8080,
    });
    expect(w.status).toBe(403);
  }, 20_000);
});
