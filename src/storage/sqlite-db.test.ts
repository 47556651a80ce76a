import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
