import type { Dialect } from '../db';
import { REGISTRY } from './registry';

export interface Migration {
  /** Ordered version; ranges per domain: 1-99 core, 100 config, 200 naming, 300 consul, 400 auth, 500 cluster. */
  version: number;
  name: string;
  sql: string;
}

/**
 * The embedded migration sets, one per dialect: `NNNN_name.sql` files in ./sqlite and ./mysql,
 * listed in registry.ts by `bun run gen`. Versions must match across dialects.
 */
export const MIGRATIONS: Record<Dialect, Migration[]> = REGISTRY;

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
