import { InvalidArgument } from '../core/errors';

/**
 * Nacos reads every parameter from the query string or a form body, for every method (Spring
 * `@RequestParam`). This merges both (query first, as Spring does) into one lookup.
 */
export class Params {
  constructor(private readonly values: Record<string, string>) {}

  static from(query: Record<string, unknown> | undefined, body: unknown): Params {
    const out: Record<string, string> = {};
    if (body && typeof body === 'object' && !(body instanceof ArrayBuffer) && !(body instanceof Uint8Array)) {
      for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
        const s = scalar(v);
        if (s !== undefined) out[k] = s;
      }
    }
    if (query)
      for (const [k, v] of Object.entries(query)) {
        const s = scalar(v);
        if (s !== undefined) out[k] = s;
      }
    return new Params(out);
  }

  get(name: string): string | undefined {
    return this.values[name];
  }
  /** First non-blank of several spellings (`tenant` / `namespaceId`, `group` / `groupName`). */
  first(...names: string[]): string | undefined {
    for (const n of names) {
      const v = this.values[n];
      if (v !== undefined && v.trim() !== '') return v;
    }
    return undefined;
  }
  str(name: string, def = ''): string {
    return this.values[name] ?? def;
  }
  /** Throws `Required parameter 'x' is missing` (400, code 10000) when absent or blank. */
  required(name: string): string {
    const v = this.values[name];
    if (v === undefined || v.trim() === '') throw new MissingParameter(name);
    return v;
  }
  /** A Java `Integer` parameter: digits only, within −2³¹…2³¹−1 (else 400, as `Integer.parseInt` fails). */
  int(name: string, def: number): number {
    return this.integer(name, def, INT_MIN, INT_MAX);
  }
  /** A Java `Long` parameter (ids such as `nid`), bounded to the integers a double holds exactly. */
  long(name: string, def: number): number {
    return this.integer(name, def, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }
  /** A required Java `Long` parameter: missing → 10000, not an integer → 20002. */
  requiredLong(name: string): number {
    this.required(name);
    return this.long(name, 0);
  }
  private integer(name: string, def: number, min: number, max: number): number {
    const v = this.values[name];
    if (v === undefined || v.trim() === '') return def;
    const n = Number(v);
    if (!/^\s*[-+]?\d+\s*$/.test(v) || n < min || n > max)
      throw new InvalidArgument(`parameter '${name}' must be an integer, got '${v}'`, 20002);
    return n;
  }
  num(name: string, def: number): number {
    const v = this.values[name];
    if (v === undefined || v.trim() === '') return def;
    const n = Number(v);
    if (!Number.isFinite(n))
      throw new InvalidArgument(`parameter '${name}' must be a number, got '${v}'`, 20002);
    return n;
  }
  bool(name: string, def: boolean): boolean {
    const v = this.values[name];
    if (v === undefined || v.trim() === '') return def;
    return v.trim().toLowerCase() === 'true';
  }
  has(name: string): boolean {
    return this.values[name] !== undefined;
  }
  all(): Readonly<Record<string, string>> {
    return this.values;
  }
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

export class MissingParameter extends InvalidArgument {
  constructor(readonly parameter: string) {
    super(`Required parameter '${parameter}' is not present`, 10000);
  }
}

function scalar(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.length ? scalar(v[0]) : undefined;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
