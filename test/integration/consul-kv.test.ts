import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Consul from 'consul';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let consul: InstanceType<typeof Consul>;
let base: string;

beforeAll(async () => {
  s = await startTestServer({ 'consul.node-name': 'batata-it' });
  consul = new Consul({ host: '127.0.0.1', port: s.ports.main });
  base = `${s.url}/v1`;
});
afterAll(async () => {
  await s.stop();
});

const put = (path: string, body?: string | Uint8Array) => fetch(`${base}${path}`, { method: 'PUT', body });

describe('Consul KV with the npm consul 2.0.1 client', () => {
  test('round-trip: unicode value, binary raw, flags, KVPair JSON and X-Consul-Index', async () => {
    expect(await consul.kv.set('app/ключ', 'héllo ✓ 中文')).toBe(true);
    const got = (await consul.kv.get('app/ключ')) as any;
    expect(got.Value).toBe('héllo ✓ 中文');
    expect(got.Key).toBe('app/ключ');
    expect(got.Flags).toBe(0);
    expect(got.LockIndex).toBe(0);
    expect(got.CreateIndex).toBe(got.ModifyIndex);
    expect(got.Session).toBeUndefined();

    const bin = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]);
    expect(await consul.kv.set('bin/blob', bin)).toBe(true);
    const raw = (await consul.kv.get({ key: 'bin/blob', raw: true } as any)) as unknown as Buffer;
    expect(Buffer.compare(Buffer.from(raw), bin)).toBe(0);
    const res = await fetch(`${base}/kv/bin/blob?raw`);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(0);

    // Exact JSON shape and field order.
    const j = await (await fetch(`${base}/kv/app/%D0%BA%D0%BB%D1%8E%D1%87`)).text();
    expect(j).toMatch(
      /^\[\{"LockIndex":0,"Key":"app\/ключ","Flags":0,"Value":"[A-Za-z0-9+/=]+","CreateIndex":\d+,"ModifyIndex":\d+\}\]$/,
    );

    // flags: set and reset by a plain set; exact uint64.
    expect(await consul.kv.set('flagged', 'x', { flags: 42 } as any)).toBe(true);
    expect(((await consul.kv.get('flagged')) as any).Flags).toBe(42);
    await put('/kv/flagged?flags=18446744073709551615', 'y');
    expect(await (await fetch(`${base}/kv/flagged`)).text()).toContain('"Flags":18446744073709551615,');
    await consul.kv.set('flagged', 'z');
    expect(((await consul.kv.get('flagged')) as any).Flags).toBe(0);

    // empty value is null
    await put('/kv/empty');
    expect((await (await fetch(`${base}/kv/empty`)).json())[0].Value).toBeNull();
  });

  test('missing keys: undefined in the client, 404 with X-Consul-Index', async () => {
    expect(await consul.kv.get('nope/nothing')).toBeUndefined();
    const r = await fetch(`${base}/kv/nope/nothing`);
    expect(r.status).toBe(404);
    expect(await r.text()).toBe('');
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(0);
    expect(r.headers.get('x-consul-knownleader')).toBe('true');
    expect(r.headers.get('x-consul-lastcontact')).toBe('0');
  });

  test('keys with separator, recurse get and recurse delete', async () => {
    for (const k of ['web/foo', 'web/bar', 'web/subdir/a', 'web/subdir/b', 'webx'])
      expect(await consul.kv.set(k, k)).toBe(true);
    expect(await consul.kv.keys({ key: 'web/', separator: '/' })).toEqual([
      'web/bar',
      'web/foo',
      'web/subdir/',
    ]);
    expect(await consul.kv.keys('web/')).toEqual(['web/bar', 'web/foo', 'web/subdir/a', 'web/subdir/b']);
    const all = (await consul.kv.get({ key: 'web/', recurse: true })) as any[];
    expect(all.map((e) => e.Key)).toEqual(['web/bar', 'web/foo', 'web/subdir/a', 'web/subdir/b']);
    expect(all[0].Value).toBe('web/bar');
    expect(await consul.kv.del({ key: 'web/', recurse: true })).toBe(true);
    expect(await consul.kv.get({ key: 'web/', recurse: true })).toBeUndefined();
    expect(((await consul.kv.get('webx')) as any).Value).toBe('webx');
    const k = await fetch(`${base}/kv/does-not-exist/?keys`);
    expect(k.status).toBe(404);
  });

  // papi (under npm consul 2.0.1) resolves a JSON `false` body as undefined, so refusals are falsy;
  // the raw wire body is asserted separately.
  test('cas success and failure; delete-cas', async () => {
    const wire = await put('/kv/cas/wire?cas=0', 'a');
    expect(await wire.text()).toBe('true');
    const again = await put('/kv/cas/wire?cas=0', 'b');
    expect([again.status, again.headers.get('content-type'), await again.text()]).toEqual([
      200,
      'application/json',
      'false',
    ]);
    expect(await consul.kv.set('cas/k', 'v1', { cas: 0 } as any)).toBe(true);
    expect(await consul.kv.set('cas/k', 'again', { cas: 0 } as any)).toBeFalsy();
    const e = (await consul.kv.get('cas/k')) as any;
    expect(await consul.kv.set('cas/k', 'v2', { cas: e.ModifyIndex + 1000 } as any)).toBeFalsy();
    expect(await consul.kv.set('cas/k', 'v2', { cas: e.ModifyIndex } as any)).toBe(true);
    const e2 = (await consul.kv.get('cas/k')) as any;
    expect(e2.Value).toBe('v2');
    expect(e2.ModifyIndex).toBeGreaterThan(e.ModifyIndex);
    expect(e2.CreateIndex).toBe(e.CreateIndex);
    expect(await consul.kv.del({ key: 'cas/k', cas: e.ModifyIndex } as any)).toBeFalsy();
    expect(await consul.kv.del({ key: 'cas/k', cas: e2.ModifyIndex } as any)).toBe(true);
    expect(await consul.kv.del({ key: 'cas/k', cas: 12345 } as any)).toBe(true); // missing key → true
    expect(await consul.kv.del('never/there')).toBe(true);
  });

  test('unchanged writes do not bump ModifyIndex', async () => {
    await consul.kv.set('same', 'v');
    const a = (await consul.kv.get('same')) as any;
    await consul.kv.set('same', 'v');
    const b = (await consul.kv.get('same')) as any;
    expect(b.ModifyIndex).toBe(a.ModifyIndex);
  });

  test('session + lock held by one session is refused to another; release; destroy releases', async () => {
    const s1 = ((await consul.session.create({ name: 'one', lockdelay: '1ms' } as any)) as any).ID;
    const s2 = ((await consul.session.create({ name: 'two' } as any)) as any).ID;
    expect(s1).toMatch(/^[0-9a-f-]{36}$/);
    expect(await consul.kv.set('locks/leader', 'me', { acquire: s1 } as any)).toBe(true);
    expect(await consul.kv.set('locks/leader', 'you', { acquire: s2 } as any)).toBeFalsy();
    let e = (await consul.kv.get('locks/leader')) as any;
    expect(e.Session).toBe(s1);
    expect(e.LockIndex).toBe(1);
    expect(e.Value).toBe('me');
    // re-acquire by holder keeps LockIndex
    expect(await consul.kv.set('locks/leader', 'me2', { acquire: s1 } as any)).toBe(true);
    expect(((await consul.kv.get('locks/leader')) as any).LockIndex).toBe(1);
    // plain set keeps the lock
    await consul.kv.set('locks/leader', 'plain');
    expect(((await consul.kv.get('locks/leader')) as any).Session).toBe(s1);
    // release by the wrong session fails; by holder works
    expect(await consul.kv.set('locks/leader', 'x', { release: s2 } as any)).toBeFalsy();
    expect(await consul.kv.set('locks/leader', 'x', { release: s1 } as any)).toBe(true);
    e = (await consul.kv.get('locks/leader')) as any;
    expect(e.Session).toBeUndefined();
    expect(e.LockIndex).toBe(1);
    expect(await consul.kv.set('locks/leader', 'you', { acquire: s2 } as any)).toBe(true);
    expect(((await consul.kv.get('locks/leader')) as any).LockIndex).toBe(2);
    // destroying the holder releases the key and applies its lock-delay (15 s default)
    await consul.session.destroy(s2); // the client discards the `true` body
    e = (await consul.kv.get('locks/leader')) as any;
    expect(e.Session).toBeUndefined();
    expect(await consul.kv.set('locks/leader', 'me', { acquire: s1 } as any)).toBeFalsy(); // lock-delay
    // unknown session → 500 invalid session
    const bad = await put('/kv/locks/x?acquire=00000000-0000-0000-0000-000000000000', 'v');
    expect(bad.status).toBe(500);
    expect(await bad.text()).toBe('invalid session "00000000-0000-0000-0000-000000000000"');
    const info = (await consul.session.info(s1)) as any;
    expect(info.ID).toBe(s1);
    expect(info.Name).toBe('one');
    expect(info.Node).toBe('batata-it');
    expect(info.Behavior).toBe('release');
    expect(info.LockDelay).toBe(1_000_000);
    const list = (await consul.session.list()) as any[];
    expect(list.map((x) => x.ID)).toContain(s1);
    expect(((await consul.session.node('batata-it')) as any[]).map((x) => x.ID)).toContain(s1);
  });

  test('session behavior delete removes held keys; renew; TTL validation', async () => {
    const sid = (
      (await consul.session.create({ behavior: 'delete', ttl: '10s', lockdelay: '0s' } as any)) as any
    ).ID;
    expect(await consul.kv.set('eph/k', 'v', { acquire: sid } as any)).toBe(true);
    const renewed = (await consul.session.renew(sid)) as any;
    expect((Array.isArray(renewed) ? renewed[0] : renewed).TTL).toBe('10s');
    await consul.session.destroy(sid);
    expect(await consul.kv.get('eph/k')).toBeUndefined();
    const r = await put('/session/renew/nope');
    expect(r.status).toBe(404);
    expect(await r.text()).toBe("Session id 'nope' not found");
    const bad = await put('/session/create', JSON.stringify({ TTL: '5s' }));
    expect(bad.status).toBe(500);
    expect(await bad.text()).toBe("Invalid Session TTL '5000000000', must be between [10s=24h0m0s]");
    const beh = await put('/session/create', JSON.stringify({ Behavior: 'x' }));
    expect(await beh.text()).toBe("Invalid Behavior setting 'x'");
    expect((await fetch(`${base}/session/info/unknown`).then((x) => x.json())) as unknown).toEqual([]);
  });

  test('txn: atomic success, 409 rollback with every error, exact texts, 64-op limit', async () => {
    const ok = (await consul.transaction.create([
      { KV: { Verb: 'set', Key: 'tx/a', Value: Buffer.from('1').toString('base64') } },
      { KV: { Verb: 'set', Key: 'tx/b', Value: Buffer.from('2').toString('base64'), Flags: 7 } },
      { KV: { Verb: 'get', Key: 'tx/a' } },
    ] as any)) as any;
    expect(ok.Errors).toBeNull();
    expect(ok.Results).toHaveLength(3);
    expect(ok.Results[0].KV.Value).toBeNull();
    expect(ok.Results[2].KV.Value).toBe(Buffer.from('1').toString('base64'));
    expect(ok.Results[0].KV.ModifyIndex).toBe(ok.Results[1].KV.ModifyIndex); // one index

    const a = (await consul.kv.get('tx/a')) as any;
    const res = await put(
      '/txn',
      JSON.stringify([
        { KV: { Verb: 'set', Key: 'tx/c', Value: 'Mw==' } },
        { KV: { Verb: 'cas', Key: 'tx/a', Value: 'OQ==', Index: a.ModifyIndex + 99 } },
        { KV: { Verb: 'check-not-exists', Key: 'tx/b' } },
        { KV: { Verb: 'get', Key: 'tx/zzz' } },
        { KV: { Verb: 'frob', Key: 'tx/a' } },
        { KV: { Verb: 'lock', Key: 'tx/a' } },
        { KV: { Verb: 'check-index', Key: 'tx/a', Index: 1 } },
      ]),
    );
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 1, What: 'failed to set key "tx/a", index is stale' },
        { OpIndex: 2, What: 'key "tx/b" exists' },
        { OpIndex: 3, What: 'key "tx/zzz" doesn\'t exist' },
        { OpIndex: 4, What: 'unknown KV verb "frob"' },
        { OpIndex: 5, What: 'missing session' },
        { OpIndex: 6, What: `failed index check for key "tx/a", current modify index ${a.ModifyIndex} != 1` },
      ],
    });
    expect(await consul.kv.get('tx/c')).toBeUndefined(); // rolled back

    const many = Array.from({ length: 65 }, (_, i) => ({ KV: { Verb: 'get', Key: `k${i}` } }));
    const big = await put('/txn', JSON.stringify(many));
    expect(big.status).toBe(413);
    expect(await big.text()).toBe('Transaction contains too many operations (65 > 64)');
    const junk = await put('/txn', '{nope');
    expect(junk.status).toBe(400);
    expect(await junk.text()).toStartWith('Failed to parse body: ');
  });

  test('blocking kv.get is woken by another writer within 50 ms', async () => {
    await consul.kv.set('block/k', 'v0');
    const idx = (await fetch(`${base}/kv/block/k`)).headers.get('x-consul-index')!;
    const t0 = performance.now();
    const pending = consul.kv.get({ key: 'block/k', index: idx, wait: '30s' } as any) as Promise<any>;
    await Bun.sleep(100);
    const tw = performance.now();
    let wokeAt = 0;
    const done = pending.then((v) => {
      wokeAt = performance.now();
      return v;
    });
    await fetch(`${base}/kv/block/k`, { method: 'PUT', body: 'v1' });
    const ackAt = performance.now();
    const got = await done;
    expect(got.Value).toBe('v1');
    // Woken within 50 ms of the write: measured from the write's start, minus nothing but the
    // writer's own round trip (on an idle machine both are a few ms; under CI load the round
    // trip itself can take longer than 50 ms).
    expect(wokeAt - tw).toBeLessThan(Math.max(50, ackAt - tw + 50));
    expect(wokeAt - ackAt).toBeLessThan(50);
    expect(performance.now() - t0).toBeGreaterThan(90);
  });

  test('a blocking read that times out returns the same index; writes elsewhere do not wake it', async () => {
    await consul.kv.set('quiet/k', 'v');
    const idx = (await fetch(`${base}/kv/quiet/k`)).headers.get('x-consul-index')!;
    const t0 = performance.now();
    const p = fetch(`${base}/kv/quiet/k?index=${idx}&wait=300ms`);
    await Bun.sleep(50);
    await consul.kv.set('other/k', 'x');
    const r = await p;
    const ms = performance.now() - t0;
    expect(r.status).toBe(200);
    expect(r.headers.get('x-consul-index')).toBe(idx);
    expect(ms).toBeGreaterThanOrEqual(295);
    expect(ms).toBeLessThan(300 + 300 / 16 + 150);
  });

  test('consul.watch delivers KV changes', async () => {
    const seen: string[] = [];
    const watch = consul.watch({
      method: consul.kv.get,
      options: { key: 'watched/k', wait: '5s' } as any,
    });
    const got = new Promise<void>((resolve) => {
      watch.on('change', (data: any) => {
        if (data) seen.push(data.Value);
        if (seen.includes('second')) resolve();
      });
    });
    watch.on('error', () => {});
    await consul.kv.set('watched/k', 'first');
    await Bun.sleep(100);
    await consul.kv.set('watched/k', 'second');
    await got;
    watch.end();
    expect(seen).toContain('second');
  });

  test('bad input answers Consul status and plain text', async () => {
    const cases: Array<[string, RequestInit | undefined, number, string]> = [
      ['/kv/x?index=-1', undefined, 400, 'Invalid index'],
      ['/kv/x?index=5&wait=forever', undefined, 400, 'Invalid wait time'],
      ['/kv/x?dc=dc9', undefined, 500, 'No path to datacenter'],
      [
        '/kv/x?stale&consistent',
        undefined,
        400,
        'Cannot specify ?stale with ?consistent, conflicting semantics.',
      ],
      ['/kv/', undefined, 400, 'Missing key name'],
      ['/kv/x?cas=1&acquire=a', { method: 'PUT', body: 'v' }, 400, 'Conflicting flags: acquire=a&cas=1\n'],
      [
        '/kv/x?flags=abc',
        { method: 'PUT', body: 'v' },
        500,
        'strconv.ParseUint: parsing "abc": invalid syntax',
      ],
      ['/nope', undefined, 404, 'Invalid URL path: not a recognized HTTP API endpoint\n'],
      ['/session/destroy/', { method: 'PUT' }, 400, 'Missing session'],
    ];
    for (const [path, init, status, body] of cases) {
      const r = await fetch(`${base}${path}`, init);
      expect([path, r.status, await r.text()]).toEqual([path, status, body]);
    }
    const big = await put('/kv/big', new Uint8Array(524289));
    expect(big.status).toBe(413);
    expect(await big.text()).toBe(
      'Request body(524289 bytes) too large, max size: 524288 bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.',
    );
    expect((await put('/kv/big', new Uint8Array(524288))).status).toBe(200);
    const m = await fetch(`${base}/kv/x`, { method: 'POST' });
    expect(m.status).toBe(405);
  });
});

