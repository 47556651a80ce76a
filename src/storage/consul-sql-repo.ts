import { type SQL, sql } from 'drizzle-orm';
import type {
  CatalogKind,
  CatalogRow,
  CatalogRowKey,
  ConsulBatch,
  KvEntry,
  SessionEntry,
} from '../consul/consul-model';
import {
  type AgentServiceStore,
  type ConsulCommit,
  type ConsulDelta,
  type ConsulRepo,
  emptyDelta,
} from '../consul/consul-repo';
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
 * Consul KV, sessions and catalog rows in `consul_kv` / `consul_session` / `consul_catalog` with
 * their tombstone tables (portable SQL, SQLite and MySQL); every write holds the `consul_index`
 * row and advances it.
 */
export class SqlConsulRepo implements ConsulRepo, AgentServiceStore {
  constructor(private readonly db: Db) {}

  async loadAgentServices(node: string, adoptAll = false): Promise<Array<{ id: string; body: string }>> {
    // Rows stored before the node column existed go to the first server that restores them.
    await this.db.run(
      adoptAll
        ? sql`UPDATE consul_agent_service SET node = ${node} WHERE node <> ${node}`
        : sql`UPDATE consul_agent_service SET node = ${node} WHERE node = ''`,
    );
    return this.db.all<{ id: string; body: string }>(
      sql`SELECT id, body FROM consul_agent_service WHERE node = ${node} ORDER BY id`,
    );
  }

  async saveAgentService(node: string, id: string, body: string): Promise<void> {
    await upsert(this.db, 'consul_agent_service', { id, node, body }, ['id']);
  }

  async removeAgentService(id: string): Promise<void> {
    await this.db.run(sql`DELETE FROM consul_agent_service WHERE id = ${id}`);
  }

  async snapshot(): Promise<ConsulDelta> {
    // One transaction: a consistent read (InnoDB's snapshot starts at the first SELECT).
    return this.db.transaction(async (tx) => this.full(tx, (await readIndex(tx)).idx));
  }

  async changesSince(since: number): Promise<ConsulDelta> {
    // Cheap check first: most calls (a peer's sync message for writes already seen) find nothing.
    const head = await readIndex(this.db);
    if (head.idx <= since && head.reaped <= since) return emptyDelta(head.idx);
    return this.db.transaction(async (tx) => {
      const at = await readIndex(tx);
      return this.changes(tx, since, at);
    });
  }

  async write(since: number, decide: (delta: ConsulDelta) => ConsulCommit | undefined): Promise<void> {
    await this.db.transaction(async (tx) => {
      // The row lock on the index row is held to commit: Consul writes of every node are serialized.
      const at = await readIndex(tx, true);
      const c = decide(await this.changes(tx, since, at));
      if (!c) return;
      if (c.index <= at.idx) throw new Error(`consul commit index ${c.index} is not above ${at.idx}`);
      await this.apply(tx, c.batch, c.index);
      await tx.run(sql`UPDATE consul_index SET idx = ${c.index} WHERE id = 1`);
    });
  }

