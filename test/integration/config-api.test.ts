import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { form, startTestServer, type TestServer } from '../support/server';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as any });
const get = (path: string) => fetch(`${t.nacos}${path}`).then(json);

describe('v2 /cs/config (Result envelope)', () => {
  test('POST → GET → DELETE, errors as {code,message,data}', async () => {
    const p = await form('POST', `${t.nacos}/v2/cs/config`, {
      dataId: 'v2.yaml',
      group: 'G',
      namespaceId: 'public',
      content: 'a: 2',
      type: 'yaml',
    });
    expect(JSON.parse(p.text)).toEqual({ code: 0, message: 'success', data: true });
    expect(await get('/v2/cs/config?dataId=v2.yaml&group=G')).toEqual({
      status: 200,
      body: { code: 0, message: 'success', data: 'a: 2' },
    });
    expect(await get('/v2/cs/config?dataId=missing&group=G')).toEqual({
      status: 404,
      body: { code: 20004, message: 'resource not found', data: 'config data not exist' },
    });
    const bad = await form('POST', `${t.nacos}/v2/cs/config`, { dataId: 'x', group: 'G', content: '' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ code: 20002, message: 'parameter validate error' });
    const missing = await get('/v2/cs/config?group=G');
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe(20002);

    const h = await get('/v2/cs/history/list?dataId=v2.yaml&group=G&pageNo=1&pageSize=10');
    expect(h.body.data.totalCount).toBe(1);
    const nid = h.body.data.pageItems[0].id;
    expect((await get(`/v2/cs/history?nid=${nid}&dataId=v2.yaml&group=G`)).body.data.content).toBe('a: 2');
    expect((await get('/v2/cs/history?nid=424242')).status).toBe(404);

    const d = await fetch(`${t.nacos}/v2/cs/config?dataId=v2.yaml&group=G`, { method: 'DELETE' }).then(json);
    expect(d.body).toEqual({ code: 0, message: 'success', data: true });
    expect((await get('/v2/cs/config?dataId=v2.yaml&group=G')).status).toBe(404);
  });
});

