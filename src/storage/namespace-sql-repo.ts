import { type SQL, sql } from 'drizzle-orm';
import type { NamespaceRecord } from '../namespace/namespace-model';
import type { NamespaceRepo } from '../namespace/namespace-repo';
import type { Db } from './db';

type Row = {
  tenant_id: string;
  tenant_name: string | null;
  tenant_desc: string | null;
  gmt_create: number;
  gmt_modified: number;
};

/** Namespaces in Nacos' `tenant_info` table (kp = '1'), shared with Nacos itself. */
export class SqlNamespaceRepo implements NamespaceRepo {
  constructor(private readonly db: Db) {}

  list(): Promise<NamespaceRecord[]> {
    return this.select();
  }

  /** The namespaces among `ids` that exist (cluster sync of changed keys). */
  async listByIds(ids: string[]): Promise<NamespaceRecord[]> {
    const out: NamespaceRecord[] = [];
    for (let i = 0; i < ids.length; i += 200)
      out.push(
        ...(await this.select(
          sql`AND tenant_id IN (${sql.join(
            ids.slice(i, i + 200).map((id) => sql`${id}`),
            sql`, `,
          )})`,
        )),
      );
    return out;
  }

  private async select(and?: SQL): Promise<NamespaceRecord[]> {
    const rows = await this.db.all<Row>(
      sql`SELECT tenant_id, tenant_name, tenant_desc, gmt_create, gmt_modified FROM tenant_info WHERE kp = '1' ${
        and ?? sql``
      } ORDER BY id`,
    );
    return rows.map((r) => ({
      namespaceId: r.tenant_id,
      name: r.tenant_name ?? '',
      desc: r.tenant_desc ?? '',
      createTime: Number(r.gmt_create),
      modifyTime: Number(r.gmt_modified),
    }));
  }

  async insert(ns: NamespaceRecord): Promise<void> {
    await this.db.run(
      sql`INSERT INTO tenant_info (kp, tenant_id, tenant_name, tenant_desc, create_source, gmt_create, gmt_modified)
          VALUES ('1', ${ns.namespaceId}, ${ns.name}, ${ns.desc}, 'nacos', ${ns.createTime}, ${ns.modifyTime})`,
    );
  }

  async update(id: string, name: string, desc: string, modifyTime: number): Promise<boolean> {
    const r = await this.db.run(
      sql`UPDATE tenant_info SET tenant_name = ${name}, tenant_desc = ${desc}, gmt_modified = ${modifyTime}
          WHERE kp = '1' AND tenant_id = ${id}`,
    );
    return r.changes > 0;
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.run(sql`DELETE FROM tenant_info WHERE kp = '1' AND tenant_id = ${id}`);
    return r.changes > 0;
  }
}
