import { buildConfigRecords, CONFIG_TABLE, type ConfigKey, type ConfigRecord } from '../config';
import type { Clock } from '../core/clock';
import { NAMESPACE_TABLE, type NamespaceRecord } from '../namespace';
import {
  INSTANCES_TABLE,
  type InstanceRecord,
  instanceKey,
  parseServiceKey,
  SERVICES_TABLE,
  type ServiceRecord,
  serviceKey,
  serviceKeyOfInstanceKey,
} from '../naming';
import type { ServerContext } from '../server/module';
import { SqlConfigRepo } from '../storage/config-sql-repo';
import type { Db } from '../storage/db';
import { SqlNamespaceRepo } from '../storage/namespace-sql-repo';
import { SqlNamingRepo } from '../storage/naming-sql-repo';
import { type ReplicatedTable, sameValue } from './state-replicator';

const byKey = <V>(rows: V[], key: (v: V) => string) => new Map(rows.map((r) => [key(r), r]));

export function namespaceTable(db: Db): ReplicatedTable<NamespaceRecord> {
  const repo = new SqlNamespaceRepo(db);
  return {
    table: NAMESPACE_TABLE,
    loadAll: async () => byKey(await repo.list(), (r) => r.namespaceId),
    load: async (ids) => byKey(await repo.listByIds(ids), (r) => r.namespaceId),
  };
}

/** `namespaceId/group/dataId` → key (valid config identifiers never contain '/'). */
function parseConfigStateKey(k: string): ConfigKey | undefined {
  const a = k.indexOf('/');
  const b = k.indexOf('/', a + 1);
  if (a < 0 || b < 0) return undefined;
  return { namespaceId: k.slice(0, a), group: k.slice(a + 1, b), dataId: k.slice(b + 1) };
}

/**
 * Config records as `ConfigService.load` builds them: the formal row (a default-namespace row
 * stored as '' wins over 'public', i.e. the lowest id) plus its gray versions.
 */
export function configTable(db: Db): ReplicatedTable<ConfigRecord> {
  const repo = new SqlConfigRepo(db);
  return {
    table: CONFIG_TABLE,
    loadAll: async () => {
      const { configs, grays } = await repo.loadAll();
      return buildConfigRecords(configs, grays);
    },
    load: async (keys) => {
      const parsed = keys.map(parseConfigStateKey).filter((k): k is ConfigKey => !!k);
      const { configs, grays } = await repo.loadKeys(parsed);
      return buildConfigRecords(configs, grays);
    },
    same: sameConfig,
  };
}

/**
 * Two config records are the same when what clients see is: ids, md5 (content), metadata and gray
 * rules. Times are left out: the database keeps them at second precision.
 */
export function sameConfig(a: ConfigRecord, b: ConfigRecord): boolean {
  const view = (r: ConfigRecord) =>
    JSON.stringify({
      f: r.formal && {
        id: r.formal.id,
        md5: r.formal.md5,
        type: r.formal.type,
        appName: r.formal.appName,
        desc: r.formal.desc,
        tags: [...r.formal.tags].sort(),
        key: r.formal.encryptedDataKey,
      },
      g: [...r.grays]
        .sort((x, y) => (x.grayName < y.grayName ? -1 : 1))
        .map((g) => [g.id, g.grayName, g.md5, g.rule, g.encryptedDataKey]),
    });
  return view(a) === view(b);
}

/** A record without its timestamps (nodes stamp implicit records with their own clock). */
function withoutTimes(v: object): Record<string, unknown> {
  const { createTime: _c, modifyTime: _m, ...rest } = v as Record<string, unknown>;
  return rest;
}

/**
 * Durable naming data (spec §G.6: Nacos uses JRaft, we use the database): explicitly defined
 * services, persistent instances, and the implicit service record a persistent instance needs
 * (as `NamingService.load` creates it). Ephemeral instances and services are Distro's.
 */
export function namingTables(db: Db, clock: Clock): ReplicatedTable[] {
  const repo = new SqlNamingRepo(db);
  /** Stored services plus the implicit record of every service that only has persistent instances. */
  const withImplicit = (svcs: ServiceRecord[], insts: InstanceRecord[]) => {
    const m = byKey(svcs, serviceKey);
    for (const i of insts) {
      const sk = serviceKey(i);
      if (m.has(sk)) continue;
      const now = clock.now();
      m.set(sk, {
        namespaceId: i.namespaceId,
        groupName: i.groupName,
        serviceName: i.serviceName,
        protectThreshold: 0,
        metadata: {},
        selector: { type: 'none' },
        clusters: {},
        ephemeral: false,
        persisted: false,
        createTime: now,
        modifyTime: now,
      } as ServiceRecord);
    }
    return m;
  };
  const byInstanceKey = (insts: InstanceRecord[]) =>
    byKey(insts, (i) => instanceKey(serviceKey(i), i.instanceId));
  const same = (a: object, b: object) => sameValue(withoutTimes(a), withoutTimes(b));
  return [
    {
      table: SERVICES_TABLE,
      loadAll: async () => {
        const [svcs, insts] = await Promise.all([repo.loadServices(), repo.loadInstances()]);
        return withImplicit(svcs, insts);
      },
      load: async (keys) => {
        const ids = keys.map(parseServiceKey);
        const [svcs, insts] = await Promise.all([repo.loadServicesOf(ids), repo.loadInstancesOf(ids)]);
        return withImplicit(svcs, insts);
      },
      same,
      owns: (v: ServiceRecord) => v.persisted || !v.ephemeral,
    },
    {
      table: INSTANCES_TABLE,
      loadAll: async () => byInstanceKey(await repo.loadInstances()),
      load: async (keys) => {
        const services = new Map(
          keys.map((k) => [serviceKeyOfInstanceKey(k), parseServiceKey(serviceKeyOfInstanceKey(k))]),
        );
        const wanted = new Set(keys);
        const found = byInstanceKey(await repo.loadInstancesOf([...services.values()]));
        for (const k of found.keys()) if (!wanted.has(k)) found.delete(k);
        return found;
      },
      same,
      owns: (v: InstanceRecord) => !v.ephemeral,
    },
  ];
}

/**
 * Tables kept equal to the shared database across nodes by key, for the modules that are present.
 * (Consul KV, sessions and catalog sync themselves: `services.consulSync`.)
 */
export function replicatedTables(ctx: ServerContext): ReplicatedTable<any>[] {
  const out: ReplicatedTable<any>[] = [namespaceTable(ctx.db)];
  if (ctx.services.config) out.push(configTable(ctx.db));
  if (ctx.services.naming) out.push(...namingTables(ctx.db, ctx.clock));
  return out;
}
