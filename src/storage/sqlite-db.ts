import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Name, SQL, StringChunk, sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { Db, RunResult, SqlRunner } from './db';
import { isConnectionError, StorageUnavailable } from './storage-errors';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer';

export interface SqliteOptions {
  /** File path, or `:memory:`. */
  path: string;
  /** `normal` survives kill -9 (WAL); `full` fsyncs every commit (survives power loss). */
  sync?: 'normal' | 'full';
  cacheSizeMb?: number;
  /** > 0: checkpoint the WAL from a background thread this often (see wal-checkpointer.ts). */
  checkpointIntervalMs?: number;
  /** Reports a failed background checkpoint (the automatic safety net still bounds the WAL). */
  onCheckpointError?: (message: string) => void;
}

/** Automatic checkpoint threshold (pages) left to the main connection when a background thread checkpoints. */
const SAFETY_NET_CHECKPOINT_PAGES = 16000;

/**
 * Embedded store on bun:sqlite. One connection; every statement and transaction runs under one
 * async mutex so a transaction's awaits never interleave with another caller's statements.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly description: string;
  private readonly raw: Database;
  /** Renders drizzle `sql` templates to text + bound parameters; statements are cached by text. */
  private readonly dialectRenderer = new SQLiteSyncDialect();
  private lock: Promise<void> = Promise.resolve();
  private checkpointer?: WalCheckpointer;
  private busy = 0;

  constructor(opts: SqliteOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.raw = new Database(opts.path, { create: true, strict: true });
    // First: the statements below may wait on another connection (the WAL checkpointer).
    this.raw.exec('PRAGMA busy_timeout = 5000');
    this.raw.exec('PRAGMA journal_mode = WAL');
    this.raw.exec(`PRAGMA synchronous = ${opts.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.raw.exec(`PRAGMA cache_size = ${-1024 * (opts.cacheSizeMb ?? 64)}`);
    this.raw.exec('PRAGMA temp_store = MEMORY');
    this.description = `sqlite:${opts.path}`;
    if (opts.path !== ':memory:' && (opts.checkpointIntervalMs ?? 0) > 0) {
      this.raw.exec(`PRAGMA wal_autocheckpoint = ${SAFETY_NET_CHECKPOINT_PAGES}`);
      this.checkpointer = startWalCheckpointer(opts.path, {
        intervalMs: opts.checkpointIntervalMs!,
        sync: opts.sync === 'full' ? 'FULL' : 'NORMAL',
        onError: opts.onCheckpointError,
      });
    }
  }

  // Statements go through bun:sqlite's statement cache (`query`), which is about twice as fast
  // per statement as drizzle's session layer on this hot path.
  // Templates made of text, primitive values, nested templates and identifiers (all of ours) are
  // rendered directly; anything else goes through drizzle's renderer (its generic walk was ~15 %
  // of a config publish).
  private statement(q: SQL) {
    const out: Rendered = { text: '', params: [] };
    if (renderSimple(q, out)) return { stmt: this.raw.query(out.text), params: out.params as any[] };
    const { sql: text, params } = this.dialectRenderer.sqlToQuery(q);
    return { stmt: this.raw.query(text), params: params as any[] };
  }

  private readonly runner: SqlRunner = {
    dialect: 'sqlite',
    all: async <T>(q: SQL) =>
      wrap(() => {
        const { stmt, params } = this.statement(q);
        return stmt.all(...params) as T[];
      }),
    get: async <T>(q: SQL) =>
      wrap(() => {
        const { stmt, params } = this.statement(q);
        return (stmt.get(...params) ?? undefined) as T | undefined;
      }),
    run: async (q: SQL): Promise<RunResult> =>
      wrap(() => {
        const { stmt, params } = this.statement(q);
        const r = stmt.run(...params);
        return { changes: r.changes, insertId: Number(r.lastInsertRowid) };
      }),
  };

  all<T = Record<string, unknown>>(q: SQL): Promise<T[]> {
    return this.exclusive(() => this.runner.all<T>(q));
  }
  get<T = Record<string, unknown>>(q: SQL): Promise<T | undefined> {
    return this.exclusive(() => this.runner.get<T>(q));
  }
  run(q: SQL): Promise<RunResult> {
    return this.exclusive(() => this.runner.run(q));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        const r = await fn(this.runner);
        this.raw.exec('COMMIT');
        return r;
      } catch (e) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw e;
      }
    });
  }

  /** Executes a multi-statement script (migrations). */
  execScript(sqlText: string): Promise<void> {
    return this.exclusive(async () => {
      wrap(() => this.raw.exec(sqlText));
    });
  }

  async ping(): Promise<void> {
    await this.get(sqlSelect1);
  }

  async close(): Promise<void> {
    await this.lock;
    await this.checkpointer?.stop();
    this.raw.close();
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.busy++;
    const prev = this.lock;
    let release!: () => void;
    this.lock = new Promise((r) => (release = r));
    try {
      if (this.busy > 1) await prev;
      return await fn();
    } finally {
      this.busy--;
      release();
    }
  }
}

const sqlSelect1 = sql`SELECT 1 AS ok`;

interface Rendered {
  text: string;
  params: unknown[];
}

/**
 * Renders `q` as drizzle's SQLite dialect would (`?` per value, `"name"` identifiers, undefined
 * chunks dropped) when it only holds those kinds of chunk; false means "use drizzle".
 */
export function renderSimple(q: SQL, out: Rendered): boolean {
  if ((q as unknown as { shouldInlineParams: boolean }).shouldInlineParams) return false;
  for (const c of q.queryChunks as unknown[]) {
    if (c instanceof StringChunk) out.text += c.value.length === 1 ? c.value[0] : c.value.join('');
    else if (
      c === null ||
      typeof c === 'string' ||
      typeof c === 'number' ||
      typeof c === 'bigint' ||
      typeof c === 'boolean' ||
      c instanceof Uint8Array
    ) {
      out.text += '?';
      out.params.push(c);
    } else if (c === undefined) {
      // drizzle renders nothing for an undefined chunk
    } else if (c instanceof SQL) {
      if (!renderSimple(c, out)) return false;
    } else if (c instanceof Name) out.text += `"${c.value.replace(/"/g, '""')}"`;
    else return false;
  }
  return true;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isConnectionError(e)) throw new StorageUnavailable(e);
    throw e;
  }
}
