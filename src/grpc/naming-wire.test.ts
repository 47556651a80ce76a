import { describe, expect, test } from 'bun:test';
import { parseWireInstance, serviceInfoJson, type WireInstance } from './naming-wire';

const inst = (o: Partial<WireInstance>): WireInstance =>
  parseWireInstance({ ip: '10.0.0.1', port: 80, ...o });

describe('naming wire shapes (spec §C.1)', () => {
  test('instance defaults and validation', () => {
    expect(parseWireInstance({ ip: '1.2.3.4', port: 8080, unknown: 1 })).toEqual({
      instanceId: undefined,
      ip: '1.2.3.4',
      port: 8080,
      weight: 1,
      healthy: true,
      enabled: true,
      ephemeral: true,
      clusterName: 'DEFAULT',
      serviceName: undefined,
      metadata: {},
    });
    expect(() => parseWireInstance({ port: 1 })).toThrow(/ip/);
    expect(() => parseWireInstance({ ip: 'a', port: 70000 })).toThrow(/port/);
    expect(() => parseWireInstance({ ip: 'a', port: 1, clusterName: 'a_b' })).toThrow(/clusterName/);
    expect(() =>
      parseWireInstance({ ip: 'a', port: 1, metadata: { 'preserved.heart.beat.timeout': '1000' } }),
    ).toThrow(/heart beat/);
  });

  test('ServiceInfo carries every required key, both allIPs spellings, ungrouped name, derived instance fields', () => {
    const si = serviceInfoJson({
      name: 'order',
      groupName: 'DEFAULT_GROUP',
      clusters: '',
      instances: [inst({})],
      healthyOnly: false,
      now: 42,
    });
    expect(si).toMatchObject({
      name: 'order',
      groupName: 'DEFAULT_GROUP',
      clusters: '',
      cacheMillis: 10000,
      lastRefTime: 42,
      checksum: '',
      allIPs: false,
      allIps: false,
      reachProtectionThreshold: false,
      valid: true,
    });
    expect((si.hosts as any[])[0]).toEqual({
      instanceId: '10.0.0.1#80#DEFAULT#DEFAULT_GROUP@@order',
      ip: '10.0.0.1',
      port: 80,
      weight: 1,
      healthy: true,
      enabled: true,
      ephemeral: true,
      clusterName: 'DEFAULT',
      serviceName: 'DEFAULT_GROUP@@order',
      metadata: {},
      instanceHeartBeatInterval: 5000,
      instanceHeartBeatTimeOut: 15000,
      ipDeleteTimeout: 30000,
      instanceIdGenerator: 'simple',
    });
  });

  test('selection: clusters, enabled, healthyOnly, protection threshold', () => {
    const all = [
      inst({ ip: 'a', clusterName: 'A' }),
      inst({ ip: 'b', clusterName: 'B', healthy: false }),
      inst({ ip: 'c', clusterName: 'A', enabled: false }),
    ];
    const pick = (o: Partial<Parameters<typeof serviceInfoJson>[0]>) =>
      (
        serviceInfoJson({
          name: 's',
          groupName: 'G',
          clusters: '',
          instances: all,
          healthyOnly: false,
          now: 0,
          ...o,
        }).hosts as any[]
      ).map((h) => `${h.ip}:${h.healthy}`);
    expect(pick({})).toEqual(['a:true', 'b:false']);
    expect(pick({ clusters: 'B' })).toEqual(['b:false']);
    expect(pick({ healthyOnly: true })).toEqual(['a:true']);
    // Only unhealthy instances left and threshold 0: protection returns them as healthy.
    expect(pick({ clusters: 'B', protectThreshold: 0 })).toEqual(['b:true']);
    expect(pick({ protectThreshold: 0.6 })).toEqual(['a:true', 'b:true']);
    expect(pick({ protectThreshold: 0.4 })).toEqual(['a:true', 'b:false']);
  });
});
