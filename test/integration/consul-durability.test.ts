import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Consul from 'consul';
import { PermissionDenied, Unauthenticated } from '../../src/core/errors';
import type { AuthDecl } from '../../src/http/route-meta';
import type { AuthGate, Credentials, ResourceRef } from '../../src/server/auth-gate';
import { ADMIN_PASSWORD, AUTH_ON, login } from '../support/auth';
import { freePort } from '../support/ports';
import { form, startTestServer } from '../support/server';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Consul KV, sessions and agent services survive a restart', () => {
  test('CAS index, lock holder, LockIndex and uint64 flags are kept; indexes keep rising', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'batata-consul-'));
    dirs.push(dataDir);
    const a = await startTestServer({}, { dataDir });
    const base = `${a.url}/v1`;
    const sid = (
      await (await fetch(`${base}/session/create`, { method: 'PUT', body: '{"Name":"keep"}' })).json()
    ).ID;
    await fetch(`${base}/kv/d/lock?acquire=${sid}&flags=3304740253564472344`, {
      method: 'PUT',
      body: 'held',
    });
    await fetch(`${base}/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'kept', ID: 'kept-1', Port: 81, Tags: ['t'], Check: { TTL: '30s' } }),
    });
    await fetch(`${base}/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'gone', Port: 82 }),
    });
    await fetch(`${base}/agent/service/deregister/gone`, { method: 'PUT' });
    const before = (await (await fetch(`${base}/kv/d/lock`)).json())[0];
    const idxBefore = Number((await fetch(`${base}/kv/d/lock`)).headers.get('x-consul-index'));
    await a.stop({ keepData: true });

    const b = await startTestServer({}, { dataDir });
    try {
      const base2 = `${b.url}/v1`;
      const r = await fetch(`${base2}/kv/d/lock`);
      const text = await r.text();
      expect(text).toContain('"Flags":3304740253564472344,');
      const after = JSON.parse(text.replace(/"Flags":\d+/, '"Flags":0'))[0];
      expect(after.Session).toBe(sid);
      expect(after.LockIndex).toBe(1);
      expect(after.ModifyIndex).toBe(before.ModifyIndex);
      expect(after.CreateIndex).toBe(before.CreateIndex);
      expect(Number(r.headers.get('x-consul-index'))).toBe(idxBefore);
      expect((await (await fetch(`${base2}/session/info/${sid}`)).json())[0].Name).toBe('keep');
      const other = (await (await fetch(`${base2}/session/create`, { method: 'PUT' })).json()).ID;
      expect(
        await (await fetch(`${base2}/kv/d/lock?acquire=${other}`, { method: 'PUT', body: 'x' })).text(),
      ).toBe('false');
      const cas = await fetch(`${base2}/kv/d/lock?cas=${before.ModifyIndex}`, { method: 'PUT', body: 'new' });
      expect(await cas.text()).toBe('true');
      const now = (await (await fetch(`${base2}/kv/d/lock`)).json())[0];
      expect(now.ModifyIndex).toBeGreaterThan(before.ModifyIndex);
      expect(now.Session).toBe(sid); // a plain/cas set keeps the lock
      // agent services come back (checks start over), deregistered ones do not
      const svcs = await (await fetch(`${base2}/agent/services`)).json();
      expect(Object.keys(svcs)).toEqual(['kept-1']);
      expect(svcs['kept-1']).toMatchObject({ Service: 'kept', Port: 81, Tags: ['t'] });
      const checks = await (await fetch(`${base2}/agent/checks`)).json();
      expect(checks['service:kept-1'].Status).toBe('critical');
      const nacos = await (await fetch(`${b.nacos}/v1/ns/instance/list?serviceName=kept`)).json();
      expect(nacos.hosts.map((h: any) => h.instanceId)).toEqual(['kept-1']);
    } finally {
      await b.stop({ keepData: true });
    }
  });
});

