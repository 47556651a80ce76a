import { sql } from 'drizzle-orm';
import type { InstanceRecord, ServiceId, ServiceRecord } from '../naming/naming-model';
import type { NamingRepo } from '../naming/naming-repo';
import type { Db } from './db';
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

  async loadServices(): Promise<ServiceRecord[]> {
    const rows = await this.db.all<ServiceRow>(sql`SELECT * FROM naming_service`);
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

  async loadInstances(): Promise<InstanceRecord[]> {
    const rows = await this.db.all<InstanceRow>(sql`SELECT * FROM naming_instance`);
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

  async saveInstance(i: InstanceRecord): Promise<void> {
    await upsert(
      this.db,
      'naming_instance',
      {
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
      },
      INSTANCE_KEY,
    );
  }

  async deleteInstance(id: ServiceId, instanceId: string): Promise<boolean> {
    const r = await this.db.run(
      sql`DELETE FROM naming_instance WHERE namespace_id = ${id.namespaceId} AND group_name = ${id.groupName}
          AND service_name = ${id.serviceName} AND instance_id = ${instanceId}`,
    );
    return r.changes > 0;
  }
}
