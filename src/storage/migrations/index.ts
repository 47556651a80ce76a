import type { Dialect } from '../db';
import mysql0001 from './mysql/0001_nacos_base.sql' with { type: 'text' };
import mysql0200 from './mysql/0200_naming.sql' with { type: 'text' };
import mysql0300 from './mysql/0300_consul.sql' with { type: 'text' };
import sqlite0001 from './sqlite/0001_nacos_base.sql' with { type: 'text' };
import sqlite0200 from './sqlite/0200_naming.sql' with { type: 'text' };
import sqlite0300 from './sqlite/0300_consul.sql' with { type: 'text' };

export interface Migration {
  /** Ordered version; ranges per domain: 1-99 core, 100 config, 200 naming, 300 consul, 400 auth, 500 cluster. */
  version: number;
  name: string;
  sql: string;
}

/**
 * The embedded migration sets, one per dialect. Add a migration by adding a file to both
 * folders and a line to each list below; versions must match across dialects.
 */
export const MIGRATIONS: Record<Dialect, Migration[]> = {
  sqlite: [
    { version: 1, name: 'nacos_base', sql: sqlite0001 },
    { version: 200, name: 'naming', sql: sqlite0200 },
    { version: 300, name: 'consul', sql: sqlite0300 },
  ],
  mysql: [
    { version: 1, name: 'nacos_base', sql: mysql0001 },
    { version: 200, name: 'naming', sql: mysql0200 },
    { version: 300, name: 'consul', sql: mysql0300 },
  ],
};

/** Splits a migration script into statements (no semicolons inside literals in our files). */
export function splitStatements(script: string): string[] {
  return script
    .split(/;\s*(?:\n|$)/)
    .map((s) =>
      s
        .split('\n')
        .filter((l) => !l.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter(Boolean);
}
