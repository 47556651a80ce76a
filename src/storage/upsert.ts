import { type SQL, sql } from 'drizzle-orm';
import type { RunResult, SqlRunner } from './db';

/**
 * INSERT or UPDATE on the unique key `keyColumns`, in the dialect's own syntax. Table and column
 * names pass through `sql.identifier`; values are bound parameters.
 */
export function upsert(
  db: SqlRunner,
  table: string,
  row: Record<string, unknown>,
  keyColumns: string[],
): Promise<RunResult> {
  const cols = Object.keys(row);
  const colList = sql.join(
    cols.map((c) => sql.identifier(c)),
    sql`, `,
  );
  const values = sql.join(
    cols.map((c) => sql`${row[c]}`),
    sql`, `,
  );
  const updates = cols.filter((c) => !keyColumns.includes(c));
  let tail: SQL;
  if (db.dialect === 'sqlite') {
    const set = updates.length
      ? sql`DO UPDATE SET ${sql.join(
          updates.map((c) => sql`${sql.identifier(c)} = excluded.${sql.identifier(c)}`),
          sql`, `,
        )}`
      : sql`DO NOTHING`;
    tail = sql`ON CONFLICT (${sql.join(
      keyColumns.map((c) => sql.identifier(c)),
      sql`, `,
    )}) ${set}`;
  } else {
    const set = (updates.length ? updates : keyColumns).map(
      (c) => sql`${sql.identifier(c)} = VALUES(${sql.identifier(c)})`,
    );
    tail = sql`ON DUPLICATE KEY UPDATE ${sql.join(set, sql`, `)}`;
  }
  return db.run(sql`INSERT INTO ${sql.identifier(table)} (${colList}) VALUES (${values}) ${tail}`);
}
