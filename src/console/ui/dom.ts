/** Tiny DOM helpers: no framework, every page is plain elements built by `h`. */

type Child = Node | string | number | false | null | undefined | Child[];
type Attrs = Record<string, unknown>;

/** `h('button', { class: 'primary', onclick: fn }, 'Save')`. `on*` attrs become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v);
    else if (k === 'checked' && el instanceof HTMLInputElement) el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Element, ...children: Child[]) {
  el.replaceChildren();
  append(el, children);
}

let uid = 0;
/** A labelled form field; returns the wrapper and the control. */
export function field<T extends HTMLElement>(label: string, control: T, hint?: string): HTMLElement {
  const id = control.id || `f${++uid}`;
  control.id = id;
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

export function input(attrs: Attrs = {}): HTMLInputElement {
  return h('input', { type: 'text', ...attrs });
}

export function select(
  options: Array<[string, string]>,
  value: string,
  attrs: Attrs = {},
): HTMLSelectElement {
  return h(
    'select',
    attrs,
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
  );
}

export function button(label: string, onclick: (e: Event) => unknown, attrs: Attrs = {}): HTMLButtonElement {
  return h('button', { type: 'button', onclick, ...attrs }, label);
}

/** Status messages in one live region (errors stay until dismissed, successes fade). */
export function toast(message: string, kind: 'ok' | 'error' = 'ok') {
  let region = document.getElementById('toasts');
  if (!region) {
    region = h('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(region);
  }
  const close = button('×', () => item.remove(), { class: 'link', 'aria-label': 'Dismiss' });
  const item = h(
    'div',
    { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : undefined },
    message,
    close,
  );
  region.append(item);
  if (kind === 'ok') setTimeout(() => item.remove(), 4000);
}

/**
 * A modal dialog (native <dialog>: focus trap and Escape for free). Resolves with what `body`'s
 * buttons pass to `done`, or undefined when dismissed.
 */
export function modal<T>(
  title: string,
  body: (done: (v?: T) => void) => Node | Node[],
  opts: { wide?: boolean } = {},
): Promise<T | undefined> {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: opts.wide ? 'wide' : undefined, 'aria-labelledby': 'dlg-title' });
    let settled = false;
    const done = (v?: T) => {
      if (settled) return;
      settled = true;
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    dlg.addEventListener('close', () => done());
    append(dlg, [
      h(
        'header',
        null,
        h('h2', { id: 'dlg-title' }, title),
        button('×', () => done(), { class: 'link', 'aria-label': 'Close' }),
      ),
      h('div', { class: 'dlg-body' }, body(done)),
    ]);
    document.body.append(dlg);
    dlg.showModal();
  });
}

export async function confirmDialog(
  title: string,
  message: Child,
  confirmLabel = 'Confirm',
): Promise<boolean> {
  const r = await modal<boolean>(title, (done) => [
    h('div', null, message as any),
    h(
      'div',
      { class: 'actions' },
      button('Cancel', () => done(false)),
      button(confirmLabel, () => done(true), { class: 'primary', autofocus: true }),
    ),
  ]);
  return r === true;
}

export function fmtTime(ms: number | string | undefined): string {
  if (ms === undefined || ms === null || ms === '') return '';
  const d = new Date(typeof ms === 'string' && /^\d+$/.test(ms) ? Number(ms) : ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toLocaleString();
}

/** Pager: "‹ Prev  Page 2 of 5 (83)  Next ›". */
export function pager(page: number, total: number, size: number, go: (p: number) => void): HTMLElement {
  const pages = Math.max(1, Math.ceil(total / size));
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    button('‹ Prev', () => go(page - 1), { disabled: page <= 1 }),
    h('span', null, `Page ${page} of ${pages} (${total})`),
    button('Next ›', () => go(page + 1), { disabled: page >= pages }),
  );
}

export function table(headers: Child[], rows: Child[][], attrs: Attrs = {}): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((x) => h('th', { scope: 'col' }, x as any)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.length
          ? rows.map((r) =>
              h(
                'tr',
                null,
                r.map((c) => h('td', null, c as any)),
              ),
            )
          : h('tr', null, h('td', { colspan: headers.length, class: 'empty' }, 'No data')),
      ),
    ),
  );
}

/** The search toolbar of a list page: labelled fields and one submit button. */
export function searchForm(
  fields: HTMLElement[],
  submitLabel: string,
  onSubmit: () => void,
): HTMLFormElement {
  return h(
    'form',
    {
      class: 'toolbar',
      role: 'search',
      onsubmit: (e: Event) => {
        e.preventDefault();
        onSubmit();
      },
    },
    fields,
    h('button', { type: 'submit', class: 'primary' }, submitLabel),
  );
}

/**
 * A form in a modal; `submit` runs on Save, and what it throws is shown in the form (the dialog stays
 * open); on success the dialog closes and `after` runs.
 */
export function formDialog(
  title: string,
  fields: Node[],
  submit: () => Promise<unknown>,
  after: () => void = () => {},
) {
  void modal(title, (done) => {
    const err = h('p', { class: 'form-error', role: 'alert' });
    return h(
      'form',
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          try {
            await submit();
            done();
            after();
          } catch (ex) {
            err.textContent = (ex as Error).message;
          }
        },
      },
      fields,
      err,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save')),
    );
  });
}
