import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { InstanceRecord, ServiceRecord } from '../../naming/naming-model';
import type { NamingRepo } from '../../naming/naming-repo';

const svc = (name: string, over: Partial<ServiceRecord> = {}): ServiceRecord => ({
  namespaceId: 'public',
  groupName: 'DEFAULT_GROUP',
  serviceName: name,
  protectThreshold: 0.5,
  metadata: { owner: 'team-a', 'k.with.dots': 'v=1,2' },
  selector: { type: 'label', expression: 'CONSUMER.label.a = PROVIDER.label.a' },
  clusters: {
    DEFAULT: {
      name: 'DEFAULT',
      healthChecker: { type: 'HTTP', path: '/health', headers: 'a:b', expectedResponseCode: 204 },
      checkPort: 81,
      useIPPort4Check: false,
      metadata: { x: 'y' },
    },
  },
  ephemeral: false,
  persisted: true,
  createTime: 1_700_000_000_000,
  modifyTime: 1_700_000_000_500,
  ...over,
});

const inst = (ip: string, over: Partial<InstanceRecord> = {}): InstanceRecord => ({
  namespaceId: 'public',
  groupName: 'DEFAULT_GROUP',
  serviceName: 'orders',
  instanceId: `${ip}#8080#DEFAULT#DEFAULT_GROUP@@orders`,
  ip,
  port: 8080,
  weight: 2.5,
  healthy: true,
  enabled: true,
  ephemeral: false,
  clusterName: 'DEFAULT',
  metadata: { 'Consul.Tags': '["a","b"]', zone: 'eu-1' },
  clientId: `${ip}:8080#false`,
  modifyTime: 1_700_000_001_000,
  ...over,
});

/**
 * The NamingRepo contract (see naming-repo.ts), run against the fake, SQLite and MariaDB.
 * `open` returns a repo over a fresh, migrated store.
 */
export function runNamingRepoContract(
  name: string,
  open: () => Promise<{ repo: NamingRepo; cleanup?: () => Promise<void> }>,
) {
  describe(`naming repo contract: ${name}`, () => {
    let repo: NamingRepo;
    let cleanup: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ repo, cleanup } = await open());
    });
    afterAll(async () => {
      await cleanup?.();
    });

    test('starts empty', async () => {
      expect(await repo.loadServices()).toEqual([]);
      expect(await repo.loadInstances()).toEqual([]);
    });

    test('saves and loads services with every field intact; save is an upsert', async () => {
      await repo.saveService(svc('orders'));
      await repo.saveService(
        svc('pay', { namespaceId: 'dev', groupName: 'G', ephemeral: true, protectThreshold: 0 }),
      );
      await repo.saveService(
        svc('orders', { protectThreshold: 0.8, metadata: { a: '1' }, modifyTime: 1_700_000_009_000 }),
      );
      const all = (await repo.loadServices()).sort((a, b) => a.serviceName.localeCompare(b.serviceName));
      expect(all).toEqual([
        svc('orders', { protectThreshold: 0.8, metadata: { a: '1' }, modifyTime: 1_700_000_009_000 }),
        svc('pay', { namespaceId: 'dev', groupName: 'G', ephemeral: true, protectThreshold: 0 }),
      ]);
    });

    test('deletes a service by id and reports whether it existed', async () => {
      expect(await repo.deleteService({ namespaceId: 'dev', groupName: 'G', serviceName: 'pay' })).toBe(true);
      expect(await repo.deleteService({ namespaceId: 'dev', groupName: 'G', serviceName: 'pay' })).toBe(
        false,
      );
      expect((await repo.loadServices()).map((s) => s.serviceName)).toEqual(['orders']);
    });

    test('saves and loads persistent instances; upsert by instance id', async () => {
      await repo.saveInstance(inst('10.0.0.1'));
      await repo.saveInstance(inst('10.0.0.2', { healthy: false, enabled: false, weight: 0 }));
      await repo.saveInstance(inst('10.0.0.1', { healthy: false, metadata: {} }));
      const all = (await repo.loadInstances()).sort((a, b) => a.ip.localeCompare(b.ip));
      expect(all).toEqual([
        inst('10.0.0.1', { healthy: false, metadata: {} }),
        inst('10.0.0.2', { healthy: false, enabled: false, weight: 0 }),
      ]);
    });

    test('long names and unicode metadata round-trip', async () => {
      const long = 'x'.repeat(200);
      const i = inst('10.9.9.9', {
        serviceName: long,
        instanceId: `id-${long}`,
        metadata: { note: 'héllo 世界' },
      });
      await repo.saveInstance(i);
      expect((await repo.loadInstances()).find((x) => x.ip === '10.9.9.9')).toEqual(i);
      expect(await repo.deleteInstance(i, i.instanceId)).toBe(true);
    });

    test('concurrent saves (group commit) are all durable; the last save of a key wins', async () => {
      const ips = Array.from({ length: 150 }, (_, n) => `10.5.${n >> 8}.${n & 255}`);
      await Promise.all([
        ...ips.map((ip) => repo.saveInstance(inst(ip, { weight: 1 }))),
        repo.saveInstance(inst(ips[0]!, { weight: 9 })),
      ]);
      const loaded = (await repo.loadInstances()).filter((i) => i.ip.startsWith('10.5.'));
      expect(loaded).toHaveLength(150);
      expect(loaded.find((i) => i.ip === ips[0])?.weight).toBe(9);
      for (const ip of ips) await repo.deleteInstance(inst(ip), inst(ip).instanceId);
    });

    test('deletes one instance and reports whether it existed', async () => {
      const id = { namespaceId: 'public', groupName: 'DEFAULT_GROUP', serviceName: 'orders' };
      expect(await repo.deleteInstance(id, '10.0.0.1#8080#DEFAULT#DEFAULT_GROUP@@orders')).toBe(true);
      expect(await repo.deleteInstance(id, '10.0.0.1#8080#DEFAULT#DEFAULT_GROUP@@orders')).toBe(false);
      expect((await repo.loadInstances()).map((i) => i.ip)).toEqual(['10.0.0.2']);
    });
  });
}
