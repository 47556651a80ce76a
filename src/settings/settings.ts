import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { clusterSettings } from '../cluster/cluster-settings';
import { configSettings } from '../config/config-settings';
import { consoleSettings } from '../console/console-settings';
import { consulSettings } from '../consul/consul-settings';
import { LevelFilter } from '../core/log';
import { grpcSettings } from '../grpc/grpc-settings';
import { namingSettings } from '../naming/naming-settings';
import { authSettings, validateAuthSecret, validateAuthTransport } from './auth-settings';
import { coreSettings } from './core-settings';
import { envNameFor, type SettingSpec } from './setting-spec';

export type SettingValue = string | number | boolean | string[];

/** Raised for any invalid setting; the message names the key and how to fix it. */
export class SettingsError extends Error {}

/** Every setting the server knows. Domains append their own spec lists here. */
export const ALL_SETTINGS: SettingSpec[] = [
  ...coreSettings,
  ...authSettings,
  ...namingSettings,
  ...configSettings,
  ...grpcSettings,
  ...consulSettings,
  ...clusterSettings,
  ...consoleSettings,
];

/**
 * Frozen, validated settings. Accessors throw on a key that is not declared: that is a
 * programming error, not a user error.
 */
export class Settings {
  private readonly values: ReadonlyMap<string, SettingValue>;
  readonly warnings: readonly string[];
  readonly sources: ReadonlyMap<string, string>;

  constructor(
    values: Map<string, SettingValue>,
    warnings: string[] = [],
    sources = new Map<string, string>(),
  ) {
    this.values = values;
    this.warnings = Object.freeze([...warnings]);
    this.sources = sources;
    Object.freeze(this);
  }

  private raw(key: string): SettingValue {
    const v = this.values.get(key);
    if (v === undefined) throw new Error(`undeclared setting ${key}`);
    return v;
  }
  int(key: string): number {
    return this.raw(key) as number;
  }
  str(key: string): string {
    return this.raw(key) as string;
  }
  bool(key: string): boolean {
    return this.raw(key) as boolean;
  }
  list(key: string): string[] {
    return this.raw(key) as string[];
  }
  has(key: string): boolean {
    return this.values.has(key);
  }
  /** A copy with some values replaced (tests, derived settings). Values are validated. */
  with(overrides: Record<string, unknown>): Settings {
    const m = new Map(this.values);
    for (const [k, v] of Object.entries(overrides)) {
      const spec = ALL_SETTINGS.find((s) => s.key === k);
      if (!spec) throw new Error(`undeclared setting ${k}`);
      m.set(k, coerce(spec, v, 'override'));
    }
    return new Settings(m, [...this.warnings], new Map(this.sources));
  }
  /** All values, with secrets masked; for `batata serve --print-config` and diagnostics. */
  describe(): Record<string, SettingValue> {
    const out: Record<string, SettingValue> = {};
    for (const spec of ALL_SETTINGS) {
      const v = this.values.get(spec.key)!;
      out[spec.key] = spec.secret && v ? '***' : v;
    }
    return out;
  }

  // Derived values used by several listeners.
  get mainPort(): number {
    return this.int('nacos.server.main.port');
  }
  get sdkPort(): number {
    return this.int('nacos.sdk.port') || this.mainPort + 1000;
  }
  get clusterPort(): number {
    return this.int('nacos.cluster.port') || this.mainPort + 1001;
  }
  get contextPath(): string {
    return normalizeContextPath(this.str('nacos.server.context-path'));
  }
}

export function normalizeContextPath(p: string): string {
  if (!p || p === '/') return '';
  return `/${p.replace(/^\/+|\/+$/g, '')}`;
}

export interface LoadOptions {
  /** Path of application.yml; when absent, `conf/application.yml` is read if it exists. */
  configPath?: string;
  /** Explicit path must exist; the default path may be missing. */
  configPathExplicit?: boolean;
  env?: Record<string, string | undefined>;
  /** Highest precedence: `--flag` values keyed by setting key. */
  overrides?: Record<string, unknown>;
  specs?: SettingSpec[];
}

