import { sql } from 'drizzle-orm';
import type { CatalogKind, CatalogRow, ConsulBatch, KvEntry, SessionEntry } from '../consul/consul-model';
import type { AgentServiceStore, ConsulRepo } from '../consul/consul-repo';
import type { Db, SqlRunner } from './db';
import { upsert } from './upsert';

type KvRow = {
  k: string;
  v: Uint8Array | null;
  flags: string;
  lock_index: number;
  session: string | null;
  create_index: number;
  modify_index: number;
};
type SessionRow = { id: string; body: string; create_index: number; modify_index: number };
type CatalogDbRow = {
  kind: string;
  node: string;
  id: string;
  body: string;
  create_index: number;
  modify_index: number;
};

/**
 * Consul KV, sessions and catalog rows in `consul_kv` / `consul_session` / `consul_catalog`
 * (portable SQL, SQLite and MySQL).
 */
export class SqlConsulRepo implements ConsulRepo, AgentServiceStore {
  constructor(private readonly db: Db) {}

  async loadAgentServices(): Promise<Array<{ id: string; body: string }>> {
    return this.db.all<{ id: string; body: string }>(
      sql`SELECT id, body FROM consul_agent_service ORDER BY id`,
    );
  }

  async saveAgentService(id: string, body: string): Promise<void> {
    await upsert(this.db, 'consul_agent_service', { id, body }, ['id']);
  }

  async removeAgentService(id: string): Promise<void> {
    await this.db.run(sql`DELETE FROM consul_agent_service WHERE id = ${id}`);
  }

  async loadKv(): Promise<KvEntry[]> {
    const rows = await this.db.all<KvRow>(
      sql`SELECT k, v, flags, lock_index, session, create_index, modify_index FROM consul_kv ORDER BY k`,
    );
    return rows.map((r) => ({
      key: r.k,
      value: r.v == null || r.v.length === 0 ? null : new Uint8Array(r.v),
      flags: BigInt(r.flags),
      lockIndex: Number(r.lock_index),
      ...(r.session ? { session: r.session } : {}),
      createIndex: Number(r.create_index),
      modifyIndex: Number(r.modify_index),
    }));
  }

  async loadSessions(): Promise<SessionEntry[]> {
    const rows = await this.db.all<SessionRow>(
      sql`SELECT id, body, create_index, modify_index FROM consul_session ORDER BY id`,
    );
    return rows.map((r) => ({
      ...(JSON.parse(r.body) as Omit<SessionEntry, 'createIndex' | 'modifyIndex'>),
      createIndex: Number(r.create_index),
      modifyIndex: Number(r.modify_index),
    }));
  }

  async loadCatalog(): Promise<CatalogRow[]> {
    const rows = await this.db.all<CatalogDbRow>(
      sql`SELECT kind, node, id, body, create_index, modify_index FROM consul_catalog ORDER BY kind, node, id`,
    );
    return rows.map((r) => ({
      kind: r.kind as CatalogKind,
      node: r.node,
      id: r.id,
      body: r.body,
      createIndex: Number(r.create_index),
      modifyIndex: Number(r.modify_index),
    }));
  }

  async commit(b: ConsulBatch): Promise<void> {
    const n =
      b.kvPut.length +
      b.kvDelete.length +
      b.sessionPut.length +
      b.sessionDelete.length +
      (b.catalogPut?.length ?? 0) +
      (b.catalogDelete?.length ?? 0);
    if (n === 0) return;
    if (n === 1) return this.apply(this.db, b);
    await this.db.transaction((tx) => this.apply(tx, b));
  }

  private async apply(db: SqlRunner, b: ConsulBatch) {
    for (const keys of chunks(b.kvDelete, CHUNK))
      await db.run(
        sql`DELETE FROM consul_kv WHERE k IN (${sql.join(
          keys.map((k) => sql`${k}`),
          sql`, `,
        )})`,
      );
    for (const rows of chunks(b.kvPut, CHUNK))
      await upsertMany(
        db,
        'consul_kv',
        ['k', 'v', 'flags', 'lock_index', 'session', 'create_index', 'modify_index'],
        rows.map((e) => [
          e.key,
          e.value?.length ? Buffer.from(e.value) : null,
          e.flags.toString(),
          e.lockIndex,
          e.session ?? null,
          e.createIndex,
          e.modifyIndex,
        ]),
      );
    for (const ids of chunks(b.sessionDelete, CHUNK))
      await db.run(
        sql`DELETE FROM consul_session WHERE id IN (${sql.join(
          ids.map((k) => sql`${k}`),
          sql`, `,
        )})`,
      );
    for (const s of b.sessionPut) {
      const { createIndex, modifyIndex, ...body } = s;
      await upsert(
        db,
        'consul_session',
        {
          id: s.id,
          node: s.node,
          body: JSON.stringify(body),
          create_index: createIndex,
          modify_index: modifyIndex,
        },
        ['id'],
      );
    }
    for (const r of b.catalogDelete ?? [])
      await db.run(
        sql`DELETE FROM consul_catalog WHERE kind = ${r.kind} AND node = ${r.node} AND id = ${r.id}`,
      );
    for (const r of b.catalogPut ?? [])
      await upsert(
        db,
        'consul_catalog',
        {
          kind: r.kind,
          node: r.node,
          id: r.id,
          body: r.body,
          create_index: r.createIndex,
          modify_index: r.modifyIndex,
        },
        ['kind', 'node', 'id'],
      );
  }
}

const CHUNK = 200;

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * Multi-row INSERT-or-UPDATE keyed on the first column (group commit writes many keys at once).
 * Identifiers through `sql.identifier`, values bound.
 */
function upsertMany(db: SqlRunner, table: string, cols: string[], rows: unknown[][]) {
  const id = (c: string) => sql.identifier(c);
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${sql.join(
          r.map((v) => sql`${v}`),
          sql`, `,
        )})`,
    ),
    sql`, `,
  );
  const rest = cols.slice(1);
  const tail =
    db.dialect === 'sqlite'
      ? sql`ON CONFLICT (${id(cols[0]!)}) DO UPDATE SET ${sql.join(
          rest.map((c) => sql`${id(c)} = excluded.${id(c)}`),
          sql`, `,
        )}`
      : sql`ON DUPLICATE KEY UPDATE ${sql.join(
          rest.map((c) => sql`${id(c)} = VALUES(${id(c)})`),
          sql`, `,
        )}`;
  return db.run(sql`INSERT INTO ${id(table)} (${sql.join(cols.map(id), sql`, `)}) VALUES ${values} ${tail}`);
}