  async reapTombstones(upTo: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const at = await readIndex(tx, true);
      if (upTo <= at.reaped) return 0;
      const a = await tx.run(sql`DELETE FROM consul_kv_tombstone WHERE idx <= ${upTo}`);
      const b = await tx.run(sql`DELETE FROM consul_session_tombstone WHERE idx <= ${upTo}`);
      const c = await tx.run(sql`DELETE FROM consul_catalog_tombstone WHERE idx <= ${upTo}`);
      await tx.run(sql`UPDATE consul_index SET reaped = ${upTo} WHERE id = 1`);
      return a.changes + b.changes + c.changes;
    });
  }

  async renewSession(id: string, at: number): Promise<boolean> {
    const r = await this.db.run(sql`UPDATE consul_session SET renewed_at = ${at} WHERE id = ${id}`);
    if (r.changes > 0) return true;
    // MySQL counts only changed rows: a renewal within the same millisecond changes nothing.
    return (await this.sessionRenewedAt(id)) !== undefined;
  }

  async sessionRenewedAt(id: string): Promise<number | null | undefined> {
    const r = await this.db.get<{ renewed_at: number | null }>(
      sql`SELECT renewed_at FROM consul_session WHERE id = ${id}`,
    );
    if (!r) return undefined;
    return r.renewed_at == null ? null : Number(r.renewed_at);
  }

  private async changes(tx: SqlRunner, since: number, at: IndexRow): Promise<ConsulDelta> {
    if (since < at.reaped) return this.full(tx, at.idx);
    if (at.idx <= since) return emptyDelta(at.idx);
    const kv = await selectKv(tx, sql`modify_index > ${since}`);
    const sessions = await selectSessions(tx, sql`modify_index > ${since}`);
    const catalog = await selectCatalog(tx, sql`modify_index > ${since}`);
    return { index: at.idx, full: false, kv, sessions, catalog, ...(await tombstones(tx, since)) };
  }

  private async full(tx: SqlRunner, index: number): Promise<ConsulDelta> {
    return {
      index,
      full: true,
      kv: await selectKv(tx),
      sessions: await selectSessions(tx),
      catalog: await selectCatalog(tx),
      ...(await tombstones(tx, 0)),
    };
  }

  private async apply(db: SqlRunner, b: ConsulBatch, index: number) {
    for (const keys of chunks(b.kvDelete, CHUNK)) {
      await db.run(
        sql`DELETE FROM consul_kv WHERE k IN (${sql.join(
          keys.map((k) => sql`${k}`),
          sql`, `,
        )})`,
      );
      await upsertMany(
        db,
        'consul_kv_tombstone',
        ['k', 'idx'],
        keys.map((k) => [k, index]),
      );
    }
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
    for (const ids of chunks(b.sessionDelete, CHUNK)) {
      await db.run(
        sql`DELETE FROM consul_session WHERE id IN (${sql.join(
          ids.map((k) => sql`${k}`),
          sql`, `,
        )})`,
      );
      await upsertMany(
        db,
        'consul_session_tombstone',
        ['id', 'idx'],
        ids.map((id) => [id, index]),
      );
    }
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
    for (const r of b.catalogDelete ?? []) {
      await db.run(
        sql`DELETE FROM consul_catalog WHERE kind = ${r.kind} AND node = ${r.node} AND id = ${r.id}`,
      );
      await upsert(db, 'consul_catalog_tombstone', { kind: r.kind, node: r.node, id: r.id, idx: index }, [
        'kind',
        'node',
        'id',
      ]);
    }
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

type IndexRow = { idx: number; reaped: number };

/** The Consul index row; `lock` takes its row lock for the transaction (MySQL; SQLite transactions are exclusive). */
async function readIndex(db: SqlRunner, lock = false): Promise<IndexRow> {
  const forUpdate = lock && db.dialect === 'mysql' ? sql` FOR UPDATE` : sql``;
  const r = await db.get<IndexRow>(sql`SELECT idx, reaped FROM consul_index WHERE id = 1${forUpdate}`);
  if (!r) throw new Error('consul_index has no row: run `batata db migrate`');
  return { idx: Number(r.idx), reaped: Number(r.reaped) };
}

async function tombstones(db: SqlRunner, since: number) {
  const kv = await db.all<{ k: string; idx: number }>(
    sql`SELECT k, idx FROM consul_kv_tombstone WHERE idx > ${since}`,
  );
  const sessions = await db.all<{ id: string; idx: number }>(
    sql`SELECT id, idx FROM consul_session_tombstone WHERE idx > ${since}`,
  );
  const catalog = await db.all<CatalogRowKey & { idx: number }>(
    sql`SELECT kind, node, id, idx FROM consul_catalog_tombstone WHERE idx > ${since}`,
  );
  return {
    kvDeleted: kv.map((r) => ({ key: r.k, index: Number(r.idx) })),
    sessionsDeleted: sessions.map((r) => ({ id: r.id, index: Number(r.idx) })),
    catalogDeleted: catalog.map((r) => ({ kind: r.kind, node: r.node, id: r.id, index: Number(r.idx) })),
  };
}

async function selectCatalog(db: SqlRunner, where?: SQL): Promise<CatalogRow[]> {
  const rows = await db.all<CatalogDbRow>(
    sql`SELECT kind, node, id, body, create_index, modify_index FROM consul_catalog
        WHERE ${where ?? sql`1 = 1`} ORDER BY kind, node, id`,
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

async function selectKv(db: SqlRunner, where?: SQL): Promise<KvEntry[]> {
  const rows = await db.all<KvRow>(
    sql`SELECT k, v, flags, lock_index, session, create_index, modify_index FROM consul_kv
        WHERE ${where ?? sql`1 = 1`} ORDER BY k`,
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

async function selectSessions(db: SqlRunner, where?: SQL): Promise<SessionEntry[]> {
  const rows = await db.all<SessionRow>(
    sql`SELECT id, body, create_index, modify_index FROM consul_session WHERE ${where ?? sql`1 = 1`} ORDER BY id`,
  );
  return rows.map((r) => ({
    ...(JSON.parse(r.body) as Omit<SessionEntry, 'createIndex' | 'modifyIndex'>),
    createIndex: Number(r.create_index),
    modifyIndex: Number(r.modify_index),
  }));
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
