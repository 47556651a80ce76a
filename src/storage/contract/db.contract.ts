import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { getMeta, raiseMeta, setMeta } from '../meta-repo';
import { migrate, migrationStatus } from '../migrate';
import { upsert } from '../upsert';

/** The storage contract every dialect must pass: migrations, upsert, transactions, meta. */
export function runDbContract(name: string, open: () => Promise<{ db: Db; cleanup?: () => Promise<void> }>) {
  describe(`storage contract: ${name}`, () => {
    let db: Db;
    let cleanup: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ db, cleanup } = await open());
    });
    afterAll(async () => {
      await db.close();
      await cleanup?.();
    });

    test('migrates an empty database to the latest version, idempotently', async () => {
      const before = await migrationStatus(db);
      expect(before.current).toBe(0);
      const applied = await migrate(db);
      expect(applied.length).toBe(before.pending.length);
      const after = await migrationStatus(db);
      expect(after.pending).toEqual([]);
      expect(after.current).toBe(after.latest);
      expect(await migrate(db)).toEqual([]);
    });

    test('creates the Nacos tables', async () => {
      for (const t of [
        'config_info',
        'config_info_gray',
        'his_config_info',
        'tenant_info',
        'users',
        'roles',
        'permissions',
        'config_tags_relation',
      ]) {
        const rows = await db.all(sql`SELECT COUNT(*) AS n FROM ${sql.identifier(t)}`);
        expect(rows.length).toBe(1);
      }
    });

    test('meta upsert inserts then updates', async () => {
      expect(await getMeta(db, 'x')).toBeUndefined();
      await setMeta(db, 'x', '1');
      await setMeta(db, 'x', '2');
      expect(await getMeta(db, 'x')).toBe('2');
      // raiseMeta only ever moves a number up (numerically, not as text).
      await raiseMeta(db, 'hw', 9);
      await raiseMeta(db, 'hw', 10);
      await raiseMeta(db, 'hw', 3);
      expect(await getMeta(db, 'hw')).toBe('10');
    });

    test('bound parameters keep hostile strings intact', async () => {
      const evil = `'); DROP TABLE batata_meta; -- ✓ 中文`;
      await setMeta(db, 'evil', evil);
      expect(await getMeta(db, 'evil')).toBe(evil);
    });

    test('transaction commits all or nothing', async () => {
      await expect(
        db.transaction(async (tx) => {
          await upsert(tx, 'batata_meta', { k: 'tx1', v: 'a' }, ['k']);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await getMeta(db, 'tx1')).toBeUndefined();
      await db.transaction(async (tx) => {
        await upsert(tx, 'batata_meta', { k: 'tx1', v: 'a' }, ['k']);
        await upsert(tx, 'batata_meta', { k: 'tx2', v: 'b' }, ['k']);
      });
      expect(await getMeta(db, 'tx2')).toBe('b');
    });

    test('run reports changes and insert ids', async () => {
      const r = await db.run(
        sql`INSERT INTO tenant_info (kp, tenant_id, tenant_name, tenant_desc, create_source, gmt_create, gmt_modified) VALUES ('1', 'ns1', 'n', 'd', 'nacos', ${1}, ${1})`,
      );
      expect(r.changes).toBe(1);
      expect(r.insertId).toBeGreaterThan(0);
      const u = await db.run(sql`UPDATE tenant_info SET tenant_desc = 'x' WHERE tenant_id = 'nope'`);
      expect(u.changes).toBe(0);
    });

    test('concurrent transactions do not interleave', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db.transaction(async (tx) => {
            const cur = Number(
              (await tx.get<{ v: string }>(sql`SELECT v FROM batata_meta WHERE k = 'ctr'`))?.v ?? 0,
            );
            await upsert(tx, 'batata_meta', { k: 'ctr', v: String(cur + 1) }, ['k']);
            return i;
          }),
        ),
      );
      if (db.dialect === 'sqlite') expect(await getMeta(db, 'ctr')).toBe('20');
      else expect(Number(await getMeta(db, 'ctr'))).toBeGreaterThan(0);
    });
  });
}
