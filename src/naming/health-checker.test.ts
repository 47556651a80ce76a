import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { LevelFilter, Log } from '../core/log';
import { StateStore } from '../state';
import { FakeNamingRepo } from './fake-naming-repo';
import { PersistentHealthChecker, type Probe } from './health-checker';
import { NamingService } from './naming-service';

const log = new Log({ filter: new LevelFilter('off'), sinks: [] });
const svc = { namespaceId: 'public', groupName: 'DEFAULT_GROUP', serviceName: 'db' };

async function setup(threshold: number, concurrency = 2, responsible?: (ipPort: string) => boolean) {
  const clock = new FakeClock();
  const naming = new NamingService(new StateStore(), new FakeNamingRepo(), clock, log);
  const up = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  const probed: string[] = [];
  const probe: Probe = async (i) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    probed.push(i.ip);
    await Bun.sleep(1);
    inFlight--;
    return up.has(i.ip);
  };
  const checker = new PersistentHealthChecker(
    naming,
    clock,
    log,
    { intervalMs: 1000, timeoutMs: 100, concurrency, threshold },
    { TCP: probe, HTTP: probe },
    responsible,
  );
  return { naming, checker, up, probed, max: () => maxInFlight };
}

describe('persistent health checks', () => {
  test('flip after `threshold` consecutive results; ephemeral and NONE clusters are not probed', async () => {
    const { naming, checker, up, probed } = await setup(2);
    await naming.registerInstance(svc, { ip: '10.0.0.1', port: 1, ephemeral: false });
    await naming.registerInstance(svc, { ip: '10.0.0.2', port: 1, ephemeral: false, clusterName: 'manual' });
    await naming.updateCluster(svc, 'manual', { healthChecker: { type: 'NONE' } });
    await naming.registerInstance({ ...svc, serviceName: 'eph' }, { ip: '10.0.0.3', port: 1 });
    const health = () => naming.findInstance(svc, { ip: '10.0.0.1', port: 1 })?.healthy;
    await checker.runOnce();
    expect(health()).toBe(true); // one failure is not enough
    await checker.runOnce();
    expect(health()).toBe(false);
    up.add('10.0.0.1');
    await checker.runOnce();
    expect(health()).toBe(false);
    await checker.runOnce();
    expect(health()).toBe(true);
    expect(new Set(probed)).toEqual(new Set(['10.0.0.1']));
  });

  test('in a cluster only the responsible node probes; others keep the stored health', async () => {
    let mine = new Set(['10.0.0.1:1']);
    const { naming, checker, probed } = await setup(1, 2, (ipPort) => mine.has(ipPort));
    await naming.registerInstance(svc, { ip: '10.0.0.1', port: 1, ephemeral: false });
    await naming.registerInstance(svc, { ip: '10.0.0.2', port: 1, ephemeral: false });
    const health = (ip: string) => naming.findInstance(svc, { ip, port: 1 })?.healthy;
    await checker.runOnce();
    expect(probed).toEqual(['10.0.0.1']);
    expect(health('10.0.0.1')).toBe(false);
    expect(health('10.0.0.2')).toBe(true);
    // Responsibility moves (a member died): the new owner probes, the old one stops.
    mine = new Set(['10.0.0.2:1']);
    probed.length = 0;
    await checker.runOnce();
    expect(probed).toEqual(['10.0.0.2']);
    expect(health('10.0.0.1')).toBe(false);
    expect(health('10.0.0.2')).toBe(false);
  });

  test('probes run with bounded concurrency', async () => {
    const { naming, checker, max } = await setup(1, 3);
    for (let n = 0; n < 20; n++)
      await naming.registerInstance(svc, { ip: `10.1.0.${n}`, port: 1, ephemeral: false });
    await checker.runOnce();
    expect(max()).toBe(3);
    expect(naming.query(svc).hosts.every((h) => !h.healthy)).toBe(true);
  });
});
