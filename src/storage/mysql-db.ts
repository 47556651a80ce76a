import { type SQL, sql } from 'drizzle-orm';
import type { MySql2Database } from 'drizzle-orm/mysql2';
import type mysql from 'mysql2/promise';
import type { Db, RunResult, SqlRunner } from './db';
import { isConnectionError, StorageUnavailable } from './storage-errors';

export interface MysqlOptions {
  url: string;
  poolSize?: number;
  connectTimeoutMs?: number;
}

/** Parses `mysql://user:pass@host:port/db?…` into mysql2 options. */
export function parseMysqlUrl(url: string) {
  const u = new URL(url.replace(/^mariadb:/i, 'mysql:'));
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new Error('db.url must name a database, e.g. mysql://root@127.0.0.1:3306/batata');
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password || ''),
    database,
  };
}

/** Hides the password in a database URL. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** MySQL 5.7/8.0 (and MariaDB) through a mysql2 pool. */
export class MysqlDb implements Db {
  readonly dialect = 'mysql' as const;
  readonly description: string;
  private readonly pool: mysql.Pool;
  private readonly d: MySql2Database;

  constructor(opts: MysqlOptions) {
    const conn = parseMysqlUrl(opts.url);
    // Loaded on first use: the embedded-store server never pays for the MySQL driver at start-up.
    const { createPool } = require('mysql2/promise') as typeof import('mysql2/promise');
    const { drizzle } = require('drizzle-orm/mysql2') as typeof import('drizzle-orm/mysql2');
    this.pool = createPool({
      ...conn,
      connectionLimit: opts.poolSize ?? 10,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      enableKeepAlive: true,
      charset: 'utf8mb4',
      supportBigNumbers: true,
      bigNumberStrings: false,
      dateStrings: true,
      timezone: 'Z',
      waitForConnections: true,
      queueLimit: 1000,
    });
    this.d = drizzle({ client: this.pool });
    this.description = `mysql://${conn.user}@${conn.host}:${conn.port}/${conn.database}`;
  }

  all<T = Record<string, unknown>>(q: SQL): Promise<T[]> {
    return runnerOf(this.d).all<T>(q);
  }
  get<T = Record<string, unknown>>(q: SQL): Promise<T | undefined> {
    return runnerOf(this.d).get<T>(q);
  }
  run(q: SQL): Promise<RunResult> {
    return runnerOf(this.d).run(q);
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    try {
      return await this.d.transaction(async (tx) => fn(runnerOf(tx as unknown as MySql2Database)));
    } catch (e) {
      if (isConnectionError(e)) throw new StorageUnavailable(e);
      throw e;
    }
  }

  /** Runs DDL statements one by one (MySQL has no multi-statement exec without a flag). */
  async execStatements(statements: string[]): Promise<void> {
    for (const s of statements) await this.run(sql.raw(s));
  }

  async ping(): Promise<void> {
    await this.get(sql`SELECT 1 AS ok`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function runnerOf(d: MySql2Database): SqlRunner {
  return {
    dialect: 'mysql',
    async all<T>(q: SQL) {
      const [rows] = await guard(() => d.execute(q));
      return rows as unknown as T[];
    },
    async get<T>(q: SQL) {
      const [rows] = await guard(() => d.execute(q));
      return (rows as unknown as T[])[0];
    },
    async run(q: SQL): Promise<RunResult> {
      const [res] = await guard(() => d.execute(q));
      const h = res as unknown as { affectedRows?: number; insertId?: number };
      return { changes: h.affectedRows ?? 0, insertId: Number(h.insertId ?? 0) };
    },
  };
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isConnectionError(e)) throw new StorageUnavailable(e);
    throw e;
  }
}
