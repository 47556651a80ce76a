import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { LevelFilter, Log, MemorySink } from '../core/log';
import { NamingService } from '../naming';
import { FakeNamingRepo } from '../naming/fake-naming-repo';
import { StateStore, WatchSet } from '../state';
import { CatalogService, type ServiceDef } from './catalog-service';
import { decodeCheck } from './check-def';
import { ConsulStore } from './consul-store';
import { FakeConsulRepo } from './fake-consul-repo';

const flush = async () => {
  for (let i = 0; i < 5; i++) await Bun.sleep(0);
};

function setup() {
  const clock = new FakeClock();
  const state = new StateStore();
  const log = new Log({ filter: new LevelFilter('error'), sinks: [new MemorySink()] });
  const naming = new NamingService(state, new FakeNamingRepo(), clock, log);
  const failed: string[] = [];
  const repo = new FakeConsulRepo();
  const store = new ConsulStore(state, repo);
  const cat = new CatalogService(
    state,
    () => naming,
    clock,
    log,
    {
      namespaceId: 'public',
      group: 'DEFAULT_GROUP',
      datacenter: 'dc1',
      local: {
        id: 'id-1',
        node: 'n1',
        address: '10.0.0.9',
        datacenter: 'dc1',
        taggedAddresses: {},
        meta: {},
      },
    },
    { checkFailed: (n, id) => failed.push(`${n}/${id}`), nodeRemoved: () => {} },
    store,
    repo,
  );
  return { clock, state, naming, cat, failed, repo };
}

const svc = (over: Partial<ServiceDef> = {}): ServiceDef => ({
  id: 's1',
  name: 'web',
  tags: [],
  address: '',
  port: 80,
  meta: {},
  kind: '',
  enableTagOverride: false,
  checks: [],
  ...over,
});

const check = (o: object) => decodeCheck(o, (s) => s);
const instances = (naming: NamingService) =>
  naming.instances({ namespaceId: 'public', groupName: 'DEFAULT_GROUP', serviceName: 'web' });

describe('CatalogService checks (FakeClock)', () => {
  test('a TTL check expires to critical after its TTL and marks the instance unhealthy', async () => {
    const { cat, clock, naming, failed } = setup();
    await cat.start();
    await cat.registerService(svc({ checks: [check({ TTL: '10s', Status: 'passing' })] }));
    expect(instances(naming)[0]!.healthy).toBe(true);
    expect(instances(naming)[0]!.ip).toBe('10.0.0.9'); // empty Address = node address
    clock.advance(6_000);
    await cat.updateTtl('service:s1', 'passing', 'still fine');
    clock.advance(9_000);
    await flush();
    expect(cat.agentChecks()[0]!.c.status).toBe('passing');
    clock.advance(1_100);
    await flush();
    const c = cat.agentChecks()[0]!.c;
    expect(c.status).toBe('critical');
    expect(c.output).toBe('TTL expired (last output before timeout follows): still fine');
    expect(instances(naming)[0]!.healthy).toBe(false);
    expect(failed).toEqual(['n1/service:s1']);
  });

  test('DeregisterCriticalServiceAfter removes a service that stays critical (minimum 1 min)', async () => {
    const { cat, clock, naming } = setup();
    await cat.start();
    await cat.registerService(svc({ checks: [check({ TTL: '10s', DeregisterCriticalServiceAfter: '5s' })] }));
    expect(cat.agentChecks()[0]!.c.status).toBe('critical');
    clock.advance(30_000);
    await flush();
    expect(instances(naming)).toHaveLength(1);
    clock.advance(30_500);
    await flush();
    expect(instances(naming)).toHaveLength(0);
    expect(cat.agentChecks()).toHaveLength(0);
  });

  test('a passing check cancels the pending deregistration', async () => {
    const { cat, clock, naming } = setup();
    await cat.start();
    await cat.registerService(
      svc({ checks: [check({ TTL: '120s', DeregisterCriticalServiceAfter: '1m' })] }),
    );
    clock.advance(30_000);
    await cat.updateTtl('service:s1', 'passing', '');
    clock.advance(60_000);
    await flush();
    expect(instances(naming)).toHaveLength(1);
  });

  test('reads are blocking-query friendly: a check update moves the index and wakes watchers', async () => {
    const { cat, state } = setup();
    await cat.start();
    await cat.registerService(svc({ checks: [check({ TTL: '10s' })] }));
    const ws = new WatchSet();
    const before = cat.views(ws, 'web').index;
    let woke = false;
    state.watch(ws.topics, () => {
      woke = true;
    });
    await cat.updateTtl('service:s1', 'passing', '');
    expect(woke).toBe(true);
    expect(cat.views(new WatchSet(), 'web').index).toBeGreaterThan(before);
    const again = cat.views(new WatchSet(), 'web').index;
    await cat.updateTtl('service:s1', 'passing', '');
    expect(cat.views(new WatchSet(), 'web').index).toBe(again); // unchanged → no write
  });
});
