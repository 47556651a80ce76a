import type { SQL } from 'drizzle-orm';

export type Dialect = 'sqlite' | 'mysql';

export interface RunResult {
  /** Rows changed (MySQL: affected rows). */
  changes: number;
  /** Auto-increment id of the last insert, 0 if none. */
  insertId: number;
}

/**
 * Portable, parameterised SQL execution. Queries are built with drizzle's `sql` template (values
 * always become bound parameters; identifiers go through `sql.identifier`), never by string
 * concatenation. Repos written against this run unchanged on SQLite and MySQL.
 */
export interface SqlRunner {
  readonly dialect: Dialect;
  all<T = Record<string, unknown>>(q: SQL): Promise<T[]>;
  get<T = Record<string, unknown>>(q: SQL): Promise<T | undefined>;
  run(q: SQL): Promise<RunResult>;
}

export interface Db extends SqlRunner {
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Throws if the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Human description without credentials, for logs. */
  readonly description: string;
}
