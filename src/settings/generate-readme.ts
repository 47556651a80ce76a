// Regenerates the complete settings table in README.md from the setting specs (part of `bun run gen`).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withSettingsReference } from './reference';
import { ALL_SETTINGS } from './settings';

const path = join(import.meta.dir, '..', '..', 'README.md');
writeFileSync(path, withSettingsReference(readFileSync(path, 'utf8'), ALL_SETTINGS));
