import { envNameFor } from './setting-spec';
import { ALL_SETTINGS } from './settings';

/** conf/application.yml.example: every setting, commented out, with its default, doc and env name. */
export function exampleConfig(): string {
  const lines = [
    '# Batata settings. Copy to conf/application.yml (or pass --config PATH) and uncomment what you change.',
    '# Precedence: defaults < this file < BATATA_* environment variables < command-line flags.',
    '# Every key maps to an environment variable: BATATA_ + key upper-cased with . and - as _',
    '# (nacos.core.auth.enabled -> BATATA_NACOS_CORE_AUTH_ENABLED); aliases are listed per key.',
    '# Dotted keys and nested YAML are equivalent.',
    '',
  ];
  for (const s of ALL_SETTINGS) {
    const envs = [envNameFor(s.key), ...(s.env ?? [])].join(', ');
    lines.push(`# ${s.doc}`);
    lines.push(`# env: ${envs}${s.values ? ` | values: ${s.values.join(', ')}` : ''}`);
    const def = Array.isArray(s.default)
      ? JSON.stringify(s.default)
      : typeof s.default === 'string'
        ? JSON.stringify(s.default)
        : String(s.default);
    lines.push(`#${s.key}: ${def}`, '');
  }
  return lines.join('\n');
}