/** defaults → application.yml → BATATA_* env → flags → validate → frozen Settings. */
export function loadSettings(opts: LoadOptions = {}): Settings {
  const specs = opts.specs ?? ALL_SETTINGS;
  const env = opts.env ?? {};
  const values = new Map<string, SettingValue>();
  const sources = new Map<string, string>();
  const warnings: string[] = [];
  for (const s of specs) {
    values.set(s.key, s.default as SettingValue);
    sources.set(s.key, 'default');
  }
  const byKey = new Map(specs.map((s) => [s.key, s]));

  const path = opts.configPath ?? 'conf/application.yml';
  const fileValues = readYamlFile(path, opts.configPathExplicit ?? opts.configPath !== undefined);
  if (fileValues) {
    for (const [k, v] of fileValues) {
      const spec = byKey.get(k);
      if (!spec) {
        warnings.push(`unknown setting "${k}" in ${path} is ignored`);
        continue;
      }
      values.set(k, coerce(spec, v, path));
      sources.set(k, path);
    }
  }

  for (const spec of specs) {
    for (const name of [envNameFor(spec.key), ...(spec.env ?? [])].reverse()) {
      const v = env[name];
      if (v === undefined || v === '') continue;
      values.set(spec.key, coerce(spec, v, `environment variable ${name}`));
      sources.set(spec.key, `env ${name}`);
    }
  }

  for (const [k, v] of Object.entries(opts.overrides ?? {})) {
    if (v === undefined) continue;
    const spec = byKey.get(k);
    if (!spec)
      throw new SettingsError(`unknown setting "${k}"; run \`batata serve --help-settings\` for the list`);
    values.set(k, coerce(spec, v, 'command line'));
    sources.set(k, 'flag');
  }

  validateCrossKeys(values);
  return new Settings(values, warnings, sources);
}

function readYamlFile(path: string, mustExist: boolean): Map<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (!mustExist && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SettingsError(
      `cannot read config file ${path}: ${(e as Error).message}; pass an existing file with --config`,
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new SettingsError(
      `config file ${path} is not valid YAML: ${msg}; fix the syntax or start from conf/application.yml.example`,
    );
  }
  if (doc === null || doc === undefined) return new Map();
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new SettingsError(
      `config file ${path} must be a YAML mapping of settings, e.g. "nacos: {server: {main: {port: 8848}}}"`,
    );
  return flatten(doc as Record<string, unknown>);
}

/** Nested and dotted YAML keys both map to the dotted key: `a: {b.c: 1}` → `a.b.c`. */
export function flatten(obj: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      flatten(v as Record<string, unknown>, key, out);
    else out.set(key, v);
  }
  return out;
}

function coerce(spec: SettingSpec, v: unknown, source: string): SettingValue {
  const bad = (what: string) =>
    new SettingsError(
      `invalid ${spec.key} from ${source}: ${JSON.stringify(v)} is not ${what} (${spec.doc})`,
    );
  switch (spec.type) {
    case 'port':
    case 'int': {
      const n =
        typeof v === 'number'
          ? v
          : typeof v === 'string' && /^-?\d+$/.test(v.trim())
            ? Number(v)
            : Number.NaN;
      const min = spec.type === 'port' ? 1 : (spec.min ?? Number.MIN_SAFE_INTEGER);
      const max = spec.type === 'port' ? 65535 : (spec.max ?? Number.MAX_SAFE_INTEGER);
      if (!Number.isInteger(n)) throw bad(spec.type === 'port' ? 'a port number (1-65535)' : 'an integer');
      if (n < min || n > max) throw bad(`in range ${min}-${max}`);
      return n;
    }
    case 'bool': {
      if (typeof v === 'boolean') return v;
      const s = String(v).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      throw bad('a boolean (true/false)');
    }
    case 'enum': {
      const s = String(v).trim();
      if (!spec.values!.includes(s)) throw bad(`one of ${spec.values!.join(', ')}`);
      return s;
    }
    case 'list': {
      if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
      if (typeof v === 'string')
        return v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
      throw bad('a list');
    }
    default:
      if (v === null || v === undefined) return '';
      if (typeof v === 'object') throw bad('a string');
      return String(v);
  }
}

function validateCrossKeys(values: Map<string, SettingValue>) {
  const dbUrl = values.get('db.url') as string;
  if (dbUrl && !/^(mysql|mariadb|sqlite):/i.test(dbUrl))
    throw new SettingsError(
      `invalid db.url: unsupported scheme in "${dbUrl.replace(/\/\/[^@]*@/, '//***@')}"; use mysql://user:pass@host:3306/db, or leave it empty for the embedded store`,
    );
  const authErr = validateAuthSecret(
    values.get('nacos.core.auth.enabled') as boolean,
    values.get('nacos.core.auth.plugin.nacos.token.secret.key') as string,
  );
  if (authErr) throw new SettingsError(authErr);
  const transportErr = validateAuthTransport({
    clusterMode: values.get('cluster.member.lookup.type') !== 'standalone',
    identityKey: values.get('nacos.core.auth.server.identity.key') as string,
    identityValue: values.get('nacos.core.auth.server.identity.value') as string,
    tlsCert: values.get('server.tls.cert') as string,
    tlsKey: values.get('server.tls.key') as string,
  });
  if (transportErr) throw new SettingsError(transportErr);
  const level = values.get('log.level') as string;
  if (!LevelFilter.isValid(level))
    throw new SettingsError(
      `invalid log.level "${level}": use a level (trace, debug, info, warn, error, off) or directives like batata=debug,storage=warn`,
    );
}
