import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { form, startTestServer, type TestServer } from '../support/server';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ 'config.long-poll.min-hold-ms': 300 });
});
afterAll(async () => {
  await t.stop();
});

const publish = (p: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${t.nacos}/v1/cs/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(p).toString(),
  });

/** POSTs a raw form body to the listener and returns status, headers and the exact body. */
async function listen(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.nacos}/v1/cs/configs/listener`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

describe('v1 /cs/configs', () => {
  test('GET returns raw content with Nacos headers; 404 body is "config data not exist\\n"', async () => {
    expect(
      await (await publish({ dataId: 'h.json', group: 'G', content: '{"a":1}', type: 'json' })).text(),
    ).toBe('true');
    const r = await fetch(`${t.nacos}/v1/cs/configs?dataId=h.json&group=G`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('{"a":1}');
    expect(r.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(r.headers.get('Config-Type')).toBe('json');
    expect(r.headers.get('Content-MD5')).toBe(md5('{"a":1}'));
    expect(r.headers.get('Pragma')).toBe('no-cache');
    expect(r.headers.get('Cache-Control')).toBe('no-cache,no-store');
    expect(r.headers.get('Expires')).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(Date.parse(r.headers.get('Last-Modified')!)).toBeGreaterThan(Date.now() - 60_000);
    const nf = await fetch(`${t.nacos}/v1/cs/configs?dataId=nope&group=G`);
    expect(nf.status).toBe(404);
    expect(await nf.text()).toBe('config data not exist\n');
  });

  test('bad input → 400 plain text, nothing stored; never 500', async () => {
    for (const [p, msg] of [
      [{ dataId: 'a/b', group: 'G', content: 'x' }, 'invalid dataId : a/b'],
      [{ dataId: 'a', group: '', content: 'x' }, 'invalid group'],
      [{ dataId: 'a', group: 'G', content: '' }, 'content is blank'],
      [{ dataId: 'a', group: 'G', content: 'x', tenant: 'bad tenant' }, 'invalid namespaceId'],
    ] as const) {
      const r = await publish(p as Record<string, string>);
      expect(r.status).toBe(400);
      expect(await r.text()).toContain(msg);
    }
    expect((await fetch(`${t.nacos}/v1/cs/configs?dataId=a&group=G`)).status).toBe(404);
    expect((await fetch(`${t.nacos}/v1/cs/configs?dataId=a`)).status).toBe(400);
    expect((await listen('Listening-Configs=')).status).toBe(400);
    expect((await fetch(`${t.nacos}/v1/cs/history?nid=99999`)).status).toBe(404);
    expect((await fetch(`${t.nacos}/v1/cs/configs?search=blur&pageNo=x`)).status).toBe(400);
  });

  test('casMd5 and betaIps are headers; beta GET sets isBeta for the listed IP only', async () => {
    await publish({ dataId: 'cas', group: 'G', content: 'v1' });
    const bad = await publish({ dataId: 'cas', group: 'G', content: 'v2' }, { casMd5: 'wrong' });
    expect(bad.status).toBe(409);
    expect(await (await fetch(`${t.nacos}/v1/cs/configs?dataId=cas&group=G`)).text()).toBe('v1');
    expect((await publish({ dataId: 'cas', group: 'G', content: 'v2' }, { casMd5: md5('v1') })).status).toBe(
      200,
    );

    await publish({ dataId: 'cas', group: 'G', content: 'beta!' }, { betaIps: '127.0.0.1' });
    const b = await fetch(`${t.nacos}/v1/cs/configs?dataId=cas&group=G`);
    expect(await b.text()).toBe('beta!');
    expect(b.headers.get('isBeta')).toBe('true');
    const other = await fetch(`${t.nacos}/v1/cs/configs?dataId=cas&group=G`, {
      headers: { 'X-Real-IP': '10.9.9.9' },
    });
    expect(await other.text()).toBe('v2');
    expect(other.headers.get('isBeta')).toBeNull();
    const q = (await (await fetch(`${t.nacos}/v1/cs/configs?dataId=cas&group=G&beta=true`)).json()) as any;
    expect(q.data.betaIps).toBe('127.0.0.1');
    const stop = await fetch(`${t.nacos}/v1/cs/configs?dataId=cas&group=G&beta=true`, { method: 'DELETE' });
    expect(((await stop.json()) as any).data).toBe(true);
    expect(await (await fetch(`${t.nacos}/v1/cs/configs?dataId=cas&group=G`)).text()).toBe('v2');

    await publish({ dataId: 'cas', group: 'G', content: 'blue', tag: 'blue' });
    const tg = await fetch(`${t.nacos}/v1/cs/configs?dataId=cas&group=G&tag=blue`);
    expect(await tg.text()).toBe('blue');
    expect(tg.headers.get('tag')).toBe('blue');
    expect((await fetch(`${t.nacos}/v1/cs/configs?dataId=cas&group=G&tag=green`)).status).toBe(404);
  });

  test('show=all, search accurate/blur with paging, delete by ids', async () => {
    for (const d of ['s1.yaml', 's2.yaml', 's3.txt'])
      await publish({ dataId: d, group: 'SEARCH', content: d, appName: 'app1', config_tags: 'k' });
    const all = (await (
      await fetch(`${t.nacos}/v1/cs/configs?show=all&dataId=s1.yaml&group=SEARCH`)
    ).json()) as any;
    expect(all).toMatchObject({
      dataId: 's1.yaml',
      group: 'SEARCH',
      tenant: '',
      appName: 'app1',
      configTags: 'k',
    });
    const blur = (await (
      await fetch(`${t.nacos}/v1/cs/configs?search=blur&dataId=s*.yaml&group=SEARCH&pageNo=1&pageSize=1`)
    ).json()) as any;
    expect(blur).toMatchObject({ totalCount: 2, pageNumber: 1, pagesAvailable: 2 });
    expect(Object.keys(blur.pageItems[0]).sort()).toEqual(
      ['appName', 'content', 'dataId', 'encryptedDataKey', 'group', 'id', 'md5', 'tenant', 'type'].sort(),
    );
    const acc = (await (
      await fetch(`${t.nacos}/v1/cs/configs?search=accurate&dataId=s3.txt&group=SEARCH&pageNo=1&pageSize=10`)
    ).json()) as any;
    expect(acc.totalCount).toBe(1);
    const ids = blur.pageItems.map((x: any) => x.id).join(',') + `,${acc.pageItems[0].id}`;
    const del = await fetch(`${t.nacos}/v1/cs/configs?delType=ids&ids=${ids}`, { method: 'DELETE' });
    expect(((await del.json()) as any).data).toBe(true);
    expect((await fetch(`${t.nacos}/v1/cs/configs?dataId=s3.txt&group=SEARCH`)).status).toBe(404);
    expect((await fetch(`${t.nacos}/v1/cs/configs?dataId=s1.yaml&group=SEARCH`)).status).toBe(404);
    expect((await fetch(`${t.nacos}/v1/cs/configs?dataId=s2.yaml&group=SEARCH`)).status).toBe(200);
  });

  test('history list/detail/previous/configs and v3 diff + rollback', async () => {
    await publish({ dataId: 'his', group: 'G', content: 'one' });
    await publish({ dataId: 'his', group: 'G', content: 'two' });
    const list = (await (
      await fetch(`${t.nacos}/v1/cs/history?search=accurate&dataId=his&group=G&pageNo=1&pageSize=10`)
    ).json()) as any;
    expect(list.totalCount).toBe(2);
    expect(list.pageItems.map((x: any) => x.opType)).toEqual(['U', 'I']);
    const nid = list.pageItems[0].id;
    const one = (await (await fetch(`${t.nacos}/v1/cs/history?nid=${nid}&dataId=his&group=G`)).json()) as any;
    expect(one).toMatchObject({ content: 'one', opType: 'U', publishType: 'formal', lastId: -1 });
    const cfg = (await (await fetch(`${t.nacos}/v1/cs/configs?show=all&dataId=his&group=G`)).json()) as any;
    const prev = (await (await fetch(`${t.nacos}/v1/cs/history/previous?id=${cfg.id}`)).json()) as any;
    expect(prev.id).toBe(nid);
    const configs = (await (await fetch(`${t.nacos}/v1/cs/history/configs?tenant=`)).json()) as any[];
    expect(configs.some((c) => c.dataId === 'his')).toBe(true);

    const diff = (await (await fetch(`${t.nacos}/v3/admin/cs/history/diff?nid=${nid}`)).json()) as any;
    expect(diff.data.lines).toEqual([
      { op: '-', text: 'one' },
      { op: '+', text: 'two' },
    ]);
    const rb = await form('POST', `${t.nacos}/v3/admin/cs/history/rollback`, { nid });
    expect(JSON.parse(rb.text)).toEqual({ code: 0, message: 'success', data: true });
    expect(await (await fetch(`${t.nacos}/v1/cs/configs?dataId=his&group=G`)).text()).toBe('one');
  });

  test('export ZIP and import it into another namespace (ABORT/SKIP/OVERWRITE), clone', async () => {
    await publish({ dataId: 'ex1.yaml', group: 'EXP', content: 'e: 1', type: 'yaml', desc: 'first' });
    await publish({ dataId: 'ex2.txt', group: 'EXP', content: 'e2' });
    const zip = await fetch(`${t.nacos}/v1/cs/configs?exportV2=true&group=EXP`);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(zip.headers.get('content-disposition')).toStartWith('attachment;filename=nacos_config_export_');
    const bytes = new Uint8Array(await zip.arrayBuffer());
    expect(bytes[0]).toBe(0x50);

    const importInto = async (ns: string, policy: string) => {
      const fd = new FormData();
      fd.append('file', new Blob([bytes]), 'export.zip');
      const r = await fetch(`${t.nacos}/v1/cs/configs?import=true&namespace=${ns}&policy=${policy}`, {
        method: 'POST',
        body: fd,
      });
      return { status: r.status, body: (await r.json()) as any };
    };
    const first = await importInto('imp', 'ABORT');
    expect(first.status).toBe(200);
    expect(first.body.data.succCount).toBe(2);
    const got = await fetch(`${t.nacos}/v1/cs/configs?dataId=ex1.yaml&group=EXP&tenant=imp`);
    expect(await got.text()).toBe('e: 1');
    expect(got.headers.get('Config-Type')).toBe('yaml');
    expect((await importInto('imp', 'SKIP')).body.data).toMatchObject({ succCount: 0, skipCount: 2 });
    expect((await importInto('imp', 'ABORT')).body.data.failData.length).toBe(2);
    expect((await importInto('imp', 'OVERWRITE')).body.data.succCount).toBe(2);

    const bad = new FormData();
    bad.append('file', new Blob(['not a zip']), 'x.zip');
    const br = await fetch(`${t.nacos}/v1/cs/configs?import=true&policy=ABORT`, {
      method: 'POST',
      body: bad,
    });
    expect(br.status).toBe(400);

    const src = (await (
      await fetch(`${t.nacos}/v1/cs/configs?show=all&dataId=ex2.txt&group=EXP`)
    ).json()) as any;
    const cl = await fetch(`${t.nacos}/v1/cs/configs?clone=true&tenant=cl&policy=ABORT`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ cfgId: src.id, dataId: 'ex2-copy.txt', group: 'EXP' }]),
    });
    expect(((await cl.json()) as any).data.succCount).toBe(1);
    expect(
      await (await fetch(`${t.nacos}/v1/cs/configs?dataId=ex2-copy.txt&group=EXP&tenant=cl`)).text(),
    ).toBe('e2');
  });
});

describe('v1 long polling wire format', () => {
  test('md5 mismatch answers at once with the URL-encoded changed keys and no-cache headers', async () => {
    await publish({ dataId: 'lp.a', group: 'G', content: 'a' });
    await publish({ dataId: 'lp.b', group: 'G', tenant: 'dev', content: 'b' });
    // The raw control characters, form-encoded once, as the clients send them.
    const value = `lp.a\u0002G\u0002stale\u0001lp.b\u0002G\u0002stale\u0002dev\u0001lp.c\u0002G\u0002\u0001`;
    const r = await listen(new URLSearchParams({ 'Listening-Configs': value }).toString(), {
      'Long-Pulling-Timeout': '30000',
    });
    expect(r.status).toBe(200);
    expect(r.body).toBe('lp.a%02G%01lp.b%02G%02dev%01\n');
    expect(r.headers.get('Pragma')).toBe('no-cache');
    expect(r.headers.get('Cache-Control')).toBe('no-cache,no-store');
    expect(r.headers.get('Expires')).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });

  test('up-to-date keys hold until a change, then answer within ms; missing config md5 "" is up to date', async () => {
    const value = `lp.a\u0002G\u0002${md5('a')}\u0001lp.c\u0002G\u0002\u0001`;
    const body = new URLSearchParams({ 'Listening-Configs': value }).toString();
    const held = listen(body, { 'Long-Pulling-Timeout': '30000' });
    await Bun.sleep(100);
    const t0 = performance.now();
    await publish({ dataId: 'lp.a', group: 'G', content: 'a2' });
    const r = await held;
    expect(performance.now() - t0).toBeLessThan(200);
    expect(r.body).toBe('lp.a%02G%01\n');
  });

  test('timeout → 200 with an empty body after max(min-hold, timeout - 500); No-Hangup and short polls answer at once', async () => {
    const body = new URLSearchParams({
      'Listening-Configs': `lp.a\u0002G\u0002${md5('a2')}\u0001`,
    }).toString();
    const t0 = performance.now();
    const r = await listen(body, { 'Long-Pulling-Timeout': '800' });
    const took = performance.now() - t0;
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(1500);
    const nh = performance.now();
    expect(
      (await listen(body, { 'Long-Pulling-Timeout': '30000', 'Long-Pulling-Timeout-No-Hangup': 'true' }))
        .body,
    ).toBe('');
    expect((await listen(body)).body).toBe('');
    expect(performance.now() - nh).toBeLessThan(300);
  });

  test('the double URL-decoding quirk: a literal + in the value means a space', async () => {
    // "a+b" after form decoding is decoded again by the server: dataId "a b" (never exists → md5 "" ≠ "x").
    const r = await listen(`Listening-Configs=${encodeURIComponent('a+b\u0002G\u0002x\u0001')}`, {
      'Long-Pulling-Timeout': '30000',
    });
    expect(r.body).toBe('a+b%02G%01\n');
  });

  test('listener status shows held long polls per config and per client IP', async () => {
    const body = new URLSearchParams({
      'Listening-Configs': `lp.a\u0002G\u0002${md5('a2')}\u0001`,
    }).toString();
    const held = listen(body, { 'Long-Pulling-Timeout': '30000' });
    await Bun.sleep(100);
    const v1 = (await (await fetch(`${t.nacos}/v1/cs/configs/listener?dataId=lp.a&group=G`)).json()) as any;
    expect(v1).toEqual({ collectStatus: 200, lisentersGroupkeyStatus: { '127.0.0.1': md5('a2') } });
    const v3 = (await (
      await fetch(`${t.nacos}/v3/admin/cs/config/listener?dataId=lp.a&groupName=G`)
    ).json()) as any;
    expect(v3.data).toEqual({ queryType: 'config', listenersStatus: { '127.0.0.1': md5('a2') } });
    await publish({ dataId: 'lp.a', group: 'G', content: 'a3' });
    await held;
    const after = (await (
      await fetch(`${t.nacos}/v1/cs/configs/listener?dataId=lp.a&group=G`)
    ).json()) as any;
    expect(after.lisentersGroupkeyStatus).toEqual({});
  });

  test('metrics expose publish/query counters and config gauges', async () => {
    const m = await (await fetch(`${t.nacos}/actuator/prometheus`)).text();
    expect(m).toContain('batata_config_publish_total{kind="formal"}');
    expect(m).toContain('batata_config_query_total');
    expect(m).toContain('batata_config_count');
    expect(m).toContain('batata_config_long_poll_waiters 0');
  });
});
