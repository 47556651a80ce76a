import { describe, expect, test } from 'bun:test';
import { type SQL, sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { renderSimple } from './sqlite-db';

const dialect = new SQLiteSyncDialect();

function fast(q: SQL) {
  const out = { text: '', params: [] as unknown[] };
  return renderSimple(q, out) ? { sql: out.text, params: out.params } : undefined;
}

describe('renderSimple (SqliteDb fast statement rendering)', () => {
  const cases: Array<[string, SQL]> = [
    [
      'values of every primitive kind',
      sql`SELECT ${'a'}, ${1}, ${2n}, ${true}, ${null} FROM t WHERE x = ${'b'}`,
    ],
    ['no values', sql`SELECT 1 AS ok`],
    [
      'nested templates and sql.join',
      sql`SELECT * FROM t WHERE ${sql`a = ${1}`} AND id IN (${sql.join([sql`${1}`, sql`${2}`], sql`, `)})`,
    ],
    ['identifiers', sql`SELECT ${sql.identifier('we"ird')} FROM ${sql.identifier('t')}`],
    ['undefined chunks render nothing', sql`SELECT ${undefined}1${sql`${undefined}`}`],
    ['sql.raw', sql`SELECT ${sql.raw('x')} FROM t LIMIT ${5}`],
    [
      'binary values (Buffer, Uint8Array)',
      sql`INSERT INTO t VALUES (${Buffer.from('ab')}, ${new Uint8Array([1, 2])})`,
    ],
  ];
  for (const [name, q] of cases)
    test(name, () => {
      const want = dialect.sqlToQuery(q);
      expect(fast(q)).toEqual({ sql: want.sql, params: want.params });
    });

  test('falls back (false) on chunks it does not render itself: arrays, objects, inlined params', () => {
    expect(fast(sql`SELECT * FROM t WHERE id IN ${[1, 2]}`)).toBeUndefined();
    expect(fast(sql`SELECT ${new Date(0)}`)).toBeUndefined();
    expect(fast(sql`SELECT ${'a'}`.inlineParams())).toBeUndefined();
  });
});