describe('catalog registrations, standalone checks and maintenance survive a restart', () => {
  test('other nodes with services and checks, agent checks, node maintenance; removed ones stay gone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'batata-consul-cat-'));
    dirs.push(dataDir);
    const conf = { 'consul.node-name': 'dur-node' };
    const a = await startTestServer(conf, { dataDir });
    const base = `${a.url}/v1`;
    const put = (path: string, body?: unknown) =>
      fetch(`${base}${path}`, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
    expect(
      await (
        await put('/catalog/register', {
          Node: 'ext-db',
          Address: '192.168.7.7',
          NodeMeta: { rack: 'r9' },
          Service: { Service: 'pg', ID: 'pg-1', Port: 5432, Tags: ['primary'] },
          Checks: [
            { CheckID: 'pg-alive', Name: 'pg alive', Status: 'passing', ServiceID: 'pg-1' },
            { CheckID: 'disk', Name: 'disk', Status: 'warning', Output: '91%' },
          ],
        })
      ).text(),
    ).toBe('true');
    await put('/catalog/register', {
      Node: 'gone-node',
      Address: '192.168.7.8',
      Service: { Service: 'tmp' },
    });
    await put('/catalog/deregister', { Node: 'gone-node' });
    const viaTxn = await put('/txn', [
      { Node: { Verb: 'set', Node: { Node: 'txn-node', Address: '192.168.7.9' } } },
      {
        Service: { Verb: 'set', Node: 'txn-node', Service: { ID: 'cache-1', Service: 'cache', Port: 6379 } },
      },
    ]);
    expect(viaTxn.status).toBe(200);
    await put('/agent/service/register', {
      Name: 'app',
      ID: 'app-1',
      Port: 80,
      Check: { TTL: '30s', Status: 'passing' },
    });
    expect(
      (await put('/agent/check/register', { Name: 'mem', ID: 'mem', TTL: '30s', Status: 'passing' })).status,
    ).toBe(200);
    await put('/agent/check/register', { Name: 'app-extra', ServiceID: 'app-1', TTL: '30s' });
    await put('/agent/check/register', { Name: 'dropped', TTL: '30s' });
    await put('/agent/check/deregister/dropped');
    // A catalog check on this node, attached to an agent service.
    await put('/catalog/register', {
      Node: 'dur-node',
      Address: '127.0.0.1',
      Check: { CheckID: 'app-probe', Name: 'external probe', Status: 'warning', ServiceID: 'app-1' },
    });
    expect((await put('/agent/maintenance?enable=true&reason=patching')).status).toBe(200);
    const pgBefore = (await (await fetch(`${base}/catalog/service/pg`)).json())[0];
    await a.stop({ keepData: true });

    const b = await startTestServer(conf, { dataDir });
    try {
      const base2 = `${b.url}/v1`;
      const get = async (path: string) => (await fetch(`${base2}${path}`)).json() as Promise<any>;
      expect((await get('/catalog/nodes')).map((n: any) => n.Node)).toEqual([
        'dur-node',
        'ext-db',
        'txn-node',
      ]);
      const pg = (await get('/catalog/service/pg'))[0];
      expect(pg).toMatchObject({
        Node: 'ext-db',
        Address: '192.168.7.7',
        NodeMeta: { rack: 'r9' },
        ServiceID: 'pg-1',
        ServicePort: 5432,
        ServiceTags: ['primary'],
      });
      expect(pg.CreateIndex).toBeGreaterThan(0);
      expect((await get('/catalog/node/ext-db')).Node.CreateIndex).toBe(pgBefore.CreateIndex);
      const extChecks = await get('/health/node/ext-db');
      expect(extChecks.map((c: any) => [c.CheckID, c.Status, c.Output, c.ServiceName])).toEqual([
        ['disk', 'warning', '91%', ''],
        ['pg-alive', 'passing', '', 'pg'],
      ]);
      expect((await get('/health/service/pg?passing')).length).toBe(0); // the warning node check
      expect((await get('/catalog/service/cache'))[0]).toMatchObject({ Node: 'txn-node', ServicePort: 6379 });
      expect(await get('/catalog/node/gone-node')).toBeNull();
      expect(await get('/catalog/service/tmp')).toEqual([]);
      // Standalone agent checks come back (starting over as critical); node maintenance stays on.
      const checks = await get('/agent/checks');
      expect(Object.keys(checks).sort()).toEqual(['_node_maintenance', 'app-extra', 'mem', 'service:app-1']);
      expect(checks._node_maintenance).toMatchObject({ Status: 'critical', Notes: 'patching' });
      expect(checks.mem).toMatchObject({ Status: 'critical', Type: 'ttl', ServiceID: '' });
      expect(checks['app-extra']).toMatchObject({ ServiceID: 'app-1', ServiceName: 'app' });
      const nacos = await (await fetch(`${b.nacos}/v1/ns/instance/list?serviceName=app`)).json();
      expect(nacos.hosts.map((h: any) => [h.instanceId, h.healthy])).toEqual([['app-1', false]]);
      const probe = (await get('/health/checks/app')).find((c: any) => c.CheckID === 'app-probe');
      expect(probe).toMatchObject({ Status: 'warning', ServiceID: 'app-1', Node: 'dur-node' });
      await fetch(`${base2}/catalog/deregister`, {
        method: 'PUT',
        body: JSON.stringify({ Node: 'dur-node', CheckID: 'app-probe' }),
      });
      // The restored check runs again: a TTL pass works, maintenance off and the agent checks
      // passing make the service healthy.
      await fetch(`${base2}/agent/check/pass/mem`, { method: 'PUT' });
      await fetch(`${base2}/agent/check/pass/app-extra`, { method: 'PUT' });
      await fetch(`${base2}/agent/check/pass/service:app-1`, { method: 'PUT' });
      await fetch(`${base2}/agent/maintenance?enable=false`, { method: 'PUT' });
      expect((await get('/health/service/app?passing')).map((e: any) => e.Service.ID)).toEqual(['app-1']);
    } finally {
      await b.stop({ keepData: true });
    }
    // Maintenance off and deregistrations are durable too.
    const c = await startTestServer(conf, { dataDir });
    try {
      const checks = await (await fetch(`${c.url}/v1/agent/checks`)).json();
      expect(Object.keys(checks).sort()).toEqual(['app-extra', 'mem', 'service:app-1']);
    } finally {
      await c.stop();
    }
  }, 30_000);
});

