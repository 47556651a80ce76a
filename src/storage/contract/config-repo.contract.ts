import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { ConfigItem, ConfigKey, GrayItem } from '../../config/config-model';
import { betaRule, md5Hex } from '../../config/config-model';
import type { HistoryInput, SaveOp } from '../../config/config-repo';
import { SqlConfigRepo } from '../config-sql-repo';
import type { Db } from '../db';
import { migrate } from '../migrate';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

function item(content: string, over: Partial<ConfigItem> = {}): ConfigItem {
  return {
    id: 0,
    content,
    md5: md5Hex(content),
    type: 'yaml',
    appName: 'app',
    desc: 'd',
    use: '',
    effect: '',
    schema: '',
    tags: ['t1', 't2'],
    encryptedDataKey: '',
    srcUser: 'u',
    srcIp: '1.2.3.4',
    createTime: T0,
    modifyTime: T0,
    ...over,
  };
}

function his(key: ConfigKey, id: number, content: string, op: 'I' | 'U' | 'D', time = T0): HistoryInput {
  return {
    id,
    key,
    appName: 'app',
    content,
    md5: md5Hex(content),
    srcUser: 'u',
    srcIp: '1.2.3.4',
    opType: op,
    publishType: 'formal',
    grayName: '',
    extInfo: '',
    encryptedDataKey: '',
    createTime: time,
    modifyTime: time,
  };
}

