import { sql } from 'drizzle-orm';
import type { SqlRunner } from './db';
import { upsert } from './upsert';

/** Small key/value table for server bookkeeping (index reservation, node id…). */
export async function getMeta(db: SqlRunner, key: string): Promise<string | undefined> {
  const row = await db.get<{ v: string }>(sql`SELECT v FROM batata_meta WHERE k = ${key}`);
  return row?.v;
}

export async function setMeta(db: SqlRunner, key: string, value: string): Promise<void> {
  await upsert(db, 'batata_meta', { k: key, v: value }, ['k']);
}

/**
 * Stores the integer `value` under `key` unless a larger one is already there, in one statement:
 * several processes (cluster members sharing the database) may raise the same high-water mark.
 */
export async function raiseMeta(db: SqlRunner, key: string, value: number): Promise<void> {
  const v = String(Math.floor(value));
  await db.run(
    db.dialect === 'sqlite'
      ? sql`INSERT INTO batata_meta (k, v) VALUES (${key}, ${v}) ON CONFLICT (k) DO UPDATE SET
            v = CASE WHEN CAST(batata_meta.v AS INTEGER) < CAST(excluded.v AS INTEGER) THEN excluded.v ELSE batata_meta.v END`
      : sql`INSERT INTO batata_meta (k, v) VALUES (${key}, ${v}) ON DUPLICATE KEY UPDATE
            v = IF(CAST(v AS UNSIGNED) < CAST(VALUES(v) AS UNSIGNED), VALUES(v), v)`,
  );
}
