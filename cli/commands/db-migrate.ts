import type { Command } from 'commander';
import { exampleConfig } from '../../src/settings/example';
import { migrate, migrationStatus, mysqlSchemaScript, pendingSql } from '../../src/storage/migrate';
import { redactUrl } from '../../src/storage/mysql-db';
import { createDb } from '../../src/storage/open-db';
import { CliError, EXIT } from '../exit-codes';
import { type Io, printJson } from '../io';
import { type ServeFlags, settingsFromFlags } from './serve';

export function registerDb(program: Command, io: Io) {
  const db = program.command('db').description('database schema management');
  const common = (c: Command) =>
    c
      .option('-c, --config <path>', 'application.yml to read')
      .option('--db-url <url>', 'database URL (default: db.url / BATATA_DB_URL, else the embedded store)')
      .option('--data-dir <dir>', 'embedded store directory')
      .option('--json', 'machine-readable output');

  common(db.command('migrate').description('apply pending schema migrations'))
    .option('--dry-run', 'print the SQL that would run, change nothing')
    .action(async (flags: ServeFlags & { dryRun?: boolean; json?: boolean }) => {
      const settings = settingsFromFlags(flags, io);
      const conn = createDb(settings);
      try {
        await conn.ping().catch((e) => {
          throw new CliError(
            `cannot connect to ${redactUrl(settings.str('db.url')) || conn.description}: ${(e as Error).message}`,
            EXIT.UNAVAILABLE,
          );
        });
        if (flags.dryRun) {
          const text = await pendingSql(conn);
          if (flags.json) printJson(io, { dryRun: true, sql: text });
          else io.out(text || '-- schema is up to date, nothing to apply');
          return;
        }
        const applied = await migrate(conn, (m) => {
          if (!flags.json) io.err(`applying ${m.version} ${m.name} ...`);
        });
        const st = await migrationStatus(conn);
        if (flags.json)
          printJson(io, { store: conn.description, applied, schemaVersion: st.current, latest: st.latest });
        else
          io.out(
            `${conn.description}: ${applied.length ? `applied ${applied.length} migration(s), ` : 'up to date, '}schema version ${st.current}`,
          );
      } finally {
        await conn.close();
      }
    });

  db.command('schema')
    .description('print the complete MySQL schema (conf/mysql-schema.sql)')
    .action(() => io.out(mysqlSchemaScript()));

  program
    .command('example-config', { hidden: true })
    .description('print conf/application.yml.example')
    .action(() => io.out(exampleConfig()));

  common(db.command('status').description('show the schema version and pending migrations')).action(
    async (flags: ServeFlags & { json?: boolean }) => {
      const settings = settingsFromFlags(flags, io);
      const conn = createDb(settings);
      try {
        const st = await migrationStatus(conn).catch((e) => {
          throw new CliError(
            `cannot read schema of ${conn.description}: ${(e as Error).message}`,
            EXIT.UNAVAILABLE,
          );
        });
        if (flags.json)
          printJson(io, {
            store: conn.description,
            schemaVersion: st.current,
            latest: st.latest,
            pending: st.pending.map((m) => m.version),
          });
        else
          io.out(
            `${conn.description}: schema version ${st.current} of ${st.latest}${st.pending.length ? `, pending: ${st.pending.map((m) => `${m.version} ${m.name}`).join(', ')}` : ', up to date'}`,
          );
      } finally {
        await conn.close();
      }
    },
  );
}
