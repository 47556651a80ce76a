import { expect, test } from 'bun:test';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { runDbContract } from './contract/db.contract';
import { getMeta, setMeta } from './meta-repo';
import { migrate } from './migrate';
import { SqliteDb } from './sqlite-db';

runDbContract('sqlite :memory:', async () => ({ db: new SqliteDb({ path: ':memory:' }) }));

test('sqlite file store keeps data across reopen', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'batata-sqlite-')), 'sub', 'batata.db');
  const a = new SqliteDb({ path, sync: 'full' });
  await migrate(a);
  await setMeta(a, 'k', 'v');
  await a.close();
  const b = new SqliteDb({ path });
  expect(await getMeta(b, 'k')).toBe('v');
  await b.close();
});

test('a background thread checkpoints the WAL into the database file; nothing is lost', async () => {
  const sizeOf = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  const run = async (checkpointIntervalMs: number) => {
    const path = join(mkdtempSync(join(tmpdir(), 'batata-sqlite-')), 'batata.db');
    const db = new SqliteDb({ path, checkpointIntervalMs });
    await db.run(sql`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`);
    const v = 'x'.repeat(1000);
    await db.transaction(async (tx) => {
      for (let i = 0; i < 2000; i++) await tx.run(sql`INSERT INTO t (id, v) VALUES (${i}, ${v})`);
    });
    await Bun.sleep(300);
    const mainFile = sizeOf(path);
    await db.close();
    const again = new SqliteDb({ path });
    const n = await again.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM t`);
    await again.close();
    return { mainFile, rows: n?.n };
  };
  // 2 MB of rows stay in the WAL (far below SQLite's own threshold) unless something checkpoints.
  const without = await run(0);
  const withWorker = await run(20);
  expect(without.mainFile).toBeLessThan(1_000_000);
  expect(withWorker.mainFile).toBeGreaterThan(2_000_000);
  expect(without.rows).toBe(2000);
  expect(withWorker.rows).toBe(2000);
});