/** The ConfigRepo contract, run against every dialect. */
export function runConfigRepoContract(
  name: string,
  open: () => Promise<{ db: Db; cleanup?: () => Promise<void> }>,
) {
  describe(`config repo contract: ${name}`, () => {
    let db: Db;
    let repo: SqlConfigRepo;
    let cleanup: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ db, cleanup } = await open());
      await migrate(db);
      repo = new SqlConfigRepo(db);
    });
    afterAll(async () => {
      await db.close();
      await cleanup?.();
    });

    const pub: ConfigKey = { namespaceId: 'public', group: 'G', dataId: 'a.yaml' };
    const dev: ConfigKey = { namespaceId: 'dev', group: 'G', dataId: 'a.yaml' };

    test('insert stores the default namespace as tenant_id "" with tags and an I history row', async () => {
      const id = await repo.saveFormal(pub, item('x: 1 ✓ 中文'), his(pub, 0, 'x: 1 ✓ 中文', 'I'));
      expect(id).toBeGreaterThan(0);
      const row = await db.get<{ tenant_id: string }>(
        sql`SELECT tenant_id FROM config_info WHERE id = ${id}`,
      );
      expect(row?.tenant_id).toBe('');
      const { configs } = await repo.loadAll();
      const c = configs.find((x) => x.item.id === id)!;
      expect(c.key).toEqual(pub);
      expect(c.item.content).toBe('x: 1 ✓ 中文');
      expect(c.item.md5).toBe(md5Hex('x: 1 ✓ 中文'));
      expect(c.item.tags.sort()).toEqual(['t1', 't2']);
      expect(c.item.type).toBe('yaml');
      expect(c.item.modifyTime).toBe(T0);
      const h = await repo.listHistory({ key: pub, pageNo: 1, pageSize: 10 });
      expect(h.total).toBe(1);
      expect(h.items[0]!.id).toBe(id);
      expect(h.items[0]!.opType).toBe('I');
    });

    test('update by id replaces content and tags; history is newest first and paged', async () => {
      const { configs } = await repo.loadAll();
      const id = configs.find((x) => x.key.dataId === 'a.yaml')!.item.id;
      await repo.saveFormal(pub, item('x: 2', { id, tags: ['t3'] }), his(pub, id, 'x: 1 ✓ 中文', 'U'));
      const after = (await repo.loadAll()).configs.find((x) => x.item.id === id)!;
      expect(after.item.content).toBe('x: 2');
      expect(after.item.tags).toEqual(['t3']);
      const page = await repo.listHistory({ key: pub, pageNo: 1, pageSize: 1 });
      expect(page.total).toBe(2);
      expect(page.items[0]!.opType).toBe('U');
      const prev = await repo.previousHistory(id);
      expect(prev?.nid).toBe(page.items[0]!.nid);
      expect((await repo.getHistory(page.items[0]!.nid))?.content).toBe('x: 1 ✓ 中文');
      expect(await repo.getHistory(999999)).toBeUndefined();
    });

    test('rows with tenant_id "public" (3.x) read as the default namespace', async () => {
      await db.run(
        sql`INSERT INTO config_info (data_id, group_id, tenant_id, content, md5, gmt_create, gmt_modified, encrypted_data_key)
            VALUES ('legacy', 'G', 'public', 'v', ${md5Hex('v')}, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '')`,
      );
      const c = (await repo.loadAll()).configs.find((x) => x.key.dataId === 'legacy')!;
      expect(c.key.namespaceId).toBe('public');
      expect(c.item.type).toBe('text');
      expect(c.item.modifyTime).toBe(Date.UTC(2026, 0, 1));
    });

    test('namespaces are separate and delete removes row, tags, and writes a D history row', async () => {
      const id = await repo.saveFormal(dev, item('dev'), his(dev, 0, 'dev', 'I'));
      await repo.deleteFormal(dev, id, his(dev, id, 'dev', 'D'));
      const all = (await repo.loadAll()).configs;
      expect(all.some((x) => x.key.namespaceId === 'dev')).toBe(false);
      const tags = await db.all(sql`SELECT * FROM config_tags_relation WHERE id = ${id}`);
      expect(tags.length).toBe(0);
      const h = await repo.listHistory({ key: dev, pageNo: 1, pageSize: 10 });
      expect(h.items.map((x) => x.opType)).toEqual(['D', 'I']);
    });

    test('gray versions upsert by name and delete', async () => {
      const g: GrayItem = {
        id: 0,
        grayName: 'beta',
        rule: betaRule('10.0.0.1,10.0.0.2'),
        content: 'beta',
        md5: md5Hex('beta'),
        appName: '',
        encryptedDataKey: '',
        srcUser: '',
        srcIp: '',
        createTime: T0,
        modifyTime: T0 + 123,
      };
      const gh = { ...his(pub, 0, 'beta', 'I'), publishType: 'gray' as const, grayName: 'beta' };
      await repo.saveGray(pub, g, gh);
      await repo.saveGray(pub, { ...g, content: 'beta2', md5: md5Hex('beta2') }, { ...gh, opType: 'U' });
      let grays = (await repo.loadAll()).grays;
      expect(grays.length).toBe(1);
      expect(grays[0]!.item.content).toBe('beta2');
      expect(grays[0]!.item.rule).toEqual(betaRule('10.0.0.1,10.0.0.2'));
      expect(grays[0]!.item.modifyTime).toBe(T0 + 123);
      await repo.deleteGray(pub, 'beta', { ...gh, opType: 'D' });
      grays = (await repo.loadAll()).grays;
      expect(grays.length).toBe(0);
    });

    test('a failing write leaves nothing behind (config row and history are one transaction)', async () => {
      const before = (await repo.listHistory({ key: { ...pub, dataId: 'tx' }, pageNo: 1, pageSize: 10 }))
        .total;
      // A content of null violates NOT NULL in the history insert after the config insert succeeded.
      const bad = { ...his({ ...pub, dataId: 'tx' }, 0, 'x', 'I'), content: null as unknown as string };
      await expect(repo.saveFormal({ ...pub, dataId: 'tx' }, item('x'), bad)).rejects.toThrow();
      expect((await repo.loadAll()).configs.some((x) => x.key.dataId === 'tx')).toBe(false);
      expect((await repo.listHistory({ key: { ...pub, dataId: 'tx' }, pageNo: 1, pageSize: 10 })).total).toBe(
        before,
      );
    });

    test('4-byte characters are stored (SQLite) or rejected as bad input (MySQL utf8 schema), never half-written', async () => {
      const k = { ...pub, dataId: 'emoji' };
      const content = 'smile 😀';
      const r = await repo
        .saveFormal(k, item(content), his(k, 0, content, 'I'))
        .then(() => 'stored')
        .catch((e: Error) => e);
      const stored = (await repo.loadAll()).configs.find((x) => x.key.dataId === 'emoji');
      if (db.dialect === 'sqlite') {
        expect(r).toBe('stored');
        expect(stored?.item.content).toBe(content);
      } else {
        expect(r).toBeInstanceOf(Error);
        expect((r as { kind?: string }).kind).toBe('invalid_argument');
        expect(stored).toBeUndefined();
      }
    });

    test('history retention deletes only rows older than the cut-off', async () => {
      const k = { ...pub, dataId: 'old' };
      await repo.saveFormal(k, item('o'), his(k, 0, 'o', 'I', T0 - 40 * 86_400_000));
      const n = await repo.deleteHistoryBefore(T0 - 30 * 86_400_000, 100);
      expect(n).toBe(1);
      expect((await repo.listHistory({ key: pub, pageNo: 1, pageSize: 10 })).total).toBe(5); // I, U formal + I, U, D beta;
    });

    test('saveBatch writes every op and its history row in op order, atomically', async () => {
      const k = (i: number): ConfigKey => ({
        namespaceId: i % 2 ? 'dev' : 'public',
        group: 'B',
        dataId: `b${i}`,
      });
      const big = 'x'.repeat(200_000);
      const ops: SaveOp[] = [
        { kind: 'formal', key: k(0), item: item('v0'), history: his(k(0), 0, 'v0', 'I') },
        { kind: 'formal', key: k(0), item: item('v0b'), history: his(k(0), 0, 'v0', 'U'), sameAs: 0 },
      ];
      // 70 ops: several multi-row statements; three large contents force a split by size.
      for (let i = 2; i < 69; i++) {
        const c = i < 5 ? `${big}${i}` : `v${i}`;
        ops.push({ kind: 'formal', key: k(i), item: item(c), history: his(k(i), 0, c, 'I') });
      }
      const g: GrayItem = {
        id: 0,
        grayName: 'beta',
        rule: betaRule('10.0.0.1'),
        content: 'g',
        md5: md5Hex('g'),
        appName: '',
        encryptedDataKey: '',
        srcUser: '',
        srcIp: '',
        createTime: T0,
        modifyTime: T0,
      };
      ops.push({
        kind: 'gray',
        key: k(0),
        item: g,
        history: { ...his(k(0), 0, 'g', 'I'), publishType: 'gray', grayName: 'beta' },
      });
      const ids = await repo.saveBatch(ops);
      expect(ids.length).toBe(70);
      expect(ids[1]).toBe(ids[0]!);
      const rows = await db.all<{
        id: number;
        data_id: string;
        op_type: string;
        content: string;
        tenant_id: string;
      }>(
        sql`SELECT id, data_id, op_type, content, tenant_id FROM his_config_info WHERE group_id = 'B' ORDER BY nid`,
      );
      expect(rows.map((r) => `${r.data_id}:${r.op_type.trim()}`)).toEqual(
        ops.map((o) => `${o.key.dataId}:${o.history.opType}`),
      );
      expect(rows.map((r) => r.content)).toEqual(ops.map((o) => o.history.content));
      expect(rows.map((r) => r.tenant_id)).toEqual(
        ops.map((o) => (o.key.namespaceId === 'dev' ? 'dev' : '')),
      );
      // Formal history rows carry the config id (the U row reuses the id of the insert before it).
      expect(rows.slice(0, 69).map((r) => Number(r.id))).toEqual(ids.slice(0, 69));
      const b0 = await repo.listHistory({ key: k(0), pageNo: 1, pageSize: 10 });
      expect(b0.items.map((x) => `${x.publishType}:${x.opType}`)).toEqual(['gray:I', 'formal:U', 'formal:I']);
      const stored = (await repo.loadAll()).configs.filter((x) => x.key.group === 'B');
      expect(stored.length).toBe(68);
      expect(stored.find((x) => x.key.dataId === 'b0')?.item.content).toBe('v0b');
      expect(stored.find((x) => x.key.dataId === 'b3')?.item.content).toBe(`${big}3`);

      // One bad history row in a batch: nothing of the batch is written.
      const bad: SaveOp[] = [
        { kind: 'formal', key: k(100), item: item('ok'), history: his(k(100), 0, 'ok', 'I') },
        {
          kind: 'formal',
          key: k(101),
          item: item('bad'),
          history: { ...his(k(101), 0, 'bad', 'I'), content: null as unknown as string },
        },
      ];
      await expect(repo.saveBatch(bad)).rejects.toThrow();
      const after = (await repo.loadAll()).configs.filter((x) => x.key.group === 'B');
      expect(after.length).toBe(68);
      const n = await db.get<{ n: number }>(
        sql`SELECT COUNT(*) AS n FROM his_config_info WHERE group_id = 'B'`,
      );
      expect(Number(n?.n)).toBe(70);
    });
  });
}
