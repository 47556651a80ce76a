import { type SQL, sql } from 'drizzle-orm';
import {
  type ConfigItem,
  type ConfigKey,
  configStateKey,
  fromStoredTenant,
  type GrayItem,
  type GrayRule,
  type HistoryEntry,
  normalizeType,
  toStoredTenant,
} from '../config/config-model';
import type {
  ConfigRepo,
  HistoryInput,
  HistoryQuery,
  SaveOp,
  StoredConfig,
  StoredGray,
} from '../config/config-repo';
import { InvalidArgument, NacosCode } from '../core/errors';
import type { Db, SqlRunner } from './db';

/** Epoch ms → `YYYY-MM-DD HH:MM:SS[.mmm]` in UTC (the MySQL pool runs with timezone 'Z'). */
export function toDbTime(ms: number, withMillis = false): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withMillis ? 23 : 19)}`;
}

/** DB datetime (string, Date or number) → epoch ms, read as UTC. */
export function fromDbTime(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v) {
    const t = Date.parse(`${v.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? '' : 'Z'}`);
    return Number.isNaN(t) ? 0 : t;
  }
  return 0;
}

const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));

type HisRow = Record<string, unknown>;

function historyFromRow(r: HisRow): HistoryEntry {
  return {
    nid: Number(r.nid),
    id: Number(r.id),
    key: { namespaceId: fromStoredTenant(s(r.tenant_id)), group: s(r.group_id), dataId: s(r.data_id) },
    appName: s(r.app_name),
    content: s(r.content),
    md5: s(r.md5),
    srcUser: s(r.src_user),
    srcIp: s(r.src_ip),
    opType: (s(r.op_type).trim() || 'U') as HistoryEntry['opType'],
    publishType: (s(r.publish_type) || 'formal') as HistoryEntry['publishType'],
    grayName: s(r.gray_name),
    extInfo: s(r.ext_info),
    encryptedDataKey: s(r.encrypted_data_key),
    createTime: fromDbTime(r.gmt_create),
    modifyTime: fromDbTime(r.gmt_modified),
  };
}

/** Config storage on the Nacos tables; one portable implementation for SQLite and MySQL. */
export class SqlConfigRepo implements ConfigRepo {
  constructor(private readonly db: Db) {}

  loadAll(): Promise<{ configs: StoredConfig[]; grays: StoredGray[] }> {
    return this.load();
  }

  /**
   * The formal rows and gray versions of `keys` only (cluster sync of changed keys). Rows are
   * selected by (data_id, group_id) and filtered by namespace here, because the default namespace
   * may be stored as '' or 'public'.
   */
  async loadKeys(keys: ConfigKey[]): Promise<{ configs: StoredConfig[]; grays: StoredGray[] }> {
    const configs: StoredConfig[] = [];
    const grays: StoredGray[] = [];
    const wanted = new Set(keys.map(configStateKey));
    const keep = (x: { key: ConfigKey }) => wanted.has(configStateKey(x.key));
    for (let i = 0; i < keys.length; i += 100) {
      const where = sql.join(
        keys.slice(i, i + 100).map((k) => sql`(data_id = ${k.dataId} AND group_id = ${k.group})`),
        sql` OR `,
      );
      const part = await this.load(where);
      configs.push(...part.configs.filter(keep));
      grays.push(...part.grays.filter(keep));
    }
    return { configs, grays };
  }

  /** Rows matching `where` (on data_id/group_id), or every row. */
  private async load(where?: SQL): Promise<{ configs: StoredConfig[]; grays: StoredGray[] }> {
    const filter = where ?? sql`1 = 1`;
    const rows = await this.db.all<Record<string, unknown>>(
      sql`SELECT id, data_id, group_id, content, md5, gmt_create, gmt_modified, src_user, src_ip, app_name,
                 tenant_id, c_desc, c_use, effect, type, c_schema, encrypted_data_key FROM config_info
          WHERE ${filter} ORDER BY id`,
    );
    const ids = rows.map((r) => Number(r.id));
    const tagRows = !ids.length
      ? []
      : await this.db.all<{ id: number; tag_name: string }>(
          !where
            ? sql`SELECT id, tag_name FROM config_tags_relation ORDER BY nid`
            : sql`SELECT id, tag_name FROM config_tags_relation WHERE id IN (${sql.join(
                ids.map((id) => sql`${id}`),
                sql`, `,
              )}) ORDER BY nid`,
        );
    const tags = new Map<number, string[]>();
    for (const t of tagRows) {
      const id = Number(t.id);
      if (!tags.has(id)) tags.set(id, []);
      tags.get(id)!.push(t.tag_name);
    }
    const configs: StoredConfig[] = rows.map((r) => ({
      key: { namespaceId: fromStoredTenant(s(r.tenant_id)), group: s(r.group_id), dataId: s(r.data_id) },
      item: {
        id: Number(r.id),
        content: s(r.content),
        md5: s(r.md5),
        type: normalizeType(s(r.type)),
        appName: s(r.app_name),
        desc: s(r.c_desc),
        use: s(r.c_use),
        effect: s(r.effect),
        schema: s(r.c_schema),
        tags: tags.get(Number(r.id)) ?? [],
        encryptedDataKey: s(r.encrypted_data_key),
        srcUser: s(r.src_user),
        srcIp: s(r.src_ip),
        createTime: fromDbTime(r.gmt_create),
        modifyTime: fromDbTime(r.gmt_modified),
      },
    }));
    const grayRows = await this.db.all<Record<string, unknown>>(
      sql`SELECT id, data_id, group_id, content, md5, src_user, src_ip, gmt_create, gmt_modified, app_name,
                 tenant_id, gray_name, gray_rule, encrypted_data_key FROM config_info_gray
          WHERE ${filter} ORDER BY id`,
    );
    const grays: StoredGray[] = [];
    for (const r of grayRows) {
      let rule: GrayRule;
      try {
        const j = JSON.parse(s(r.gray_rule));
        rule = {
          type: j.type === 'beta' ? 'beta' : 'tag',
          version: s(j.version),
          expr: s(j.expr),
          priority: Number(j.priority) || 0,
        };
      } catch {
        continue;
      }
      grays.push({
        key: { namespaceId: fromStoredTenant(s(r.tenant_id)), group: s(r.group_id), dataId: s(r.data_id) },
        item: {
          id: Number(r.id),
          grayName: s(r.gray_name),
          rule,
          content: s(r.content),
          md5: s(r.md5),
          appName: s(r.app_name),
          encryptedDataKey: s(r.encrypted_data_key),
          srcUser: s(r.src_user),
          srcIp: s(r.src_ip),
          createTime: fromDbTime(r.gmt_create),
          modifyTime: fromDbTime(r.gmt_modified),
        },
      });
    }
    return { configs, grays };
  }

  saveFormal(key: ConfigKey, item: ConfigItem, history: HistoryInput): Promise<number> {
    return this.db.transaction((tx) => saveFormalTx(tx, key, item, history)).catch(mapWriteError);
  }

  saveBatch(ops: SaveOp[]): Promise<number[]> {
    if (ops.length === 1) {
      const op = ops[0]!;
      return (
        op.kind === 'formal'
          ? this.db.transaction((tx) =>
              saveFormalTx(tx, op.key, op.item, op.history, op.tagsUnchanged && !!op.item.id),
            )
          : this.saveGray(op.key, op.item, op.history)
      ).then((id) => [id]);
    }
    return this.db
      .transaction(async (tx) => {
        const ids: number[] = [];
        // History rows are collected and written at the end in multi-row INSERTs, in op order
        // (so their nids keep the publish order); nothing else reads them inside the batch.
        const histories: HistoryInput[] = [];
        for (const op of ops) {
          if (op.kind === 'formal') {
            const id = op.item.id || (op.sameAs !== undefined ? ids[op.sameAs]! : 0);
            const history = op.history.id || !id ? op.history : { ...op.history, id };
            ids.push(
              await saveFormalTx(
                tx,
                op.key,
                { ...op.item, id },
                history,
                op.tagsUnchanged && !!id,
                histories,
              ),
            );
          } else ids.push(await saveGrayTx(tx, op.key, op.item, op.history, histories));
        }
        await insertHistories(tx, histories);
        return ids;
      })
      .catch(mapWriteError);
  }

  deleteFormal(_key: ConfigKey, id: number, history: HistoryInput): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM config_info WHERE id = ${id}`);
      await tx.run(sql`DELETE FROM config_tags_relation WHERE id = ${id}`);
      await insertHistory(tx, history);
    });
  }

  saveGray(key: ConfigKey, item: GrayItem, history: HistoryInput): Promise<number> {
    return this.db.transaction((tx) => saveGrayTx(tx, key, item, history)).catch(mapWriteError);
  }

  deleteGray(key: ConfigKey, grayName: string, history: HistoryInput): Promise<void> {
    const tenants = [toStoredTenant(key.namespaceId), key.namespaceId];
    return this.db.transaction(async (tx) => {
      await tx.run(
        sql`DELETE FROM config_info_gray WHERE data_id = ${key.dataId} AND group_id = ${key.group}
              AND tenant_id IN (${tenants[0]}, ${tenants[1]}) AND gray_name = ${grayName}`,
      );
      await insertHistory(tx, history);
    });
  }

  async listHistory(q: HistoryQuery): Promise<{ total: number; items: HistoryEntry[] }> {
    const tenants = [toStoredTenant(q.key.namespaceId), q.key.namespaceId];
    const where = sql`data_id = ${q.key.dataId} AND group_id = ${q.key.group} AND tenant_id IN (${tenants[0]}, ${tenants[1]})`;
    const c = await this.db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM his_config_info WHERE ${where}`);
    const offset = Math.max(0, (q.pageNo - 1) * q.pageSize);
    const rows = await this.db.all<HisRow>(
      sql`SELECT * FROM his_config_info WHERE ${where} ORDER BY nid DESC LIMIT ${q.pageSize} OFFSET ${offset}`,
    );
    return { total: Number(c?.n ?? 0), items: rows.map(historyFromRow) };
  }

  async getHistory(nid: number): Promise<HistoryEntry | undefined> {
    const r = await this.db.get<HisRow>(sql`SELECT * FROM his_config_info WHERE nid = ${nid}`);
    return r ? historyFromRow(r) : undefined;
  }

  async previousHistory(id: number, beforeNid?: number): Promise<HistoryEntry | undefined> {
    const r = await this.db.get<HisRow>(
      beforeNid === undefined
        ? sql`SELECT * FROM his_config_info WHERE id = ${id} ORDER BY nid DESC LIMIT 1`
        : sql`SELECT * FROM his_config_info WHERE id = ${id} AND nid < ${beforeNid} ORDER BY nid DESC LIMIT 1`,
    );
    return r ? historyFromRow(r) : undefined;
  }

  async deleteHistoryBefore(time: number, limit: number): Promise<number> {
    const rows = await this.db.all<{ nid: number }>(
      sql`SELECT nid FROM his_config_info WHERE gmt_modified < ${toDbTime(time)} ORDER BY nid LIMIT ${limit}`,
    );
    if (!rows.length) return 0;
    const r = await this.db.run(
      sql`DELETE FROM his_config_info WHERE nid IN (${sql.join(
        rows.map((x) => sql`${Number(x.nid)}`),
        sql`, `,
      )})`,
    );
    return r.changes;
  }
}

async function saveFormalTx(
  tx: SqlRunner,
  key: ConfigKey,
  item: ConfigItem,
  history: HistoryInput,
  tagsUnchanged = false,
  histories?: HistoryInput[],
): Promise<number> {
  const tenant = toStoredTenant(key.namespaceId);
  let id = item.id;
  if (id) {
    await tx.run(
      sql`UPDATE config_info SET content = ${item.content}, md5 = ${item.md5}, src_user = ${item.srcUser},
            src_ip = ${item.srcIp}, app_name = ${item.appName}, c_desc = ${item.desc}, c_use = ${item.use},
            effect = ${item.effect}, type = ${item.type}, c_schema = ${item.schema},
            encrypted_data_key = ${item.encryptedDataKey}, gmt_modified = ${toDbTime(item.modifyTime)}
          WHERE id = ${id}`,
    );
    if (!tagsUnchanged) await tx.run(sql`DELETE FROM config_tags_relation WHERE id = ${id}`);
  } else {
    const r = await tx.run(
      sql`INSERT INTO config_info (data_id, group_id, tenant_id, content, md5, src_user, src_ip, app_name, c_desc,
            c_use, effect, type, c_schema, encrypted_data_key, gmt_create, gmt_modified)
          VALUES (${key.dataId}, ${key.group}, ${tenant}, ${item.content}, ${item.md5}, ${item.srcUser},
            ${item.srcIp}, ${item.appName}, ${item.desc}, ${item.use}, ${item.effect}, ${item.type},
            ${item.schema}, ${item.encryptedDataKey}, ${toDbTime(item.createTime)}, ${toDbTime(item.modifyTime)})`,
    );
    id = r.insertId;
  }
  if (!tagsUnchanged)
    for (const t of item.tags)
      await tx.run(
        sql`INSERT INTO config_tags_relation (id, tag_name, tag_type, data_id, group_id, tenant_id)
          VALUES (${id}, ${t}, '', ${key.dataId}, ${key.group}, ${tenant})`,
      );
  const h = { ...history, id: history.id || id };
  if (histories) histories.push(h);
  else await insertHistory(tx, h);
  return id;
}

async function saveGrayTx(
  tx: SqlRunner,
  key: ConfigKey,
  item: GrayItem,
  history: HistoryInput,
  histories?: HistoryInput[],
): Promise<number> {
  const tenants = [toStoredTenant(key.namespaceId), key.namespaceId];
  const rule = JSON.stringify(item.rule);
  const t = toDbTime(item.modifyTime, true);
  const upd = await tx.run(
    sql`UPDATE config_info_gray SET content = ${item.content}, md5 = ${item.md5}, src_user = ${item.srcUser},
          src_ip = ${item.srcIp}, app_name = ${item.appName}, gray_rule = ${rule},
          encrypted_data_key = ${item.encryptedDataKey}, gmt_modified = ${t}
        WHERE data_id = ${key.dataId} AND group_id = ${key.group} AND tenant_id IN (${tenants[0]}, ${tenants[1]})
          AND gray_name = ${item.grayName}`,
  );
  let id = item.id;
  if (upd.changes === 0) {
    const r = await tx.run(
      sql`INSERT INTO config_info_gray (data_id, group_id, tenant_id, content, md5, src_user, src_ip, app_name,
            gray_name, gray_rule, encrypted_data_key, gmt_create, gmt_modified)
          VALUES (${key.dataId}, ${key.group}, ${tenants[0]}, ${item.content}, ${item.md5}, ${item.srcUser},
            ${item.srcIp}, ${item.appName}, ${item.grayName}, ${rule}, ${item.encryptedDataKey},
            ${toDbTime(item.createTime, true)}, ${t})`,
    );
    id = r.insertId;
  }
  if (histories) histories.push(history);
  else await insertHistory(tx, history);
  return id;
}

/**
 * compat(nacos-schema): the Nacos MySQL tables are `utf8` (3-byte), so 4-byte characters (emoji)
 * are rejected by the database; report that as bad input (400), not as a server error.
 */
function mapWriteError(e: unknown): never {
  const text = `${(e as Error)?.message ?? ''} ${String((e as { cause?: unknown })?.cause ?? '')}`;
  if (/Incorrect string value/i.test(text))
    throw new InvalidArgument(
      'content contains characters the database cannot store (4-byte UTF-8 such as emoji; the Nacos MySQL schema uses utf8)',
      NacosCode.PARAMETER_VALIDATE_ERROR,
    );
  throw e;
}

function insertHistory(tx: SqlRunner, h: HistoryInput) {
  return insertHistories(tx, [h]);
}

/** Rows per multi-row history INSERT, largest first: few distinct statement texts (each is cached). */
const HISTORY_CHUNKS = [64, 16, 4, 1];
/** Content bytes per multi-row INSERT, so a batch of large configs stays far below max_allowed_packet. */
const HISTORY_CHUNK_BYTES = 1 << 20;

/** Inserts history rows in order (ascending nids), several rows per statement. */
async function insertHistories(tx: SqlRunner, rows: HistoryInput[]) {
  let i = 0;
  while (i < rows.length) {
    let n = HISTORY_CHUNKS.find((c) => c <= rows.length - i) ?? 1;
    while (n > 1 && contentBytes(rows, i, n) > HISTORY_CHUNK_BYTES)
      n = HISTORY_CHUNKS.find((c) => c < n) ?? 1;
    await tx.run(
      sql`INSERT INTO his_config_info (id, data_id, group_id, tenant_id, app_name, content, md5, src_user, src_ip,
          op_type, encrypted_data_key, publish_type, gray_name, ext_info, gmt_create, gmt_modified)
        VALUES ${sql.join(rows.slice(i, i + n).map(historyValues), sql`, `)}`,
    );
    i += n;
  }
}

function contentBytes(rows: HistoryInput[], from: number, n: number): number {
  let b = 0;
  for (let k = from; k < from + n; k++) b += rows[k]!.content.length * 3;
  return b;
}

function historyValues(h: HistoryInput) {
  return sql`(${h.id}, ${h.key.dataId}, ${h.key.group}, ${toStoredTenant(h.key.namespaceId)}, ${h.appName},
          ${h.content}, ${h.md5}, ${h.srcUser}, ${h.srcIp}, ${h.opType}, ${h.encryptedDataKey}, ${h.publishType},
          ${h.grayName}, ${h.extInfo}, ${toDbTime(h.createTime)}, ${toDbTime(h.modifyTime)})`;
}
