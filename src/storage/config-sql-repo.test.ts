import { expect, test } from 'bun:test';
import { fromDbTime, toDbTime } from './config-sql-repo';
import { runConfigRepoContract } from './contract/config-repo.contract';
import { SqliteDb } from './sqlite-db';

runConfigRepoContract('sqlite :memory:', async () => ({ db: new SqliteDb({ path: ':memory:' }) }));

test('db times are UTC strings and round-trip', () => {
  const t = Date.UTC(2026, 10, 27, 18, 30, 1, 250);
  expect(toDbTime(t)).toBe('2026-11-27 18:30:01');
  expect(toDbTime(t, true)).toBe('2026-11-27 18:30:01.250');
  expect(fromDbTime(toDbTime(t, true))).toBe(t);
  expect(fromDbTime(new Date(t))).toBe(t);
  expect(fromDbTime(null)).toBe(0);
});
