import { type SQL, sql } from 'drizzle-orm';
import type { InstanceRecord, ServiceId, ServiceRecord } from '../naming/naming-model';
import type { NamingRepo } from '../naming/naming-repo';
import { GroupCommit } from '../state/group-commit';
import type { Db, SqlRunner } from './db';
import { upsert } from './upsert';

type ServiceRow = {
  namespace_id: string;
  group_name: string;
  service_name: string;
  protect_threshold: number;
  metadata: string;
  selector: string;
  clusters: string;
  ephemeral: number;
  gmt_create: number;
  gmt_modified: number;
};

type InstanceRow = {
  namespace_id: string;
  group_name: string;
  service_name: string;
  instance_id: string;
  ip: string;
  port: number;
  weight: number;
  healthy: number;
  enabled: number;
  cluster_name: string;
  metadata: string;
  client_id: string;
  gmt_modified: number;
};

const SERVICE_KEY = ['namespace_id', 'group_name', 'service_name'];
const INSTANCE_KEY = [...SERVICE_KEY, 'instance_id'];

/** Naming data in `naming_service` / `naming_instance` (migration 200), portable SQL for both dialects. */
export class SqlNamingRepo implements NamingRepo {
  constructor(private readonly db: Db) {}

  loadServices(): Promise<ServiceRecord[]> {
    return this.selectServices();
  }

  /** The stored services among `ids` (cluster sync of changed keys). */
  async loadServicesOf(ids: ServiceId[]): Promise<ServiceRecord[]> {
    const out: ServiceRecord[] = [];
    for (const where of serviceFilters(ids)) out.push(...(await this.selectServices(where)));
    return out;
  }

  /** The persistent instances of the services `ids`. */
  async loadInstancesOf(ids: ServiceId[]): Promise<InstanceRecord[]> {
    const out: InstanceRecord[] = [];
    for (const where of serviceFilters(ids)) out.push(...(await this.selectInstances(where)));
    return out;
  }

  private async selectServices(where?: SQL): Promise<ServiceRecord[]> {
    const rows = await this.db.all<ServiceRow>(
      sql`SELECT * FROM naming_service WHERE ${where ?? sql`1 = 1`}`,
    );
    return rows.map((r) => ({
      namespaceId: r.namespace_id,
      groupName: r.group_name,
      serviceName: r.service_name,
      protectThreshold: Number(r.protect_threshold),
      metadata: JSON.parse(r.metadata),
      selector: JSON.parse(r.selector),
      clusters: JSON.parse(r.clusters),
      ephemeral: Number(r.ephemeral) === 1,
      persisted: true,
      createTime: Number(r.gmt_create),
      modifyTime: Number(r.gmt_modified),
    }));
  }

  loadInstances(): Promise<InstanceRecord[]> {
    return this.selectInstances();
  }

  private async selectInstances(where?: SQL): Promise<InstanceRecord[]> {
    const rows = await this.db.all<InstanceRow>(
      sql`SELECT * FROM naming_instance WHERE ${where ?? sql`1 = 1`}`,
    );
    return rows.map((r) => ({
      namespaceId: r.namespace_id,
      groupName: r.group_name,
      serviceName: r.service_name,
      instanceId: r.instance_id,
      ip: r.ip,
      port: Number(r.port),
      weight: Number(r.weight),
      healthy: Number(r.healthy) === 1,
      enabled: Number(r.enabled) === 1,
      ephemeral: false,
      clusterName: r.cluster_name,
      metadata: JSON.parse(r.metadata),
      clientId: r.client_id,
      modifyTime: Number(r.gmt_modified),
    }));
  }

  async saveService(s: ServiceRecord): Promise<void> {
    await upsert(
      this.db,
      'naming_service',
      {
        namespace_id: s.namespaceId,
        group_name: s.groupName,
        service_name: s.serviceName,
        protect_threshold: s.protectThreshold,
        metadata: JSON.stringify(s.metadata),
        selector: JSON.stringify(s.selector),
        clusters: JSON.stringify(s.clusters),
        ephemeral: s.ephemeral ? 1 : 0,
        gmt_create: s.createTime,
        gmt_modified: s.modifyTime,
      },
      SERVICE_KEY,
    );
  }

