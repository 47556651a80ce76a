import { join } from 'node:path';
import type { Logger } from '../core/log';
import type { Settings } from '../settings/settings';
import type { Db } from './db';
import { migrate, migrationStatus } from './migrate';
import { MysqlDb, redactUrl } from './mysql-db';
import { SqliteDb } from './sqlite-db';

/** Raised when storage cannot be used at start-up; the message says what to do. */
export class StorageStartupError extends Error {}

/** Creates the Db named by settings (`db.url`), without touching the schema. */
export function createDb(settings: Settings, log?: Logger): Db {
  const url = settings.str('db.url');
  if (!url || url.startsWith('sqlite:')) {
    const path = url
      ? url.replace(/^sqlite:(\/\/)?/, '')
      : join(settings.str('storage.data-dir'), 'batata.db');
    return new SqliteDb({
      path,
      sync: settings.str('storage.sync') as 'normal' | 'full',
      cacheSizeMb: settings.int('storage.sqlite.cache-size-mb'),
      checkpointIntervalMs: settings.int('storage.sqlite.checkpoint-interval-ms'),
      onCheckpointError: (message) => log?.warn('WAL checkpoint failed', { error: message }),
    });
  }
  return new MysqlDb({ url, poolSize: settings.int('db.pool.size') });
}

/**
 * Opens storage for `batata serve`: the embedded store is migrated automatically; MySQL must
 * already be at the latest schema (`batata db migrate`), so a server never alters a shared
 * production schema on its own.
 */
export async function openStorage(settings: Settings, log: Logger): Promise<Db> {
  const db = createDb(settings, log);
  try {
    await db.ping();
  } catch (e) {
    await db.close().catch(() => {});
    const url = redactUrl(settings.str('db.url'));
    throw new StorageStartupError(
      `cannot connect to the database ${url || db.description}: ${(e as Error).message}; check db.url / BATATA_DB_URL and that the server is running`,
    );
  }
  if (db.dialect === 'sqlite') {
    const applied = await migrate(db, (m) =>
      log.info('applying migration', { version: m.version, name: m.name }),
    );
    log.info('storage ready', { store: db.description, migrationsApplied: applied.length });
    return db;
  }
  const st = await migrationStatus(db);
  if (st.pending.length) {
    await db.close();
    throw new StorageStartupError(
      st.current === 0
        ? `database ${db.description} has no Batata schema; run \`batata db migrate\` (or load conf/mysql-schema.sql) first`
        : `database ${db.description} schema is at version ${st.current}, this server needs ${st.latest}; run \`batata db migrate\``,
    );
  }
  log.info('storage ready', { store: db.description, schemaVersion: st.current });
  return db;
}
