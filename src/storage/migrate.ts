import { sql } from 'drizzle-orm';
import type { Db } from './db';
import { MIGRATIONS, type Migration, splitStatements } from './migrations';

export interface MigrationStatus {
  applied: number[];
  pending: Migration[];
  /** Highest applied version, 0 for an empty database. */
  current: number;
  latest: number;
}

const TRACK_TABLE_SQL = {
  sqlite:
    'CREATE TABLE IF NOT EXISTS batata_schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  mysql:
    'CREATE TABLE IF NOT EXISTS `batata_schema_migrations` (`version` int NOT NULL PRIMARY KEY, `name` varchar(128) NOT NULL, `applied_at` bigint NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
};

/** Which migrations a database has and lacks. Creates nothing. */
export async function migrationStatus(db: Db): Promise<MigrationStatus> {
  const all = MIGRATIONS[db.dialect];
  let applied: number[] = [];
  try {
    const rows = await db.all<{ version: number }>(
      sql`SELECT version FROM batata_schema_migrations ORDER BY version`,
    );
    applied = rows.map((r) => Number(r.version));
  } catch (e) {
    if (!isMissingTable(e)) throw e;
  }
  const have = new Set(applied);
  return {
    applied,
    pending: all.filter((m) => !have.has(m.version)),
    current: applied.length ? Math.max(...applied) : 0,
    latest: Math.max(...all.map((m) => m.version)),
  };
}

/** The SQL that `migrate` would run, for `batata db migrate --dry-run`. */
export async function pendingSql(db: Db): Promise<string> {
  const st = await migrationStatus(db);
  return st.pending.map((m) => `-- ${m.version} ${m.name}\n${m.sql.trim()}\n`).join('\n');
}

/** Applies every pending migration in version order; returns the versions applied. */
export async function migrate(db: Db, onApply?: (m: Migration) => void): Promise<number[]> {
  await db.run(sql.raw(TRACK_TABLE_SQL[db.dialect]));
  const { pending } = await migrationStatus(db);
  const done: number[] = [];
  for (const m of pending) {
    onApply?.(m);
    for (const stmt of splitStatements(m.sql)) await db.run(sql.raw(stmt));
    await db.run(
      sql`INSERT INTO batata_schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${Date.now()})`,
    );
    done.push(m.version);
  }
  return done;
}

/** The complete MySQL schema (conf/mysql-schema.sql) including migration bookkeeping. */
export function mysqlSchemaScript(): string {
  const parts = [
    "-- Batata MySQL schema: the Nacos tables plus Batata's own. Generated from src/storage/migrations/mysql",
    '-- by `bun run gen`. `mysql -u root -p < conf/mysql-schema.sql` creates the database `batata`;',
    '-- to load it into another database, remove the two lines below. `batata db migrate` does the same.',
    '',
    'CREATE DATABASE IF NOT EXISTS `batata` DEFAULT CHARACTER SET utf8mb4;',
    'USE `batata`;',
    '',
    `${TRACK_TABLE_SQL.mysql};`,
    '',
  ];
  for (const m of MIGRATIONS.mysql) {
    parts.push(`-- ${m.version} ${m.name}`, m.sql.trim(), '');
    parts.push(
      `INSERT IGNORE INTO \`batata_schema_migrations\` (\`version\`, \`name\`, \`applied_at\`) VALUES (${m.version}, '${m.name}', 0);`,
      '',
    );
  }
  return parts.join('\n');
}

function isMissingTable(e: unknown): boolean {
  for (let cur: any = e, i = 0; cur && i < 5; cur = cur.cause, i++)
    if (/no such table|doesn't exist/i.test(String(cur.message)) || cur.code === 'ER_NO_SUCH_TABLE')
      return true;
  return false;
}
