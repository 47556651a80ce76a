import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleConfig } from '../../src/settings/example';
import { mysqlSchemaScript } from '../../src/storage/migrate';

const root = join(import.meta.dir, '../..');

test('conf/mysql-schema.sql is generated from the MySQL migrations (run `bun run gen`)', () => {
  expect(readFileSync(join(root, 'conf/mysql-schema.sql'), 'utf8')).toBe(`${mysqlSchemaScript()}\n`);
});

test('conf/application.yml.example lists every setting (run `bun run gen`)', () => {
  expect(readFileSync(join(root, 'conf/application.yml.example'), 'utf8')).toBe(`${exampleConfig()}\n`);
});