  async deleteService(id: ServiceId): Promise<boolean> {
    const r = await this.db.run(
      sql`DELETE FROM naming_service WHERE namespace_id = ${id.namespaceId} AND group_name = ${id.groupName}
          AND service_name = ${id.serviceName}`,
    );
    return r.changes > 0;
  }

  /**
   * Group commit: saves requested while a flush is pending are written together, as multi-row
   * upserts in one transaction; every caller resolves only after that commit (durable).
   */
  saveInstance(i: InstanceRecord): Promise<void> {
    return this.instanceSaves.submit(instanceRow(i));
  }

  private readonly instanceSaves = new GroupCommit<Record<string, unknown>>(async (batch) => {
    // last write per key wins, in queue order
    const byKey = new Map<string, Record<string, unknown>>();
    for (const row of batch) byKey.set(INSTANCE_KEY.map((k) => String(row[k])).join('\u0000'), row);
    const rows = [...byKey.values()];
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 100)
        await upsertRows(tx, 'naming_instance', rows.slice(i, i + 100), INSTANCE_KEY);
    });
    return batch.map(() => ({ value: undefined }));
  }, Number.POSITIVE_INFINITY);

  async deleteInstance(id: ServiceId, instanceId: string): Promise<boolean> {
    const r = await this.db.run(
      sql`DELETE FROM naming_instance WHERE namespace_id = ${id.namespaceId} AND group_name = ${id.groupName}
          AND service_name = ${id.serviceName} AND instance_id = ${instanceId}`,
    );
    return r.changes > 0;
  }
}

/** `WHERE` conditions selecting the services `ids`, at most 100 per condition. */
function serviceFilters(ids: ServiceId[]): SQL[] {
  const out: SQL[] = [];
  for (let i = 0; i < ids.length; i += 100)
    out.push(
      sql.join(
        ids
          .slice(i, i + 100)
          .map(
            (id) =>
              sql`(namespace_id = ${id.namespaceId} AND group_name = ${id.groupName} AND service_name = ${id.serviceName})`,
          ),
        sql` OR `,
      ),
    );
  return out;
}

function instanceRow(i: InstanceRecord): Record<string, unknown> {
  return {
    namespace_id: i.namespaceId,
    group_name: i.groupName,
    service_name: i.serviceName,
    instance_id: i.instanceId,
    ip: i.ip,
    port: i.port,
    weight: i.weight,
    healthy: i.healthy ? 1 : 0,
    enabled: i.enabled ? 1 : 0,
    cluster_name: i.clusterName,
    metadata: JSON.stringify(i.metadata),
    client_id: i.clientId,
    gmt_modified: i.modifyTime,
  };
}

/** Multi-row INSERT … ON CONFLICT / ON DUPLICATE KEY UPDATE (all rows have the same columns). */
function upsertRows(db: SqlRunner, table: string, rows: Record<string, unknown>[], keyColumns: string[]) {
  const cols = Object.keys(rows[0]!);
  const colList = sql.join(
    cols.map((c) => sql.identifier(c)),
    sql`, `,
  );
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${sql.join(
          cols.map((c) => sql`${r[c]}`),
          sql`, `,
        )})`,
    ),
    sql`, `,
  );
  const updates = cols.filter((c) => !keyColumns.includes(c));
  let tail: SQL;
  if (db.dialect === 'sqlite')
    tail = sql`ON CONFLICT (${sql.join(
      keyColumns.map((c) => sql.identifier(c)),
      sql`, `,
    )}) DO UPDATE SET ${sql.join(
      updates.map((c) => sql`${sql.identifier(c)} = excluded.${sql.identifier(c)}`),
      sql`, `,
    )}`;
  else
    tail = sql`ON DUPLICATE KEY UPDATE ${sql.join(
      updates.map((c) => sql`${sql.identifier(c)} = VALUES(${sql.identifier(c)})`),
      sql`, `,
    )}`;
  return db.run(sql`INSERT INTO ${sql.identifier(table)} (${colList}) VALUES ${values} ${tail}`);
}