describe('Consul status, agent, events', () => {
  test('status leader/peers, datacenters, agent self and members', async () => {
    expect(await consul.status.leader()).toBe('127.0.0.1:8300');
    expect(await consul.status.peers()).toEqual(['127.0.0.1:8300']);
    expect(await consul.catalog.datacenters()).toEqual(['dc1']);
    const self = (await consul.agent.self()) as any;
    expect(self.Config.NodeName).toBe('batata-it');
    expect(self.Config.Datacenter).toBe('dc1');
    expect(self.Config.NodeID).toMatch(/^[0-9a-f-]{36}$/);
    for (const v of Object.values(self)) expect(v === null || typeof v === 'object').toBe(true);
    const members = (await consul.agent.members()) as any[];
    expect(members[0].Name).toBe('batata-it');
    expect(members[0].Tags.role).toBe('consul');
    expect(members[0].Status).toBe(1);
  });

  test('event fire and list (blocking on the folded UUID index)', async () => {
    const ev = (await consul.event.fire('deploy', 'payload-1')) as any;
    expect(ev.Name).toBe('deploy');
    expect(ev.Payload).toBe('payload-1');
    const r = await fetch(`${base}/event/list?name=deploy`);
    const idx = r.headers.get('x-consul-index')!;
    const list = await r.json();
    expect(list.at(-1).ID).toBe(ev.ID);
    expect(Buffer.from(list.at(-1).Payload, 'base64').toString()).toBe('payload-1');
    const p = fetch(`${base}/event/list?name=deploy&index=${idx}&wait=5s`);
    await Bun.sleep(50);
    const ev2 = (await consul.event.fire('deploy', 'payload-2')) as any;
    const r2 = await p;
    expect(r2.headers.get('x-consul-index')).not.toBe(idx);
    expect((await r2.json()).at(-1).ID).toBe(ev2.ID);
  });
});
