import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { CONFIG_TABLE, ConfigService } from '../config';
import { FakeClock } from '../core/clock';
import { silentLogger } from '../core/log';
import { NAMESPACE_TABLE, NamespaceService } from '../namespace';
import { INSTANCES_TABLE, NamingService, SERVICES_TABLE } from '../naming';
import { StateStore } from '../state';
import { SqlConfigRepo } from '../storage/config-sql-repo';
import { migrate } from '../storage/migrate';
import { SqlNamespaceRepo } from '../storage/namespace-sql-repo';
import { SqlNamingRepo } from '../storage/naming-sql-repo';
import { SqliteDb } from '../storage/sqlite-db';
import { configTable, namespaceTable, namingTables, sameConfig } from './replicated-tables';
import type { ReplicatedTable } from './state-replicator';

/**
 * Single-key loads (what a peer's sync message triggers) must return exactly what a full load
 * (reconciliation, boot) returns for those keys, and nothing else.
 */
let db: SqliteDb;
const state = new StateStore();
const clock = new FakeClock();
let tables: ReplicatedTable<any>[];

beforeAll(async () => {
  db = new SqliteDb({ path: ':memory:' });
  await migrate(db);
  const ns = new NamespaceService(state, new SqlNamespaceRepo(db), clock);
  await ns.create('team-a', 'Team A');
  await ns.create('team-b', 'Team B');
  const config = new ConfigService(state, new SqlConfigRepo(db), clock, silentLogger, {
    maxContentBytes: 1e6,
  });
  await config.publish({ dataId: 'app.yaml', group: 'G', content: 'formal', configTags: 'x,y' });
  await config.publish({ dataId: 'app.yaml', group: 'G', content: 'beta', betaIps: '10.0.0.1' });
  await config.publish({ dataId: 'app.yaml', group: 'G', namespaceId: 'team-a', content: 'other ns' });
  await config.publish({ dataId: 'other.yaml', group: 'G', content: 'o' });
  // A default-namespace row stored as 'public' by Nacos 3 next to the '' one: the lower id wins.
  await db.run(
    sql`INSERT INTO config_info (data_id, group_id, content, md5, gmt_create, gmt_modified, tenant_id)
        VALUES ('app.yaml', 'G', 'shadow', 'm', '2024-01-01 00:00:00', '2024-01-01 00:00:00', 'public')`,
  );
  const naming = new NamingService(state, new SqlNamingRepo(db), clock, silentLogger);
  const svc = { namespaceId: 'public', groupName: 'DEFAULT_GROUP', serviceName: 'pers' };
  await naming.registerInstance(svc, { ip: '10.1.0.1', port: 80, ephemeral: false });
  await naming.registerInstance(svc, { ip: '10.1.0.2', port: 80, ephemeral: false });
  await naming.registerInstance(
    { ...svc, serviceName: 'other' },
    { ip: '10.1.0.3', port: 80, ephemeral: false },
  );
  await naming.createService({ ...svc, serviceName: 'explicit' }, { protectThreshold: 0.5 });
  tables = [namespaceTable(db), configTable(db), ...namingTables(db, clock)];
});
afterAll(() => db.close());

const table = (name: string) => tables.find((t) => t.table === name)!;

/** Loads `keys` one way and the other and checks they agree; returns the single-key result. */
async function both(name: string, keys: string[]) {
  const t = table(name);
  const one = await t.load(keys);
  const all = await t.loadAll();
  for (const k of keys) {
    if (!all.has(k)) expect(one.has(k)).toBe(false);
    else if (name === CONFIG_TABLE) expect(sameConfig(one.get(k), all.get(k))).toBe(true);
    else expect(one.get(k)).toEqual(all.get(k));
  }
  expect([...one.keys()].every((k) => keys.includes(k))).toBe(true);
  return one;
}

describe('replicated tables: single-key loads agree with full loads', () => {
  test('namespaces', async () => {
    const one = await both(NAMESPACE_TABLE, ['team-a', 'missing']);
    expect([...one.keys()]).toEqual(['team-a']);
  });

  test('configs: formal + grays of the named keys only; default namespace stored as "" or "public"', async () => {
    const keys = [...state.table(CONFIG_TABLE).keys()];
    expect(keys.length).toBe(3);
    const one = await both(CONFIG_TABLE, ['public/G/app.yaml', 'nope/G/x']);
    expect([...one.keys()]).toEqual(['public/G/app.yaml']);
    const rec = one.get('public/G/app.yaml');
    expect(rec.formal.content).toBe('formal');
    expect(rec.formal.tags.sort()).toEqual(['x', 'y']);
    expect(rec.grays.map((g: any) => g.content)).toEqual(['beta']);
    expect(sameConfig(rec, state.table<any>(CONFIG_TABLE).get('public/G/app.yaml')!.value)).toBe(true);
    await both(CONFIG_TABLE, ['team-a/G/app.yaml']);
  });

  test('naming: services (explicit and implicit) and persistent instances of the named keys', async () => {
    const svcKeys = [...state.table(SERVICES_TABLE).keys()];
    const one = await both(SERVICES_TABLE, [
      ...svcKeys.filter((k) => !k.endsWith('other')),
      'public/G@@none',
    ]);
    expect([...one.keys()].sort()).toEqual(svcKeys.filter((k) => !k.endsWith('other')).sort());
    const instKeys = [...state.table(INSTANCES_TABLE).keys()];
    const wanted = instKeys.filter((k) => k.includes('10.1.0.1'));
    const inst = await both(INSTANCES_TABLE, wanted);
    expect([...inst.keys()]).toEqual(wanted);
  });
});
