import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { form, startTestServer, type TestServer } from '../support/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

describe('health and cluster basics', () => {
  test('liveness and readiness on every generation', async () => {
    expect(await (await fetch(`${t.nacos}/v1/console/health/liveness`)).text()).toBe('OK');
    expect(await (await fetch(`${t.nacos}/v1/console/health/readiness`)).text()).toBe('OK');
    expect(await (await fetch(`${t.nacos}/v2/console/health/readiness`)).json()).toEqual({
      code: 0,
      message: 'success',
      data: 'ok',
    });
    expect(await (await fetch(`${t.nacos}/v3/admin/core/state/liveness`)).json()).toEqual({
      code: 0,
      message: 'success',
      data: 'ok',
    });
  });

  test('readiness fails while storage is unreachable', async () => {
    const s = await startTestServer();
    await s.server.db.close();
    await s.server.readiness.runChecks();
    const r = await fetch(`${s.nacos}/v1/console/health/readiness`);
    expect(r.status).toBe(500);
    expect(await r.text()).toContain('storage');
    const r2 = await fetch(`${s.nacos}/v2/console/health/readiness`);
    expect(r2.status).toBe(500);
    expect((await r2.json()).code).toBe(30000);
    await s.server.stop().catch(() => {});
  });

  test('standalone node list has the self member', async () => {
    const v1 = await (await fetch(`${t.nacos}/v1/core/cluster/nodes`)).json();
    expect(v1.code).toBe(200);
    expect(v1.data).toHaveLength(1);
    expect(v1.data[0]).toMatchObject({
      ip: '127.0.0.1',
      port: t.ports.main,
      state: 'UP',
      address: `127.0.0.1:${t.ports.main}`,
    });
    const v2 = await (await fetch(`${t.nacos}/v2/core/cluster/node/list`)).json();
    expect(v2.data[0].address).toBe(`127.0.0.1:${t.ports.main}`);
    const v3 = await (await fetch(`${t.nacos}/v3/admin/core/cluster/node/list`)).json();
    expect(v3.data[0].state).toBe('UP');
  });
});

