/** Declarative description of one server setting; the table drives parsing, env mapping and docs. */
export type SettingType = 'port' | 'int' | 'bool' | 'string' | 'list' | 'enum';

export interface SettingSpec {
  /** Dotted key as written in application.yml, e.g. `nacos.server.main.port`. */
  key: string;
  type: SettingType;
  default: string | number | boolean | string[] | null;
  doc: string;
  /** Allowed values for `enum`. */
  values?: readonly string[];
  /** Extra environment names besides the general `BATATA_<KEY>` mapping. */
  env?: readonly string[];
  /** Lower bound for `int`. */
  min?: number;
  max?: number;
  /** Never printed in full (logs, `config show`). */
  secret?: boolean;
}

/** `nacos.core.auth.enabled` → `BATATA_NACOS_CORE_AUTH_ENABLED`. */
export function envNameFor(key: string): string {
  return `BATATA_${key.replace(/[.-]/g, '_').toUpperCase()}`;
}
