import { buildConfigRecords, CONFIG_TABLE, type ConfigRecord } from '../config';
import { KV_TABLE, type KvEntry, SESSION_TABLE, type SessionEntry } from '../consul/consul-model';
import { NAMESPACE_TABLE, type NamespaceRecord } from '../namespace';
import {
  INSTANCES_TABLE,
  type InstanceRecord,
  instanceKey,
  SERVICES_TABLE,
  type ServiceRecord,
  serviceKey,
} from '../naming';
import type { ServerContext } from '../server/module';
import { SqlConfigRepo } from '../storage/config-sql-repo';
import { SqlConsulRepo } from '../storage/consul-sql-repo';
import { SqlNamespaceRepo } from '../storage/namespace-sql-repo';
import { SqlNamingRepo } from '../storage/naming-sql-repo';
import { type ReplicatedTable, sameValue } from './state-replicator';

const byKey = <V>(rows: V[], key: (v: V) => string) => new Map(rows.map((r) => [key(r), r]));

/** `load(key)` for repos that only load everything. */
function oneOf<V>(loadAll: () => Promise<Map<string, V>>) {
  return async (key: string) => (await loadAll()).get(key);
}

function namespaces(ctx: ServerContext): ReplicatedTable<NamespaceRecord> {
  const repo = new SqlNamespaceRepo(ctx.db);
  const loadAll = async () => byKey(await repo.list(), (r) => r.namespaceId);
  return { table: NAMESPACE_TABLE, loadAll, load: oneOf(loadAll) };
}

/**
 * Config records as `ConfigService.load` builds them: the formal row (a default-namespace row
 * stored as '' wins over 'public', i.e. the lowest id) plus its gray versions.
 */
function configs(ctx: ServerContext): ReplicatedTable<ConfigRecord> {
  const repo = new SqlConfigRepo(ctx.db);
  const loadAll = async () => {
    const { configs, grays } = await repo.loadAll();
    return buildConfigRecords(configs, grays);
  };
  return { table: CONFIG_TABLE, loadAll, load: oneOf(loadAll), same: sameConfig };
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

function consulKv(ctx: ServerContext): ReplicatedTable<KvEntry> {
  const repo = new SqlConsulRepo(ctx.db);
  const loadAll = async () => byKey(await repo.loadKv(), (e) => e.key);
  return {
    table: KV_TABLE,
    loadAll,
    load: oneOf(loadAll),
    same: (a, b) =>
      a.modifyIndex === b.modifyIndex &&
      a.lockIndex === b.lockIndex &&
      a.flags === b.flags &&
      a.session === b.session &&
      Buffer.compare(Buffer.from(a.value ?? []), Buffer.from(b.value ?? [])) === 0,
  };
}

function consulSessions(ctx: ServerContext): ReplicatedTable<SessionEntry> {
  const repo = new SqlConsulRepo(ctx.db);
  const loadAll = async () => byKey(await repo.loadSessions(), (s) => s.id);
  return {
    table: SESSION_TABLE,
    loadAll,
    load: oneOf(loadAll),
    same: (a, b) => a.modifyIndex === b.modifyIndex,
  };
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
function naming(ctx: ServerContext): ReplicatedTable[] {
  const repo = new SqlNamingRepo(ctx.db);
  const services = async () => {
    const [svcs, insts] = await Promise.all([repo.loadServices(), repo.loadInstances()]);
    const m = byKey(svcs, serviceKey);
    for (const i of insts) {
      const sk = serviceKey(i);
      if (m.has(sk)) continue;
      const now = ctx.clock.now();
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
  const instances = async () =>
    byKey(await repo.loadInstances(), (i) => instanceKey(serviceKey(i), i.instanceId));
  const same = (a: object, b: object) => sameValue(withoutTimes(a), withoutTimes(b));
  return [
    {
      table: SERVICES_TABLE,
      loadAll: services,
      load: oneOf(services),
      same,
      owns: (v: ServiceRecord) => v.persisted || !v.ephemeral,
    },
    {
      table: INSTANCES_TABLE,
      loadAll: instances,
      load: oneOf(instances),
      same,
      owns: (v: InstanceRecord) => !v.ephemeral,
    },
  ];
}

/** Tables kept equal to the shared database across nodes, for the modules that are present. */
export function replicatedTables(ctx: ServerContext): ReplicatedTable<any>[] {
  const out: ReplicatedTable<any>[] = [namespaces(ctx)];
  if (ctx.services.config) out.push(configs(ctx));
  if (ctx.services.naming) out.push(...naming(ctx));
  if (ctx.settings.bool('consul.enabled')) out.push(consulKv(ctx), consulSessions(ctx));
  return out;
}
