import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The naming core is transport-free (STYLE.md §0.1, §3): gRPC and Consul build on it.
const CORE = [
  'index.ts',
  'naming-model.ts',
  'naming-service.ts',
  'naming-repo.ts',
  'fake-naming-repo.ts',
  'health-checker.ts',
  'udp-push.ts',
  'switches.ts',
];
const FORBIDDEN = /from '(elysia|@grpc\/grpc-js|@grpc\/proto-loader|drizzle-orm|mysql2|yaml|commander|jose)'/;

test('naming core files import no transport, storage driver or CLI library', () => {
  for (const f of CORE) {
    const src = readFileSync(join(import.meta.dir, f), 'utf8');
    expect({ file: f, bad: src.match(FORBIDDEN)?.[0] ?? null }).toEqual({ file: f, bad: null });
  }
});
