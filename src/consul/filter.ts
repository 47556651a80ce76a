/**
 * A go-bexpr subset for Consul's `?filter=` (spec §4.8): `==`, `!=`, `is [not] empty`,
 * `[not] in`, `[not] contains`, `[not] matches`, `and`, `or`, `not`, parentheses. Selectors are
 * dotted paths (`Service.Meta.env`, `Meta["k"]`) resolved on each result element.
 */
export type Filter = (item: unknown) => boolean;

type Tok = { t: 'id' | 'str' | 'num' | 'op' | 'lp' | 'rp' | 'dot' | 'lb' | 'rb'; v: string; pos: number };

export class FilterError extends Error {}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === '"' || c === '`') {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== c) {
        if (c === '"' && src[j] === '\\' && j + 1 < src.length) {
          j++;
          v += src[j] === 'n' ? '\n' : src[j] === 't' ? '\t' : src[j];
        } else v += src[j];
        j++;
      }
      if (j >= src.length) throw new FilterError(`1:${pos + 1}: unterminated string`);
      out.push({ t: 'str', v, pos });
      i = j + 1;
      continue;
    }
    if (c === '=' && src[i + 1] === '=') {
      out.push({ t: 'op', v: '==', pos });
      i += 2;
      continue;
    }
    if (c === '!' && src[i + 1] === '=') {
      out.push({ t: 'op', v: '!=', pos });
      i += 2;
      continue;
    }
    const single: Record<string, Tok['t']> = { '(': 'lp', ')': 'rp', '.': 'dot', '[': 'lb', ']': 'rb' };
    if (single[c]) {
      out.push({ t: single[c]!, v: c, pos });
      i++;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num && (c === '-' || /\d/.test(c))) {
      out.push({ t: 'num', v: num[0], pos });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_\-/]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0], pos });
      i += id[0].length;
      continue;
    }
    throw new FilterError(`1:${pos + 1}: unexpected character ${JSON.stringify(c)}`);
  }
  return out;
}

/** Compiles a filter expression; throws FilterError with a position on bad syntax. */
export function compileFilter(src: string): Filter {
  const toks = lex(src);
  let p = 0;
  const peek = () => toks[p];
  const isKw = (kw: string, off = 0) => toks[p + off]?.t === 'id' && toks[p + off]!.v === kw;
  const fail = (msg: string): never => {
    const t = peek();
    throw new FilterError(`1:${(t?.pos ?? src.length) + 1}: ${msg}`);
  };

  const selector = (): string[] => {
    const t = peek();
    if (t?.t !== 'id') fail('expected selector');
    const path = [t!.v];
    p++;
    for (;;) {
      if (peek()?.t === 'dot') {
        p++;
        const n = peek();
        if (n?.t !== 'id' && n?.t !== 'str') fail('expected selector after "."');
        path.push(n!.v);
        p++;
      } else if (peek()?.t === 'lb') {
        p++;
        const n = peek();
        if (n?.t !== 'str') fail('expected string index');
        path.push(n!.v);
        p++;
        if (peek()?.t !== 'rb') fail('expected "]"');
        p++;
      } else return path;
    }
  };
  const value = (): string => {
    const t = peek();
    if (t && (t.t === 'str' || t.t === 'num' || t.t === 'id')) {
      p++;
      return t.v;
    }
    return fail('expected value');
  };

  const match = (): Filter => {
    const t = peek();
    // value [not] in selector
    if (t && (t.t === 'str' || t.t === 'num')) {
      const v = value();
      let neg = false;
      if (isKw('not')) {
        neg = true;
        p++;
      }
      if (!isKw('in')) fail('expected "in"');
      p++;
      const sel = selector();
      return (item) => neg !== contains(resolve(item, sel), v);
    }
    const sel = selector();
    const op = peek();
    if (op?.t === 'op') {
      p++;
      const v = value();
      return op.v === '=='
        ? (item) => equals(resolve(item, sel), v)
        : (item) => !equals(resolve(item, sel), v);
    }
    if (isKw('is')) {
      p++;
      let neg = false;
      if (isKw('not')) {
        neg = true;
        p++;
      }
      if (!isKw('empty')) fail('expected "empty"');
      p++;
      return (item) => neg !== isEmpty(resolve(item, sel));
    }
    let neg = false;
    if (isKw('not')) {
      neg = true;
      p++;
    }
    if (isKw('contains')) {
      p++;
      const v = value();
      return (item) => neg !== contains(resolve(item, sel), v);
    }
    if (isKw('matches')) {
      p++;
      const v = value();
      let re: RegExp;
      try {
        re = new RegExp(v);
      } catch (e) {
        return fail(`invalid regular expression: ${(e as Error).message}`);
      }
      return (item) => {
        const x = resolve(item, sel);
        return neg !== (typeof x === 'string' && re.test(x));
      };
    }
    return fail('expected operator');
  };

  const unary = (): Filter => {
    if (isKw('not')) {
      p++;
      const f = unary();
      return (item) => !f(item);
    }
    if (peek()?.t === 'lp') {
      p++;
      const f = or();
      if (peek()?.t !== 'rp') fail('expected ")"');
      p++;
      return f;
    }
    return match();
  };
  const and = (): Filter => {
    let f = unary();
    while (isKw('and')) {
      p++;
      const l = f;
      const r = unary();
      f = (item) => l(item) && r(item);
    }
    return f;
  };
  const or = (): Filter => {
    let f = and();
    while (isKw('or')) {
      p++;
      const l = f;
      const r = and();
      f = (item) => l(item) || r(item);
    }
    return f;
  };

  if (!toks.length) fail('empty expression');
  const f = or();
  if (p < toks.length) fail('unexpected input');
  return f;
}

function resolve(item: unknown, path: string[]): unknown {
  let cur: unknown = item;
  for (const seg of path) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    const obj = cur as Record<string, unknown>;
    if (seg in obj) cur = obj[seg];
    else {
      // Field names match case-insensitively (bexpr on Go structs).
      const k = Object.keys(obj).find((x) => x.toLowerCase() === seg.toLowerCase());
      cur = k === undefined ? undefined : obj[k];
    }
  }
  return cur;
}

function equals(x: unknown, v: string): boolean {
  if (x === undefined || x === null) return v === '';
  if (typeof x === 'boolean') return String(x) === v;
  if (typeof x === 'number') return x === Number(v);
  return String(x) === v;
}

function contains(x: unknown, v: string): boolean {
  if (Array.isArray(x)) return x.some((e) => String(e) === v);
  if (typeof x === 'string') return x.includes(v);
  if (x && typeof x === 'object') return Object.hasOwn(x, v);
  return false;
}

function isEmpty(x: unknown): boolean {
  if (x === undefined || x === null || x === '') return true;
  if (Array.isArray(x)) return x.length === 0;
  if (typeof x === 'object') return Object.keys(x as object).length === 0;
  return false;
}
