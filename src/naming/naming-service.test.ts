import { beforeEach, describe, expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { LevelFilter, Log } from '../core/log';
import { StateStore } from '../state';
import { FakeNamingRepo } from './fake-naming-repo';
import { instanceKey, instancePrefix, serviceKey } from './naming-model';
import { INSTANCES_TABLE, NamingService, type PushEvent, SERVICES_TABLE } from './naming-service';

const log = new Log({ filter: new LevelFilter('off'), sinks: [] });
const svc = { namespaceId: 'public', groupName: 'DEFAULT_GROUP', serviceName: 'orders' };

let clock: FakeClock;
let state: StateStore;
let repo: FakeNamingRepo;
let naming: NamingService;
let pushes: PushEvent[];

function make() {
  const n = new NamingService(state, repo, clock, log, { pushDelayMs: 500, beatCheckIntervalMs: 1000 });
  n.onPush((e) => pushes.push(e));
  return n;
}

beforeEach(() => {
  clock = new FakeClock();
  state = new StateStore();
  repo = new FakeNamingRepo();
  pushes = [];
  naming = make();
});

describe('instances', () => {
  test('register fills defaults, creates the service implicitly, writes state tables', async () => {
    const before = state.index;
    const i = await naming.registerInstance(svc, { ip: '10.0.0.1', port: 8080 });
    expect(i).toMatchObject({
      instanceId: '10.0.0.1#8080#DEFAULT#DEFAULT_GROUP@@orders',
      weight: 1,
      healthy: true,
      enabled: true,
      ephemeral: true,
      clusterName: 'DEFAULT',
      clientId: '10.0.0.1:8080#true',
    });
    expect(state.index).toBeGreaterThan(before);
    expect(state.table(SERVICES_TABLE).has(serviceKey(svc))).toBe(true);
    expect(state.table(INSTANCES_TABLE).scan(instancePrefix(serviceKey(svc)))).toHaveLength(1);
    expect(naming.getService(svc)?.persisted).toBe(false);
    expect(repo.instances.size).toBe(0); // ephemeral stays in memory
  });

  test('query selects by cluster, enabled, healthy; revision cache is invalidated by changes', async () => {
    await naming.registerInstance(svc, { ip: '10.0.0.1', port: 1, clusterName: 'a' });
    await naming.registerInstance(svc, { ip: '10.0.0.2', port: 1, clusterName: 'b', enabled: false });
    await naming.registerInstance(svc, { ip: '10.0.0.3', port: 1, clusterName: 'b', healthy: false });
    expect(naming.query(svc).hosts.map((h) => h.ip)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(naming.query(svc, { clusters: 'b' }).hosts.map((h) => h.ip)).toEqual(['10.0.0.3']);
    expect(naming.query(svc, { healthyOnly: true }).hosts.map((h) => h.ip)).toEqual(['10.0.0.1']);
    const rev = naming.revision(svc);
    await naming.setHealth(svc, { ip: '10.0.0.3', port: 1, clusterName: 'b' }, true);
    expect(naming.revision(svc)).toBeGreaterThan(rev);
    expect(naming.query(svc, { healthyOnly: true }).hosts).toHaveLength(2);
    const info = naming.query({ ...svc, serviceName: 'nope' });
    expect(info).toMatchObject({ name: 'nope', hosts: [], checksum: '', valid: true, cacheMillis: 10000 });
  });

  test('protection threshold applies to services with explicit metadata only', async () => {
    await naming.registerInstance(svc, { ip: '10.0.0.1', port: 1, healthy: false });
    await naming.registerInstance(svc, { ip: '10.0.0.2', port: 1 });
    expect(naming.query(svc).reachProtectionThreshold).toBe(false);
    await naming.updateService(svc, { protectThreshold: 0.6 });
    const info = naming.query(svc);
    expect(info.reachProtectionThreshold).toBe(true);
    expect(info.hosts.every((h) => h.healthy)).toBe(true);
  });

  test('bad input is rejected with Nacos codes and changes nothing', async () => {
    const idx = state.index;
    const bad = [
      [{ ip: '', port: 1 }, 10000],
      [{ ip: '1.1.1.1', port: 70000 }, 21004],
      [{ ip: '1.1.1.1', port: 1, weight: 10001 }, 21001],
      [{ ip: '1.1.1.1', port: 1, weight: -1 }, 21001],
      [{ ip: '1.1.1.1', port: 1, clusterName: 'bad_name' }, 21004],
      [{ ip: '1.1.1.1', port: 1, metadata: { 'preserved.heart.beat.timeout': '100' } }, 21004],
    ] as const;
    for (const [input, code] of bad) {
      const err = await naming.registerInstance(svc, input).catch((e) => e);
      expect(err.kind).toBe('invalid_argument');
      expect(err.detailCode).toBe(code);
    }
    repo.failNext = new Error('disk full');
    await expect(naming.registerInstance(svc, { ip: '1.1.1.1', port: 1, ephemeral: false })).rejects.toThrow(
      'disk full',
    );
    expect(state.index).toBe(idx);
    expect(naming.instances(svc)).toEqual([]);
  });

  test('ephemeral and persistent instances do not mix in one service', async () => {
    await naming.registerInstance(svc, { ip: '1.1.1.1', port: 1 });
    const err = await naming
      .registerInstance(svc, { ip: '1.1.1.2', port: 1, ephemeral: false })
      .catch((e) => e);
    expect(err.message).toContain("is ephemeral service, can't register persistent instance");
  });

  test('persistent instances are durable and reloaded', async () => {
    await naming.registerInstance(svc, { ip: '1.1.1.1', port: 1, ephemeral: false, metadata: { a: 'b' } });
    await naming.createService(
      { ...svc, serviceName: 'meta' },
      { protectThreshold: 0.3, metadata: { x: 'y' } },
    );
    expect(repo.instances.size).toBe(1);
    const fresh = new NamingService(new StateStore(), repo, clock, log);
    await fresh.load();
    expect(fresh.instances(svc)).toHaveLength(1);
    expect(fresh.instances(svc)[0]?.metadata).toEqual({ a: 'b' });
    expect(fresh.getService({ ...svc, serviceName: 'meta' })).toMatchObject({
      protectThreshold: 0.3,
      persisted: true,
    });
    await naming.deregisterInstance(svc, { ip: '1.1.1.1', port: 1 });
    expect(repo.instances.size).toBe(0);
  });
});

describe('clients (gRPC semantics)', () => {
  test('replaceClientInstances replaces a client record per service; removeClient drops everything', async () => {
    await naming.replaceClientInstances('conn-1', svc, [{ ip: '1.1.1.1', port: 1 }]);
    await naming.replaceClientInstances('conn-1', svc, [{ ip: '1.1.1.2', port: 1 }]);
    expect(naming.instances(svc).map((i) => i.ip)).toEqual(['1.1.1.2']);
    await naming.replaceClientInstances('conn-1', svc, [
      { ip: '1.1.1.3', port: 1 },
      { ip: '1.1.1.4', port: 1 },
    ]);
    await naming.replaceClientInstances('conn-2', { ...svc, serviceName: 'other' }, [
      { ip: '2.2.2.2', port: 1 },
    ]);
    expect(
      naming
        .instances(svc)
        .map((i) => i.ip)
        .sort(),
    ).toEqual(['1.1.1.3', '1.1.1.4']);
    naming.addSubscriber(svc, {
      clientId: 'conn-1',
      kind: 'grpc',
      ip: '9.9.9.9',
      port: 0,
      agent: '',
      app: '',
      clusters: '',
    });
    expect(await naming.removeClient('conn-1')).toBe(2);
    expect(naming.instances(svc)).toEqual([]);
    expect(naming.getService(svc)).toBeUndefined(); // implicit service gone with its last instance
    expect(naming.subscribersOf(svc)).toEqual([]);
    expect(naming.instances({ ...svc, serviceName: 'other' })).toHaveLength(1);
    await naming.replaceClientInstances('conn-2', { ...svc, serviceName: 'other' }, []);
    expect(naming.instances({ ...svc, serviceName: 'other' })).toEqual([]);
  });
});

describe('staged instances (a caller’s own state write)', () => {
  test('puts and removes apply at the caller’s index; the implicit service comes and goes with them', async () => {
    const a = naming.prepareInstance(svc, { ip: '10.0.0.1', port: 1, instanceId: 'a' }, 'consul:n1');
    const b = naming.prepareInstance(svc, { ip: '10.0.0.2', port: 2, instanceId: 'b' }, 'consul:n1');
    expect(state.table(INSTANCES_TABLE).size).toBe(0); // preparing changes nothing
    const idx = await state.write((w) => {
      naming.stageInstances(w, [{ rec: a }, { rec: b }], []);
      return w.index;
    });
    expect(state.table(SERVICES_TABLE).get(serviceKey(svc))?.modifyIndex).toBe(idx);
    expect(naming.instances(svc).map((i) => [i.instanceId, i.clientId])).toEqual([
      ['a', 'consul:n1'],
      ['b', 'consul:n1'],
    ]);
    clock.advance(60_000); // never expire by heartbeat
    await naming.sweep();
    expect(naming.instances(svc)).toHaveLength(2);
    await state.write((w) => naming.stageInstances(w, [], [{ rec: a }, { rec: b }]));
    expect(naming.instances(svc)).toEqual([]);
    expect(naming.getService(svc)).toBeUndefined();
    // A write that throws after staging applies nothing.
    await expect(
      state.write((w) => {
        naming.stageInstances(w, [{ rec: a }], []);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(naming.instances(svc)).toEqual([]);
    await expect(
      state.write((w) => naming.stageInstances(w, [{ rec: { ...a, ephemeral: false } }], [])),
    ).rejects.toThrow('persistent');
  });

  test('staged instances keep indexes allocated elsewhere (storage rows), puts and tombstones alike', async () => {
    const a = naming.prepareInstance(svc, { ip: '10.0.0.1', port: 1, instanceId: 'a' }, 'consul-catalog:n1');
    const row = state.index + 50;
    await state.write((w) =>
      naming.stageInstances(w, [{ rec: a, createIndex: row - 1, modifyIndex: row }], []),
    );
    const k = instanceKey(serviceKey(svc), 'a');
    expect(state.table(INSTANCES_TABLE).get(k)).toMatchObject({ createIndex: row - 1, modifyIndex: row });
    // A health-only change keeps them; a removal leaves its tombstone at the given index.
    await state.write((w) =>
      naming.stageInstances(
        w,
        [{ rec: { ...a, healthy: false }, createIndex: row - 1, modifyIndex: row }],
        [],
      ),
    );
    expect(state.table(INSTANCES_TABLE).get(k)?.modifyIndex).toBe(row);
    await state.write((w) => naming.stageInstances(w, [], [{ rec: a, index: row + 7, replica: true }]));
    expect(state.table(INSTANCES_TABLE).keyIndex(k)).toBe(row + 7);
  });

  test('prepareInstance validates like registerInstance (kind of the service included)', async () => {
    expect(() => naming.prepareInstance(svc, { ip: '', port: 1 }, 'c')).toThrow("Required parameter 'ip'");
    await naming.registerInstance(svc, { ip: '10.0.0.9', port: 9, ephemeral: false });
    expect(() => naming.prepareInstance(svc, { ip: '10.0.0.1', port: 1 }, 'c')).toThrow('persistent service');
  });
});

describe('heartbeats', () => {
  test('beat-driven instances go unhealthy, then are removed; beats keep them alive', async () => {
    const meta = {
      'preserved.heart.beat.interval': '1000',
      'preserved.heart.beat.timeout': '3000',
      'preserved.ip.delete.timeout': '6000',
    };
    await naming.registerInstance(svc, { ip: '1.1.1.1', port: 1, metadata: meta });
    await naming.registerInstance(svc, { ip: '1.1.1.2', port: 1, metadata: meta });
    for (let t = 0; t < 4; t++) {
      clock.advance(1000);
      expect((await naming.beat(svc, { ip: '1.1.1.2', port: 1 })).code).toBe(10200);
      await naming.sweep();
    }
    expect(naming.findInstance(svc, { ip: '1.1.1.1', port: 1 })?.healthy).toBe(false);
    expect(naming.findInstance(svc, { ip: '1.1.1.2', port: 1 })?.healthy).toBe(true);
    clock.advance(3500);
    await naming.sweep();
    expect(naming.findInstance(svc, { ip: '1.1.1.1', port: 1 })).toBeUndefined();
    expect(naming.findInstance(svc, { ip: '1.1.1.2', port: 1 })?.healthy).toBe(false);
    expect((await naming.beat(svc, { ip: '1.1.1.2', port: 1 })).code).toBe(10200);
    expect(naming.findInstance(svc, { ip: '1.1.1.2', port: 1 })?.healthy).toBe(true);
    expect((await naming.beat(svc, { ip: '7.7.7.7', port: 1 })).code).toBe(20404);
  });

  test('instances of explicit clients (gRPC) never expire by heartbeat', async () => {
    await naming.replaceClientInstances('conn-1', svc, [{ ip: '1.1.1.1', port: 1 }]);
    clock.advance(60_000);
    await naming.sweep();
    expect(naming.instances(svc)).toHaveLength(1);
  });
});

describe('push', () => {
  test('changes are debounced into one event per service carrying its subscribers', async () => {
    naming.addSubscriber(svc, {
      clientId: 'udp:1',
      kind: 'udp',
      ip: '1.2.3.4',
      port: 5,
      agent: 'x',
      app: '',
      clusters: '',
    });
    await naming.registerInstance(svc, { ip: '1.1.1.1', port: 1 });
    await naming.registerInstance(svc, { ip: '1.1.1.2', port: 1 });
    clock.advance(499);
    expect(pushes).toHaveLength(0);
    clock.advance(1);
    expect(pushes).toHaveLength(1);
    const e = pushes[0]!;
    expect(e.serviceKey).toBe(serviceKey(svc));
    expect(e.subscribers.map((s) => s.clientId)).toEqual(['udp:1']);
    expect(e.serviceInfo('').hosts).toHaveLength(2);
    await naming.deregisterInstance(svc, { ip: '1.1.1.1', port: 1 });
    clock.advance(500);
    expect(pushes).toHaveLength(2);
    expect(pushes[1]!.serviceInfo('').hosts).toHaveLength(1);
  });
});

describe('services', () => {
  test('create / duplicate / update / delete with Nacos errors', async () => {
    await naming.createService(svc, { protectThreshold: 0.5, metadata: { a: '1' } });
    const dup = await naming.createService(svc).catch((e) => e);
    expect(dup.detailCode).toBe(21007);
    await naming.updateService(svc, { protectThreshold: 0.1 });
    expect(naming.getService(svc)).toMatchObject({ protectThreshold: 0.1, metadata: { a: '1' } });
    expect((await naming.updateService(svc, { protectThreshold: 2 }).catch((e) => e)).detailCode).toBe(20002);
    await naming.registerInstance(svc, { ip: '1.1.1.1', port: 1 });
    expect((await naming.deleteService(svc).catch((e) => e)).detailCode).toBe(21009);
    await naming.deregisterInstance(svc, { ip: '1.1.1.1', port: 1 });
    expect(naming.getService(svc)).toBeDefined(); // explicit services outlive their instances
    await naming.deleteService(svc);
    expect((await naming.deleteService(svc).catch((e) => e)).detailCode).toBe(21008);
    expect(repo.services.size).toBe(0);
  });

  test('list pages services sorted by grouped name; cluster settings persist', async () => {
    for (const n of ['c', 'a', 'b'])
      await naming.registerInstance({ ...svc, serviceName: n }, { ip: '1.1.1.1', port: 1 });
    await naming.registerInstance({ ...svc, groupName: 'G2', serviceName: 'z' }, { ip: '1.1.1.1', port: 1 });
    const r = naming.listServices('public', { groupName: 'DEFAULT_GROUP', pageNo: 1, pageSize: 2 });
    expect(r.count).toBe(3);
    expect(r.services.map((s) => s.serviceName)).toEqual(['a', 'b']);
    await naming.updateCluster({ ...svc, serviceName: 'a' }, 'DEFAULT', { healthChecker: { type: 'NONE' } });
    expect(naming.clusterSettings({ ...svc, serviceName: 'a' }, 'DEFAULT').healthChecker.type).toBe('NONE');
  });
});