describe('namespaces over HTTP', () => {
  test('v1 create/list/get/update/check/delete', async () => {
    expect(
      (
        await form('POST', `${t.nacos}/v1/console/namespaces`, {
          customNamespaceId: 'ns-v1',
          namespaceName: 'One',
          namespaceDesc: 'first',
        })
      ).text,
    ).toBe('true');
    expect(
      (
        await form('POST', `${t.nacos}/v1/console/namespaces`, {
          customNamespaceId: 'ns-v1',
          namespaceName: 'Dup',
        })
      ).text,
    ).toBe('false');
    expect(
      (
        await form('POST', `${t.nacos}/v1/console/namespaces`, {
          customNamespaceId: 'bad id!',
          namespaceName: 'x',
        })
      ).text,
    ).toBe('false');
    const list = await (await fetch(`${t.nacos}/v1/console/namespaces`)).json();
    expect(list.data[0]).toEqual({
      namespace: 'public',
      namespaceShowName: 'public',
      namespaceDesc: 'Default Namespace',
      quota: 200,
      configCount: 0,
      type: 0,
    });
    expect(list.data.find((n: any) => n.namespace === 'ns-v1')).toMatchObject({
      namespaceShowName: 'One',
      namespaceDesc: 'first',
      type: 1,
    });
    const one = await (await fetch(`${t.nacos}/v1/console/namespaces?show=all&namespaceId=ns-v1`)).json();
    expect(one.namespaceShowName).toBe('One');
    expect(
      await (
        await fetch(`${t.nacos}/v1/console/namespaces?checkNamespaceIdExist=true&customNamespaceId=ns-v1`)
      ).text(),
    ).toBe('true');
    expect(
      (
        await form('PUT', `${t.nacos}/v1/console/namespaces`, {
          namespace: 'ns-v1',
          namespaceShowName: 'Uno',
          namespaceDesc: 'd',
        })
      ).text,
    ).toBe('true');
    expect(
      (await (await fetch(`${t.nacos}/v1/console/namespaces?show=all&namespaceId=ns-v1`)).json())
        .namespaceShowName,
    ).toBe('Uno');
    expect((await form('DELETE', `${t.nacos}/v1/console/namespaces`, { namespaceId: 'ns-v1' })).text).toBe(
      'true',
    );
    expect(
      await (
        await fetch(`${t.nacos}/v1/console/namespaces?checkNamespaceIdExist=true&customNamespaceId=ns-v1`)
      ).text(),
    ).toBe('false');
    expect((await form('DELETE', `${t.nacos}/v1/console/namespaces`, { namespaceId: 'public' })).text).toBe(
      'false',
    );
  });

  test('v2 and v3 use the Result envelope and Nacos error codes', async () => {
    const c = await form('POST', `${t.nacos}/v2/console/namespace`, {
      namespaceId: 'ns-v2',
      namespaceName: 'Two',
    });
    expect(JSON.parse(c.text)).toEqual({ code: 0, message: 'success', data: true });
    const dup = await form('POST', `${t.nacos}/v3/admin/core/namespace`, {
      namespaceId: 'ns-v2',
      namespaceName: 'Two',
    });
    expect(dup.status).toBe(400);
    expect(JSON.parse(dup.text)).toEqual({
      code: 22002,
      message: 'namespace already exist',
      data: 'namespaceId [ns-v2] already exist.',
    });
    const bad = await form('POST', `${t.nacos}/v3/admin/core/namespace`, {
      namespaceId: 'x',
      namespaceName: 'a@b',
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).code).toBe(22000);
    const missing = await form('POST', `${t.nacos}/v3/admin/core/namespace`, { namespaceId: 'y' });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text).code).toBe(10000);
    const nf = await fetch(`${t.nacos}/v2/console/namespace?namespaceId=nope`);
    expect(nf.status).toBe(404);
    expect((await nf.json()).code).toBe(22001);
    expect(
      (await (await fetch(`${t.nacos}/v3/admin/core/namespace/check?namespaceId=ns-v2`)).json()).data,
    ).toBe(1);
    const list = await (await fetch(`${t.nacos}/v3/admin/core/namespace/list`)).json();
    expect(list.data.map((n: any) => n.namespace)).toContain('ns-v2');
    expect(
      JSON.parse((await form('DELETE', `${t.nacos}/v3/admin/core/namespace`, { namespaceId: 'ns-v2' })).text)
        .data,
    ).toBe(true);
  });

  test('namespaces survive a restart on the same data dir', async () => {
    const a = await startTestServer({}, {});
    await form('POST', `${a.nacos}/v1/console/namespaces`, {
      customNamespaceId: 'keep',
      namespaceName: 'Keep',
    });
    const dir = a.dataDir;
    const indexBefore = a.server.state.index;
    await a.stop({ keepData: true });
    const b = await startTestServer({}, { dataDir: dir });
    const list = await (await fetch(`${b.nacos}/v1/console/namespaces`)).json();
    expect(list.data.map((n: any) => n.namespace)).toEqual(['public', 'keep']);
    expect(b.server.state.index).toBeGreaterThan(indexBefore);
    await b.stop();
  });
});

describe('HTTP edge cases', () => {
  test('unknown route 404, wrong method 405 with Allow, in the protocol shape', async () => {
    const r = await fetch(`${t.nacos}/v1/nope`);
    expect(r.status).toBe(404);
    const r2 = await fetch(`${t.nacos}/v1/console/namespaces`, { method: 'PATCH' });
    expect(r2.status).toBe(405);
    expect(r2.headers.get('allow')).toContain('GET');
    const r3 = await fetch(`${t.nacos}/v3/admin/core/namespace/list`, { method: 'DELETE' });
    expect(r3.status).toBe(405);
    expect((await r3.json()).code).toBeNumber();
  });

  test('malformed bodies get 400, never 500', async () => {
    const r = await fetch(`${t.nacos}/v3/admin/core/namespace`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{bad json',
    });
    expect(r.status).toBe(400);
    const r2 = await fetch(`${t.nacos}/v1/console/namespaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '%%%',
    });
    expect(r2.status).toBeLessThan(500);
  });
});

describe('metrics', () => {
  test('exposes the core metrics and counts requests by route template', async () => {
    await fetch(`${t.nacos}/v1/console/health/liveness`);
    await fetch(`${t.nacos}/v1/console/health/liveness`);
    const text = await (await fetch(`${t.nacos}/metrics`)).text();
    for (const name of [
      'batata_http_requests_total',
      'batata_http_request_duration_seconds',
      'batata_uptime_seconds',
      'batata_healthy',
      'batata_cluster_size',
    ])
      expect(text).toContain(name);
    const m = text.match(
      /batata_http_requests_total\{method="GET",route="\/nacos\/v1\/console\/health\/liveness",status="200"\} (\d+)/,
    );
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/batata_cluster_size 1/);
    expect(text).toMatch(/batata_healthy 1/);
    const alt = await fetch(`${t.nacos}/actuator/prometheus`);
    expect(alt.status).toBe(200);
  });
});
