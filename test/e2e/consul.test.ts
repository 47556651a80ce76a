import { afterAll, describe, expect, test } from 'bun:test';
import Consul from 'consul';
import { type BinaryServer, spawnBinary } from '../support/binary';
import { freePort } from '../support/ports';

const running: BinaryServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop().catch(() => {});
});

describe('Consul API in the compiled binary', () => {
  test('KV, locks, txn and blocking reads on consul.port; KV survives kill -9', async () => {
    const cport = await freePort();
    const a = await spawnBinary({
      args: ['--set', `consul.port=${cport}`, '--set', 'consul.node-name=e2e-node'],
    });
    const consul = new Consul({ host: '127.0.0.1', port: cport });
    expect(await consul.kv.set('e2e/κλειδί', 'τιμή ✓')).toBe(true);
    expect(((await consul.kv.get('e2e/κλειδί')) as any).Value).toBe('τιμή ✓');
    expect(((await consul.agent.self()) as any).Config.NodeName).toBe('e2e-node');

    const s1 = ((await consul.session.create({ name: 'a' } as any)) as any).ID;
    const s2 = ((await consul.session.create({ name: 'b' } as any)) as any).ID;
    expect(await consul.kv.set('e2e/lock', 'a', { acquire: s1 } as any)).toBe(true);
    expect(await consul.kv.set('e2e/lock', 'b', { acquire: s2 } as any)).toBeFalsy();

    const txn = (await consul.transaction.create([
      { KV: { Verb: 'set', Key: 'e2e/t1', Value: Buffer.from('1').toString('base64') } },
      { KV: { Verb: 'check-not-exists', Key: 'e2e/t2' } },
    ] as any)) as any;
    expect(txn.Errors).toBeNull();
    // Catalog ops join the same transaction.
    const cat = (await consul.transaction.create([
      { Node: { Verb: 'set', Node: { Node: 'e2e-ext', Address: '10.4.0.1' } } },
      {
        Service: { Verb: 'set', Node: 'e2e-ext', Service: { ID: 'e2e-db-1', Service: 'e2e-db', Port: 5432 } },
      },
      {
        Check: {
          Verb: 'set',
          Check: { Node: 'e2e-ext', CheckID: 'db-ok', Status: 'passing', ServiceID: 'e2e-db-1' },
        },
      },
      { KV: { Verb: 'set', Key: 'e2e/with-catalog', Value: Buffer.from('1').toString('base64') } },
    ] as any)) as any;
    expect(cat.Results.map((r: object) => Object.keys(r)[0])).toEqual(['Node', 'Service', 'Check', 'KV']);
    const opts = await fetch(`http://127.0.0.1:${cport}/v1/txn`, { method: 'OPTIONS' });
    expect([opts.status, opts.headers.get('allow')]).toEqual([200, 'OPTIONS,PUT']);
    expect(((await consul.catalog.service.nodes('consul')) as any[])[0].ServicePort).toBe(cport);

    const idx = (await fetch(`${a.url}/v1/kv/e2e/t1`)).headers.get('x-consul-index')!;
    const pending = consul.kv.get({ key: 'e2e/t1', index: idx, wait: '10s' } as any) as Promise<any>;
    await Bun.sleep(50);
    const t0 = performance.now();
    await fetch(`${a.url}/v1/kv/e2e/t1`, { method: 'PUT', body: 'woken' });
    expect((await pending).Value).toBe('woken');
    expect(performance.now() - t0).toBeLessThan(100);

    // agent register with a TTL check → pass → health ?passing; the same instance in Nacos
    await consul.agent.service.register({
      name: 'e2e-web',
      id: 'e2e-web-1',
      address: '10.3.0.1',
      port: 8080,
      check: { ttl: '30s' } as any,
    });
    expect(await consul.health.service({ service: 'e2e-web', passing: true })).toEqual([]);
    await consul.agent.check.pass({ id: 'service:e2e-web-1' } as any);
    const healthy = (await consul.health.service({ service: 'e2e-web', passing: true })) as any[];
    expect(healthy.map((e) => e.Service.ID)).toEqual(['e2e-web-1']);
    const nacosList = await (await fetch(`${a.nacos}/v1/ns/instance/list?serviceName=e2e-web`)).json();
    expect(nacosList.hosts.map((h: any) => [h.instanceId, h.ip, h.port, h.healthy])).toEqual([
      ['e2e-web-1', '10.3.0.1', 8080, true],
    ]);
    await consul.agent.service.deregister('e2e-web-1');
    expect(await consul.health.service('e2e-web')).toEqual([]);

    await consul.agent.service.register({ name: 'e2e-kept', id: 'e2e-kept-1', port: 7000 });
    const before = (await (await fetch(`${a.url}/v1/kv/e2e/lock`)).json())[0];
    await a.kill9();
    const b = await spawnBinary({
      dataDir: a.dataDir,
      ports: a.ports,
      args: ['--set', `consul.port=${cport}`],
    });
    running.push(b);
    const after = (await (await fetch(`http://127.0.0.1:${cport}/v1/kv/e2e/lock`)).json())[0];
    expect(after).toEqual(before);
    expect(after.Session).toBe(s1);
    expect(await (await fetch(`${b.url}/v1/kv/e2e/t1?raw`)).text()).toBe('woken');
    const kept = await (await fetch(`http://127.0.0.1:${cport}/v1/agent/services`)).json();
    expect(Object.keys(kept)).toEqual(['e2e-kept-1']);
    const db = await (await fetch(`${b.url}/v1/health/service/e2e-db?passing`)).json();
    expect(db.map((e: any) => [e.Node.Node, e.Service.ID, e.Checks.map((c: any) => c.CheckID)])).toEqual([
      ['e2e-ext', 'e2e-db-1', ['db-ok']],
    ]);
    const miss = await fetch(`${b.url}/v1/kv/e2e/none`);
    expect(miss.status).toBe(404);
    expect(Number(miss.headers.get('x-consul-index'))).toBeGreaterThan(0);
  }, 30_000);
});