describe('Consul ACL tokens', () => {
  test('main port: the auth guard checks X-Consul-Token / ?token / Bearer; 403 bodies as Consul', async () => {
    const s = await startTestServer(AUTH_ON);
    try {
      const base = `${s.url}/v1`;
      const token = await login(s.nacos, 'nacos', ADMIN_PASSWORD);
      const anon = await fetch(`${base}/kv/secret`, { method: 'PUT', body: 'x' });
      expect([anon.status, await anon.text()]).toEqual([403, 'ACL not found']);
      const bad = await fetch(`${base}/kv/secret`, {
        method: 'PUT',
        body: 'x',
        headers: { 'X-Consul-Token': 'nope' },
      });
      expect([bad.status, await bad.text()]).toEqual([403, 'ACL not found']);
      const ok = await fetch(`${base}/kv/secret`, {
        method: 'PUT',
        body: 'x',
        headers: { 'X-Consul-Token': token },
      });
      expect(await ok.text()).toBe('true');
      expect(await (await fetch(`${base}/kv/secret?raw&token=${token}`)).text()).toBe('x');
      expect(
        (await fetch(`${base}/kv/secret?raw`, { headers: { Authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
      const consul = new Consul({ host: '127.0.0.1', port: s.ports.main, defaults: { token } });
      expect(((await consul.kv.get('secret')) as any).Value).toBe('x');
      // a user without permissions
      await form('POST', `${s.nacos}/v1/auth/users?accessToken=${token}`, {
        username: 'bob',
        password: 'Bob-pass-123',
      });
      const bob = await login(s.nacos, 'bob', 'Bob-pass-123');
      const denied = await fetch(`${base}/kv/secret`, {
        method: 'PUT',
        body: 'y',
        headers: { 'X-Consul-Token': bob },
      });
      expect([denied.status, await denied.text()]).toEqual([403, 'Permission denied']);
    } finally {
      await s.stop();
    }
  });

  test('consul.port listener: tokens from ?token, X-Consul-Token and Bearer go to the auth gate', async () => {
    const port = await freePort();
    const s = await startTestServer({ 'consul.port': port });
    const calls: Array<{ decl: AuthDecl; res: ResourceRef; token?: string }> = [];
    const gate: AuthGate = {
      enabled: true,
      async authorize(decl: AuthDecl, res: ResourceRef, creds: Credentials) {
        calls.push({ decl, res, token: creds.accessToken });
        if (!creds.accessToken) throw new Unauthenticated('no token');
        if (creds.accessToken === 'reader' && 'action' in decl && decl.action === 'w')
          throw new PermissionDenied('no');
        if (creds.accessToken !== 'reader' && creds.accessToken !== 'admin') throw new Unauthenticated('bad');
        return { username: creds.accessToken };
      },
    };
    const real = s.server.services.auth;
    s.server.services.auth = gate;
    try {
      const base = `http://127.0.0.1:${port}/v1`;
      const anon = await fetch(`${base}/kv/secret`, { method: 'PUT', body: 'x' });
      expect([anon.status, await anon.text()]).toEqual([403, 'ACL not found']);
      const ro = await fetch(`${base}/kv/secret`, {
        method: 'PUT',
        body: 'x',
        headers: { 'X-Consul-Token': 'reader' },
      });
      expect([ro.status, await ro.text()]).toEqual([403, 'Permission denied']);
      const ok = await fetch(`${base}/kv/secret?token=admin`, { method: 'PUT', body: 'x' });
      expect(await ok.text()).toBe('true');
      const bearer = await fetch(`${base}/kv/secret`, { headers: { Authorization: 'Bearer reader' } });
      expect(bearer.status).toBe(200);
      const consul = new Consul({ host: '127.0.0.1', port, defaults: { token: 'reader' } });
      expect(((await consul.kv.get('secret')) as any).Value).toBe('x');
      const last = calls.at(-1)!;
      expect(last.token).toBe('reader');
      expect(last.decl).toEqual({ resource: 'consul-kv', action: 'r' });
      expect(last.res).toEqual({ namespaceId: 'public', group: 'DEFAULT_GROUP', name: 'secret' });
      // ?token wins over the header (Consul precedence)
      await fetch(`${base}/kv/secret?token=admin`, { headers: { 'X-Consul-Token': 'reader' } });
      expect(calls.at(-1)!.token).toBe('admin');
    } finally {
      s.server.services.auth = real;
      await s.stop();
    }
  });
});

describe('Consul authorization: one gate check per request, with the client address', () => {
  type Call = { decl: AuthDecl; res: ResourceRef; ip: string; token?: string };
  /** Records every gate call (the real gate still decides). */
  const spy = (s: Awaited<ReturnType<typeof startTestServer>>) => {
    const gate = s.server.services.auth!;
    const real = gate.authorize.bind(gate);
    const calls: Call[] = [];
    gate.authorize = (decl, res, creds, via) => {
      calls.push({ decl, res, ip: creds.ip, token: creds.accessToken });
      return real(decl, res, creds, via);
    };
    return calls;
  };

  test('main port and consul.port: one check per request; txn ops each checked, the first one counted', async () => {
    const port = await freePort();
    const s = await startTestServer({ ...AUTH_ON, 'consul.port': port });
    try {
      const token = await login(s.nacos, 'nacos', ADMIN_PASSWORD);
      const calls = spy(s);
      for (const base of [`${s.url}/v1`, `http://127.0.0.1:${port}/v1`]) {
        calls.length = 0;
        const r = await fetch(`${base}/kv/app/one`, {
          method: 'PUT',
          body: 'x',
          headers: { 'X-Consul-Token': token },
        });
        expect(await r.text()).toBe('true');
        expect(calls).toEqual([
          {
            decl: { resource: 'consul-kv', action: 'w' },
            res: { namespaceId: 'public', group: 'DEFAULT_GROUP', name: 'app/one' },
            ip: '127.0.0.1',
            token,
          },
        ]);
        calls.length = 0;
        const t = await fetch(`${base}/txn?token=${token}`, {
          method: 'PUT',
          body: JSON.stringify([
            { KV: { Verb: 'set', Key: 'app/two', Value: 'eA==' } },
            { KV: { Verb: 'get', Key: 'app/one' } },
            { Service: { Verb: 'get', Node: 'x', Service: { ID: 'y', Service: 'web' } } },
          ]),
        });
        expect(t.status).toBe(409); // the service does not exist
        expect(calls.map((c) => [c.decl, c.res.name, c.ip])).toEqual([
          [{ resource: 'consul-kv', action: 'w' }, 'app/two', '127.0.0.1'],
          [{ resource: 'consul-kv', action: 'r' }, 'app/one', ''],
          [{ resource: 'consul-service', action: 'r' }, 'web', ''],
        ]);
        // OPTIONS is answered before any authorization, as Consul does.
        calls.length = 0;
        const o = await fetch(`${base}/kv/app/one`, { method: 'OPTIONS' });
        expect([o.status, o.headers.get('allow'), calls.length]).toEqual([200, 'OPTIONS,GET,PUT,DELETE', 0]);
      }
    } finally {
      await s.stop();
    }
  });

  test('names only the handler can read: per-key txn ACLs, catalog register by service name', async () => {
    const s = await startTestServer(AUTH_ON);
    try {
      const base = `${s.url}/v1`;
      const admin = await login(s.nacos, 'nacos', ADMIN_PASSWORD);
      const q = `accessToken=${admin}`;
      await form('POST', `${s.nacos}/v1/auth/users?${q}`, { username: 'kv-app', password: 'Kv-app-pass-1' });
      await form('POST', `${s.nacos}/v1/auth/roles?${q}`, { username: 'kv-app', role: 'app-writer' });
      for (const resource of ['public:DEFAULT_GROUP:kv/app/*', 'public:DEFAULT_GROUP:naming/web'])
        await form('POST', `${s.nacos}/v1/auth/permissions?${q}`, {
          role: 'app-writer',
          resource,
          action: 'rw',
        });
      const token = await login(s.nacos, 'kv-app', 'Kv-app-pass-1');
      const put = (path: string, body: unknown) =>
        fetch(`${base}${path}`, {
          method: 'PUT',
          body: JSON.stringify(body),
          headers: { 'X-Consul-Token': token },
        });
      const mine = await put('/txn', [{ KV: { Verb: 'set', Key: 'app/a', Value: 'eA==' } }]);
      expect(mine.status).toBe(200);
      const theirs = await put('/txn', [
        { KV: { Verb: 'set', Key: 'app/b', Value: 'eA==' } },
        { KV: { Verb: 'set', Key: 'other/b', Value: 'eA==' } },
      ]);
      expect([theirs.status, await theirs.text()]).toEqual([403, 'Permission denied']);
      expect((await fetch(`${base}/kv/app/b?token=${admin}`)).status).toBe(404);
      const web = await put('/catalog/register', {
        Node: 'n-x',
        Address: '10.0.0.1',
        Service: { Service: 'web' },
      });
      expect(await web.text()).toBe('true');
      const db = await put('/catalog/register', {
        Node: 'n-x',
        Address: '10.0.0.1',
        Service: { Service: 'db' },
      });
      expect([db.status, await db.text()]).toEqual([403, 'Permission denied']);
      // Bad input from an unknown caller is refused before it is read.
      const anon = await fetch(`${base}/agent/service/register`, { method: 'PUT', body: '{nope' });
      expect([anon.status, await anon.text()]).toEqual([403, 'ACL not found']);
      const bad = await fetch(`${base}/agent/service/register?token=${admin}`, {
        method: 'PUT',
        body: '{nope',
      });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toStartWith('Request decode failed: ');
      // A body that names nothing needs a grant on every service.
      const unnamed = await put('/agent/service/register', 42);
      expect([unnamed.status, await unnamed.text()]).toEqual([403, 'Permission denied']);
    } finally {
      await s.stop();
    }
  });

  test('the per-client rate limit counts a request once, however many ops it checks', async () => {
    const s = await startTestServer({
      'server.rate-limit.per-client.rps': 1,
      'server.rate-limit.per-client.burst': 3,
    });
    try {
      const ops = JSON.stringify(
        ['a', 'b', 'c', 'd'].map((k) => ({ KV: { Verb: 'set', Key: `rl/${k}`, Value: 'eA==' } })),
      );
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await fetch(`${s.url}/v1/txn`, { method: 'PUT', body: ops })).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.at(-1)).toBe(429);
      const open = await fetch(`${s.url}/v1/status/leader`);
      expect(open.status).toBe(429); // open endpoints pass the same limit
    } finally {
      await s.stop();
    }
  });
});

describe('consul.port listener', () => {
  test('serves the Consul API on its own port, Consul errors included', async () => {
    const port = await freePort();
    const s = await startTestServer({ 'consul.port': port });
    try {
      const consul = new Consul({ host: '127.0.0.1', port });
      expect(await consul.kv.set('own/port', 'yes')).toBe(true);
      const main = await fetch(`${s.url}/v1/kv/own/port?raw`);
      expect(await main.text()).toBe('yes');
      // The consul service of this server carries the Consul port when one is set.
      const own = (await consul.catalog.service.nodes('consul')) as any[];
      expect(own.map((x) => x.ServicePort)).toEqual([port]);
      const miss = await fetch(`http://127.0.0.1:${port}/v1/nothing`);
      expect([miss.status, await miss.text()]).toEqual([
        404,
        'Invalid URL path: not a recognized HTTP API endpoint\n',
      ]);
    } finally {
      await s.stop();
    }
  });
});

describe('shutdown releases held blocking queries', () => {
  test('a 10-minute hold answers as soon as the server stops', async () => {
    const s = await startTestServer();
    const first = await fetch(`${s.url}/v1/kv/held`);
    const idx = first.headers.get('x-consul-index');
    const t0 = performance.now();
    const held = fetch(`${s.url}/v1/kv/held?index=${idx}&wait=10m`).then(
      (r) => r.status,
      () => 'closed',
    );
    await Bun.sleep(100);
    await s.stop();
    const outcome = await held;
    expect([404, 'closed']).toContain(outcome);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
