import { h } from './dom';

export type DiffOp = { kind: 'same' | 'del' | 'add'; a?: number; b?: number; text: string };

/** Line diff by longest common subsequence (contents are config-sized: thousands of lines at most). */
export function diffLines(before: string, after: string): DiffOp[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) {
    // Too large for the table: everything removed, then added.
    return [
      ...a.map((t, i) => ({ kind: 'del' as const, a: i + 1, text: t })),
      ...b.map((t, i) => ({ kind: 'add' as const, b: i + 1, text: t })),
    ];
  }
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: 'same', a: i + 1, b: j + 1, text: a[i]! });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push({ kind: 'add', b: j + 1, text: b[j]! });
      j++;
    } else {
      out.push({ kind: 'del', a: i + 1, text: a[i]! });
      i++;
    }
  }
  return out;
}

/** Side-by-side table: left = before, right = after; changed rows pair deletions with additions. */
export function diffView(before: string, after: string, labels: [string, string]): HTMLElement {
  const ops = diffLines(before, after);
  const rows: HTMLElement[] = [];
  let k = 0;
  while (k < ops.length) {
    const op = ops[k]!;
    if (op.kind === 'same') {
      rows.push(row(op, op));
      k++;
      continue;
    }
    const dels: DiffOp[] = [];
    const adds: DiffOp[] = [];
    while (k < ops.length && ops[k]!.kind !== 'same') {
      const o = ops[k++]!;
      (o.kind === 'del' ? dels : adds).push(o);
    }
    for (let x = 0; x < Math.max(dels.length, adds.length); x++) rows.push(row(dels[x], adds[x]));
  }
  const added = ops.filter((o) => o.kind === 'add').length;
  const removed = ops.filter((o) => o.kind === 'del').length;
  return h(
    'div',
    { class: 'diff', role: 'region', 'aria-label': 'Differences' },
    h(
      'p',
      { class: 'diff-summary' },
      added || removed ? `${added} line(s) added, ${removed} removed` : 'No differences',
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'diff-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { colspan: 2, scope: 'col' }, labels[0]),
            h('th', { colspan: 2, scope: 'col' }, labels[1]),
          ),
        ),
        h('tbody', null, rows),
      ),
    ),
  );
}

function row(left: DiffOp | undefined, right: DiffOp | undefined): HTMLElement {
  const cls = (o: DiffOp | undefined) => (!o ? 'none' : o.kind === 'same' ? '' : o.kind);
  const mark = (o: DiffOp | undefined) => (o?.kind === 'del' ? '− ' : o?.kind === 'add' ? '+ ' : '');
  return h(
    'tr',
    null,
    h('td', { class: 'ln' }, left?.a ?? ''),
    h('td', { class: `code ${cls(left)}` }, left ? mark(left) + left.text : ''),
    h('td', { class: 'ln' }, right?.b ?? ''),
    h(
      'td',
      { class: `code ${cls(right?.kind === 'del' ? undefined : right)}` },
      right ? mark(right) + right.text : '',
    ),
  );
}
