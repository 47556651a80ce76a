/**
 * Go `encoding/json` decode errors, worded as Consul returns them inside its 400 bodies
 * (`Failed to parse body: …`, `Request decode failed: …`). JSON `null` is never an error in Go: it
 * leaves the zero value.
 */

/** How Go names a JSON value in `UnmarshalTypeError` (`number` carries its literal for integer targets). */
export function goJsonKind(v: unknown, integerTarget = false): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return integerTarget ? `number ${JSON.stringify(v)}` : 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/**
 * `json: cannot unmarshal <kind> into Go struct field <Struct>.<path> of type <type>`, or
 * `… into Go value of type <type>` when `field` is empty (a top-level or slice element).
 */
export function goTypeError(v: unknown, type: string, field?: { struct: string; path: string }): string {
  const kind = goJsonKind(v, /^u?int\d*$/.test(type));
  const into = field ? `Go struct field ${field.struct}.${field.path}` : 'Go value';
  return `json: cannot unmarshal ${kind} into ${into} of type ${type}`;
}

/** Whether `v` decodes into a Go uint64 (a JSON integer literal in range; null is the zero value). */
export function isGoUint64(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'bigint') return v >= 0n && v <= 18446744073709551615n;
  if (typeof v === 'string') return /^\d+$/.test(v) && BigInt(v) <= 18446744073709551615n;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

const B64 = /^[A-Za-z0-9+/]$/;

/**
 * Strict standard base64 as Go's `base64.StdEncoding` decodes `[]byte` fields (padding required,
 * CR/LF skipped). Returns Go's `illegal base64 data at input byte N`, or undefined when valid.
 */
export function goBase64Error(s: string): string | undefined {
  const chars = [...s].map((c, i) => ({ c, i })).filter(({ c }) => c !== '\r' && c !== '\n');
  const bad = (i: number) => `illegal base64 data at input byte ${i}`;
  for (let q = 0; q < chars.length; q += 4) {
    const quantum = chars.slice(q, q + 4);
    if (quantum.length < 4) return bad(quantum[0]!.i);
    const pad = quantum.findIndex(({ c }) => c === '=');
    for (let j = 0; j < 4; j++) {
      const { c, i } = quantum[j]!;
      if (pad >= 0 && j >= pad ? c !== '=' : !B64.test(c)) return bad(i);
    }
    if (pad < 0) continue;
    // Padding needs two data characters before it and ends the input.
    if (pad < 2) return bad(quantum[pad]!.i);
    if (q + 4 < chars.length) return bad(chars[q + 4]!.i);
  }
  return undefined;
}
