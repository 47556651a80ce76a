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
