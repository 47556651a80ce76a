import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { form, startTestServer, type TestServer } from '../support/server';

/** One test per bug the bad-input sweep found: the exact answer the fix gives, and nothing stored. */

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};
const put = async (url: string, body: string) => {
  const res = await fetch(url, { method: 'PUT', body });
  return { status: res.status, text: await res.text() };
};

describe('Nacos', () => {
  test('config history: a page number past a Java int is 400, not an SQL overflow', async () => {
    const huge = '99999999999999999999999';
    const v1 = await get(`${t.nacos}/v1/cs/history?search=accurate&dataId=a&group=G&pageNo=${huge}`);
    expect(v1).toMatchObject({ status: 400, text: `parameter 'pageNo' must be an integer, got '${huge}'` });
    const v2 = await get(`${t.nacos}/v2/cs/history/list?dataId=a&group=G&pageNo=${huge}`);
    expect(v2.status).toBe(400);
    expect(JSON.parse(v2.text)).toEqual({
      code: 20002,
      message: 'parameter validate error',
      data: `parameter 'pageNo' must be an integer, got '${huge}'`,
    });
    const nid = await get(`${t.nacos}/v2/cs/history?dataId=a&group=G&nid=abc`);
    expect(nid.status).toBe(400);
    expect(JSON.parse(nid.text).code).toBe(20002);
  });

  test('config clone: list items that are not objects are 400 and clone nothing', async () => {
    const before = t.server.services.config!.count();
    for (const list of ['[1,"x",null]', '[null]', '[{"cfgId":1,"dataId":{}}]']) {
      const r = await form('POST', `${t.nacos}/v3/admin/cs/config/clone?namespaceId=public&policy=ABORT`, {
        cloneList: list,
      });
      expect(r.status, list).toBe(400);
      expect(JSON.parse(r.text), list).toMatchObject({ code: 20002, message: 'parameter validate error' });
    }
    expect(t.server.services.config!.count()).toBe(before);
  });

  test('instance metadata batch: non-object items are 400 and change nothing', async () => {
    const svc = {
      serviceName: 'fix-svc',
      ip: '10.9.0.1',
      port: '80',
      ephemeral: 'false',
      metadata: '{"k":"v"}',
    };
    expect((await form('POST', `${t.nacos}/v1/ns/instance`, svc)).text).toBe('ok');
    const body = { serviceName: 'fix-svc', metadata: '{"k":"changed"}', consistencyType: 'persist' };
    const v1 = await form('PUT', `${t.nacos}/v1/ns/instance/metadata/batch`, {
      ...body,
      instances: '[null]',
    });
    expect(v1).toMatchObject({ status: 400, text: 'instances format incorrect: [null]' });
    for (const path of ['/v2/ns/instance/metadata/batch', '/v3/admin/ns/instance/metadata/batch']) {
      const r = await form('DELETE', `${t.nacos}${path}`, { ...body, instances: '[1,"x"]' });
      expect(r.status, path).toBe(400);
      expect(JSON.parse(r.text), path).toMatchObject({
        code: 20002,
        data: 'instances format incorrect: [1,"x"]',
      });
    }
    const list = await get(`${t.nacos}/v1/ns/instance/list?serviceName=fix-svc`);
    expect(JSON.parse(list.text).hosts[0].metadata).toEqual({ k: 'v' });
  });

  test('cluster report: a body that is not JSON is 400', async () => {
    const res = await fetch(`${t.nacos}/v1/core/cluster/report`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'not json',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toStartWith('Malformed request body: ');
  });
});

describe('Consul', () => {
  const txn = (ops: unknown) => put(`${t.url}/v1/txn`, typeof ops === 'string' ? ops : JSON.stringify(ops));
  const kvOp = (kv: Record<string, unknown>) => [{ KV: { Verb: 'set', Key: 'fix/k', ...kv } }];
  const decodeError = (text: string) => ({ status: 400, text: `Failed to parse body: ${text}` });

  test('txn: mistyped KV fields are Go decode errors (400) and nothing is written', async () => {
    const field = (kind: string, name: string, type: string) =>
      decodeError(`json: cannot unmarshal ${kind} into Go struct field KVTxnOp.KV.${name} of type ${type}`);
    expect(await txn(kvOp({ Flags: 'abc' }))).toEqual(field('string', 'Flags', 'uint64'));
    expect(await txn(kvOp({ Flags: 1.5 }))).toEqual(field('number 1.5', 'Flags', 'uint64'));
    expect(await txn(kvOp({ Flags: -1 }))).toEqual(field('number -1', 'Flags', 'uint64'));
    expect(await txn(kvOp({ Index: 'abc' }))).toEqual(field('string', 'Index', 'uint64'));
    expect(await txn(kvOp({ Key: 123 }))).toEqual(field('number', 'Key', 'string'));
    expect(await txn(kvOp({ Verb: 5 }))).toEqual(field('number', 'Verb', 'api.KVOp'));
    expect(await txn(kvOp({ Value: '%%%' }))).toEqual(decodeError('illegal base64 data at input byte 0'));
    expect(await txn([7])).toEqual(
      decodeError('json: cannot unmarshal number into Go value of type api.TxnOp'),
    );
    expect(await txn({})).toEqual(
      decodeError('json: cannot unmarshal object into Go value of type api.TxnOps'),
    );
    expect(await txn([{ KV: 'x' }])).toEqual(
      decodeError('json: cannot unmarshal string into Go struct field TxnOp.KV of type api.KVTxnOp'),
    );
    expect((await get(`${t.url}/v1/kv/fix/k`)).status).toBe(404);
  });

  test('txn: uint64 Flags beyond 2^53 still round-trip exactly', async () => {
    const r = await txn(
      '[{"KV":{"Verb":"set","Key":"fix/big","Value":"aGk=","Flags":18446744073709551615}}]',
    );
    expect(r.status).toBe(200);
    expect((await get(`${t.url}/v1/kv/fix/big`)).text).toContain('"Flags":18446744073709551615');
  });

  test("session create: mistyped check lists are 400; a null check id is Go's empty id", async () => {
    const create = (body: unknown) => put(`${t.url}/v1/session/create`, JSON.stringify(body));
    const decode = (text: string) => ({
      status: 400,
      text: `Request decode failed: json: cannot unmarshal ${text}`,
    });
    expect(await create({ Checks: [1] })).toEqual(
      decode('number into Go struct field .Checks of type types.CheckID'),
    );
    expect(await create({ Checks: {} })).toEqual(
      decode('object into Go struct field .Checks of type []types.CheckID'),
    );
    expect(await create({ NodeChecks: [{}] })).toEqual(
      decode('object into Go struct field .NodeChecks of type string'),
    );
    expect(await create({ ServiceChecks: [5] })).toEqual(
      decode('number into Go struct field .ServiceChecks of type structs.ServiceCheck'),
    );
    expect(await create({ Name: 7 })).toEqual(decode('number into Go struct field .Name of type string'));
    expect(await create([])).toEqual(decode('array into Go value of type structs.Session'));
    // compat(consul): the state store refuses the unknown (empty) check id with a 500.
    expect(await create({ Checks: [null] })).toEqual({ status: 500, text: "Missing check '' registration" });
    expect(JSON.parse((await get(`${t.url}/v1/session/list`)).text)).toEqual([]);
  });
});

describe('durations past the 32-bit timer limit wait instead of firing at once', () => {
  test('Consul: an HTTP check with Interval 99999h probes once; a TTL of 9999h does not expire', async () => {
    let hits = 0;
    const target = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch() {
        hits++;
        return new Response('ok');
      },
    });
    try {
      const http = {
        Name: 'far-interval',
        Port: 1,
        Check: { HTTP: `http://127.0.0.1:${target.port}/`, Interval: '99999h' },
      };
      expect((await put(`${t.url}/v1/agent/service/register`, JSON.stringify(http))).status).toBe(200);
      const ttl = { Name: 'far-ttl', CheckID: 'far-ttl', TTL: '9999h', Status: 'passing' };
      expect((await put(`${t.url}/v1/agent/check/register`, JSON.stringify(ttl))).status).toBe(200);
      await Bun.sleep(300);
      expect(hits).toBe(1);
      const checks = JSON.parse((await get(`${t.url}/v1/agent/checks`)).text);
      expect(checks['far-ttl'].Status).toBe('passing');
    } finally {
      await put(`${t.url}/v1/agent/service/deregister/far-interval`, '');
      await put(`${t.url}/v1/agent/check/deregister/far-ttl`, '');
      target.stop(true);
    }
  });

  test('Nacos: a long poll with a huge Long-Pulling-Timeout is held, not answered at once', async () => {
    expect(
      (await form('POST', `${t.nacos}/v1/cs/configs`, { dataId: 'far.poll', group: 'G', content: 'x' })).text,
    ).toBe('true');
    const md5 = new Bun.CryptoHasher('md5').update('x').digest('hex');
    const abort = new AbortController();
    const poll = fetch(`${t.nacos}/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '99999999999' },
      body: `Listening-Configs=${encodeURIComponent(`far.poll\u0002G\u0002${md5}\u0001`)}`,
      signal: abort.signal,
    }).then(
      (r) => `answered ${r.status}`,
      (e: Error) => e.name,
    );
    const first = await Promise.race([poll, Bun.sleep(300).then(() => 'still held')]);
    abort.abort();
    expect(first).toBe('still held');
    expect(await poll).toBe('AbortError');
  });
});

describe('Consul register bodies of the wrong JSON types are refused, not stored as coerced text', () => {
  const register = (path: string, body: unknown) => put(`${t.url}${path}`, JSON.stringify(body));
  const decode = (text: string) => ({
    status: 400,
    text: `Request decode failed: json: cannot unmarshal ${text}`,
  });

  test('agent service Meta, Tags and Name', async () => {
    expect(await register('/v1/agent/service/register', { Name: 'typed', Meta: { k: { n: 1 } } })).toEqual(
      decode('object into Go struct field .Meta of type string'),
    );
    expect(await register('/v1/agent/service/register', { Name: 'typed', Tags: 't' })).toEqual(
      decode('string into Go struct field .Tags of type []string'),
    );
    expect(await register('/v1/agent/service/register', { Name: 'typed', Tags: ['a', 1] })).toEqual(
      decode('number into Go struct field .Tags of type string'),
    );
    expect(await register('/v1/agent/service/register', { Name: true })).toEqual(
      decode('bool into Go struct field .Name of type string'),
    );
    expect(JSON.parse((await get(`${t.url}/v1/agent/services`)).text)).not.toHaveProperty('typed');
  });

  test('catalog register and deregister fields', async () => {
    expect(await register('/v1/catalog/register', { Node: 7, Address: '10.0.0.7' })).toEqual(
      decode('number into Go struct field RegisterRequest.Node of type string'),
    );
    expect(
      await register('/v1/catalog/register', { Node: 'typed', Address: '10.0.0.7', NodeMeta: { k: [] } }),
    ).toEqual(decode('array into Go struct field RegisterRequest.NodeMeta of type string'));
    expect(await register('/v1/catalog/deregister', { Node: 'typed', ServiceID: 5 })).toEqual(
      decode('number into Go struct field DeregisterRequest.ServiceID of type string'),
    );
    expect(
      await register('/v1/catalog/register', {
        Node: 'typed',
        Address: '10.0.0.7',
        Checks: [{ Name: 'c' }, 1],
      }),
    ).toEqual(decode('number into Go struct field RegisterRequest.Checks of type structs.HealthCheck'));
    expect(
      await register('/v1/catalog/register', {
        Node: 'typed',
        Address: '10.0.0.7',
        Check: { Name: 'c', Notes: 5 },
      }),
    ).toEqual(decode('number into Go struct field HealthCheck.Check.Notes of type string'));
    expect(await register('/v1/agent/check/update/none', { Status: 'passing', Output: 5 })).toEqual(
      decode('number into Go struct field checkUpdate.Output of type string'),
    );
    const nodes = JSON.parse((await get(`${t.url}/v1/catalog/nodes`)).text).map(
      (n: { Node: string }) => n.Node,
    );
    expect(nodes).not.toContain('7');
    expect(nodes).not.toContain('typed');
    expect(
      (await register('/v1/catalog/register', { Node: 'typed', Address: '10.0.0.7', NodeMeta: { k: null } }))
        .status,
    ).toBe(200);
    expect(JSON.parse((await get(`${t.url}/v1/catalog/node/typed`)).text).Node.Meta).toEqual({ k: '' });
  });
});

describe('Consul check definitions', () => {
  const register = (body: unknown) => put(`${t.url}/v1/agent/check/register`, JSON.stringify(body));
  const decode = (text: string) => ({
    status: 400,
    text: `Request decode failed: json: cannot unmarshal ${text}`,
  });

  test('mistyped string and Header fields are 400', async () => {
    const base = { Name: 'typed-check', Interval: '10s' };
    expect(await register({ ...base, HTTP: 5 })).toEqual(
      decode('number into Go struct field .HTTP of type string'),
    );
    expect(await register({ ...base, HTTP: 'http://127.0.0.1:1/', Header: { X: 'v' } })).toEqual(
      decode('string into Go struct field .Header of type []string'),
    );
    expect(await register({ ...base, HTTP: 'http://127.0.0.1:1/', Header: [] })).toEqual(
      decode('array into Go struct field .Header of type map[string][]string'),
    );
    expect(JSON.parse((await get(`${t.url}/v1/agent/checks`)).text)).not.toHaveProperty('typed-check');
  });

  test('a header the HTTP client refuses makes the check critical instead of stalling it', async () => {
    const check = {
      Name: 'bad-header',
      HTTP: 'http://127.0.0.1:1/',
      Interval: '10s',
      Status: 'passing',
      Header: { 'bad name': ['v'] },
    };
    expect((await register(check)).status).toBe(200);
    try {
      let status = 'passing';
      for (let i = 0; i < 50 && status === 'passing'; i++) {
        await Bun.sleep(20);
        status = JSON.parse((await get(`${t.url}/v1/agent/checks`)).text)['bad-header'].Status;
      }
      expect(status).toBe('critical');
    } finally {
      await put(`${t.url}/v1/agent/check/deregister/bad-header`, '');
    }
  });
});