describe('v3 admin / client / seed paths', () => {
  test('admin CRUD uses groupName; detail, list, batch delete, beta', async () => {
    await form('POST', `${t.nacos}/v3/admin/cs/config`, {
      dataId: 'v3.json',
      groupName: 'G3',
      namespaceId: 'ns3',
      content: '{}',
      type: 'json',
      desc: 'd',
      configTags: 'a,b',
    });
    const d = await get('/v3/admin/cs/config?dataId=v3.json&groupName=G3&namespaceId=ns3');
    expect(d.body.data).toMatchObject({
      namespaceId: 'ns3',
      groupName: 'G3',
      dataId: 'v3.json',
      md5: md5('{}'),
      type: 'json',
      content: '{}',
      desc: 'd',
      configTags: 'a,b',
    });
    expect(typeof d.body.data.id).toBe('number');
    const nf = await get('/v3/admin/cs/config?dataId=none&groupName=G3&namespaceId=ns3');
    expect(nf).toEqual({
      status: 404,
      body: {
        code: 20004,
        message: 'resource not found',
        data: 'Config not exist, please publish Config first.',
      },
    });
    const list = await get('/v3/admin/cs/config/list?namespaceId=ns3&pageNo=1&pageSize=10&dataId=v3*');
    expect(list.body.data.totalCount).toBe(1);
    expect(list.body.data.pageItems[0].content).toBeUndefined();

    const beta = await fetch(`${t.nacos}/v3/admin/cs/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', betaIps: '10.1.1.1' },
      body: new URLSearchParams({
        dataId: 'v3.json',
        groupName: 'G3',
        namespaceId: 'ns3',
        content: '{"b":1}',
      }),
    }).then(json);
    expect(beta.body.data).toBe(true);
    const gb = await get('/v3/admin/cs/config/beta?dataId=v3.json&groupName=G3&namespaceId=ns3');
    expect(gb.body.data).toMatchObject({ grayName: 'beta', content: '{"b":1}' });
    expect(JSON.parse(gb.body.data.grayRule)).toMatchObject({ type: 'beta', expr: '10.1.1.1' });
    const stop = await fetch(
      `${t.nacos}/v3/admin/cs/config/beta?dataId=v3.json&groupName=G3&namespaceId=ns3`,
      {
        method: 'DELETE',
      },
    ).then(json);
    expect(stop.body.data).toBe(true);
    expect((await get('/v3/admin/cs/config/beta?dataId=v3.json&groupName=G3&namespaceId=ns3')).status).toBe(
      404,
    );

    const h = await get(
      '/v3/admin/cs/history/list?dataId=v3.json&groupName=G3&namespaceId=ns3&pageNo=1&pageSize=10',
    );
    expect(h.body.data.pageItems.map((x: any) => [x.publishType, x.opType])).toEqual([
      ['gray', 'D'],
      ['gray', 'I'],
      ['formal', 'I'],
    ]);
    expect((await get(`/v3/admin/cs/history?nid=${h.body.data.pageItems[2].id}`)).body.data.content).toBe(
      '{}',
    );

    const del = await fetch(`${t.nacos}/v3/admin/cs/config/batch?ids=${d.body.data.id}`, {
      method: 'DELETE',
    }).then(json);
    expect(del.body.data).toBe(true);
    expect((await get('/v3/admin/cs/config?dataId=v3.json&groupName=G3&namespaceId=ns3')).status).toBe(404);
  });

  test('admin export → import into another namespace → clone', async () => {
    await form('POST', `${t.nacos}/v3/admin/cs/config`, {
      dataId: 'x1.yaml',
      groupName: 'XG',
      content: 'x: 1',
      type: 'yaml',
    });
    const zip = await fetch(`${t.nacos}/v3/admin/cs/config/export?groupName=XG`);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const fd = new FormData();
    fd.append('file', new Blob([await zip.arrayBuffer()]), 'x.zip');
    fd.append('namespaceId', 'xns');
    fd.append('policy', 'OVERWRITE');
    const imp = await fetch(`${t.nacos}/v3/admin/cs/config/import`, { method: 'POST', body: fd }).then(json);
    expect(imp.body).toEqual({ code: 0, message: 'success', data: { succCount: 1, skipCount: 0 } });
    const got = await get('/v3/admin/cs/config?dataId=x1.yaml&groupName=XG&namespaceId=xns');
    expect(got.body.data).toMatchObject({ content: 'x: 1', type: 'yaml', namespaceId: 'xns' });
    const empty = await fetch(`${t.nacos}/v3/admin/cs/config/import`, {
      method: 'POST',
      body: new FormData(),
    }).then(json);
    expect(empty).toEqual({
      status: 400,
      body: { code: 100005, message: 'Imported file data is empty', data: 'Imported file data is empty' },
    });
  });

  test('client API returns ConfigQueryResponse; not found is code 20004', async () => {
    await form('POST', `${t.nacos}/v3/cs/config`, { dataId: 'c.txt', groupName: 'G', content: 'hello' });
    const r = await get('/v3/client/cs/config?dataId=c.txt&groupName=G');
    expect(r.body.code).toBe(0);
    expect(r.body.data).toMatchObject({
      content: 'hello',
      md5: md5('hello'),
      contentType: 'text',
      beta: false,
    });
    expect(typeof r.body.data.lastModified).toBe('number');
    expect((await get('/v3/cs/config?dataId=c.txt&groupName=G')).body.data.content).toBe('hello');
    expect(await get('/v3/client/cs/config?dataId=zzz&groupName=G')).toEqual({
      status: 200,
      body: { code: 20004, message: 'resource not found', data: null },
    });
    expect((await get('/v3/client/cs/config?dataId=bad/id&groupName=G')).status).toBe(400);
  });
});

describe('console API (/v3/console/cs/... on the console port)', () => {
  test('console routes call the same service', async () => {
    const base = `http://127.0.0.1:${t.ports.console}`;
    const call = (method: string, path: string, body?: Record<string, string>) =>
      fetch(`${base}${path}`, {
        method,
        headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
        body: body ? new URLSearchParams(body) : undefined,
      }).then(json);
    const pub = await call('POST', '/v3/console/cs/config', { dataId: 'con', groupName: 'G', content: 'c1' });
    expect(pub).toEqual({ status: 200, body: { code: 0, message: 'success', data: true } });
    // Same service: the v1 API on the main port sees it.
    expect(await (await fetch(`${t.nacos}/v1/cs/configs?dataId=con&group=G`)).text()).toBe('c1');
    const detail = await call('GET', '/v3/console/cs/config?dataId=con&groupName=G');
    expect(detail.body.data.content).toBe('c1');
    const sd = await call('GET', '/v3/console/cs/config/searchDetail?configDetail=c1&pageNo=1&pageSize=10');
    expect(sd.body.data.pageItems.map((x: any) => x.content)).toContain('c1');
    const hist = await call('GET', '/v3/console/cs/history/list?dataId=con&groupName=G&pageNo=1&pageSize=10');
    expect(hist.body.data.totalCount).toBe(1);
    const bd = await call('DELETE', `/v3/console/cs/config/batchDelete?ids=${detail.body.data.id}`);
    expect(bd.body.data).toBe(true);
    expect((await call('GET', '/v3/console/cs/config?dataId=con&groupName=G')).status).toBe(404);
    expect((await call('GET', '/v3/console/cs/config/list?pageNo=0&pageSize=10')).status).toBe(400);
  });
});

describe('cipher- configs (config.encryption.plugin=aes)', () => {
  test('stored encrypted with an encryptedDataKey, served decrypted over HTTP', async () => {
    const s = await startTestServer({ 'config.encryption.plugin': 'aes' });
    try {
      await form('POST', `${s.nacos}/v1/cs/configs`, {
        dataId: 'cipher-aes-db',
        group: 'G',
        content: 'pw=secret',
      });
      const rec = s.server.services.config!.record({
        namespaceId: 'public',
        group: 'G',
        dataId: 'cipher-aes-db',
      })!;
      expect(rec.formal!.content).not.toContain('secret');
      expect(rec.formal!.encryptedDataKey).not.toBe('');
      const r = await fetch(`${s.nacos}/v1/cs/configs?dataId=cipher-aes-db&group=G`);
      expect(await r.text()).toBe('pw=secret');
      expect(r.headers.get('Encrypted-Data-Key')).toBe(rec.formal!.encryptedDataKey);
      expect(r.headers.get('Content-MD5')).toBe(md5(rec.formal!.content));
      expect(
        (await (await fetch(`${s.nacos}/v2/cs/config?dataId=cipher-aes-db&group=G`)).json()) as any,
      ).toMatchObject({
        data: 'pw=secret',
      });
      const cl = (await (
        await fetch(`${s.nacos}/v3/client/cs/config?dataId=cipher-aes-db&groupName=G`)
      ).json()) as any;
      expect(cl.data.content).toBe(rec.formal!.content);
      expect(cl.data.encryptedDataKey).toBe(rec.formal!.encryptedDataKey);
      // Plain dataIds are untouched.
      await form('POST', `${s.nacos}/v1/cs/configs`, { dataId: 'plain', group: 'G', content: 'p' });
      expect(
        s.server.services.config!.record({ namespaceId: 'public', group: 'G', dataId: 'plain' })!.formal!
          .content,
      ).toBe('p');
    } finally {
      await s.stop();
    }
  });
});
