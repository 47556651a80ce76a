import { h } from './dom';
import { highlight, type Validation, validate } from './highlight';

export interface CodeEditor {
  el: HTMLElement;
  textarea: HTMLTextAreaElement;
  value(): string;
  setValue(v: string): void;
  setType(t: string): void;
  check(): Validation;
}

/**
 * A textarea over a highlighted <pre>: the textarea keeps native editing, selection and
 * accessibility; the backdrop shows tokens. Tab inserts two spaces; Escape then Tab leaves.
 */
export function codeEditor(opts: {
  label: string;
  value: string;
  type: string;
  readonly?: boolean;
}): CodeEditor {
  let type = opts.type;
  const code = h('code');
  const pre = h('pre', { class: 'backdrop', 'aria-hidden': 'true' }, code);
  const ta = h('textarea', {
    class: 'code-input',
    spellcheck: 'false',
    autocapitalize: 'off',
    autocomplete: 'off',
    'aria-label': opts.label,
    readonly: opts.readonly,
    wrap: 'off',
  });
  ta.value = opts.value;
  const gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
  const status = h('div', { class: 'editor-status', role: 'status', 'aria-live': 'polite' });
  let escaped = false;

  const render = () => {
    // Trailing newline keeps the backdrop as tall as the textarea's last empty line.
    code.innerHTML = `${highlight(ta.value, type)}\n`;
    const lines = ta.value.split('\n').length;
    if (gutter.childElementCount !== lines)
      gutter.textContent = Array.from({ length: lines }, (_, i) => i + 1).join('\n');
    const v = validate(ta.value, type);
    status.textContent = v.ok
      ? type === 'text'
        ? ''
        : `✓ valid ${type}`
      : v.line
        ? `${v.message} (line ${v.line})`
        : v.message;
    status.className = `editor-status ${v.ok ? 'ok' : 'error'}`;
    ta.setAttribute('aria-invalid', String(!v.ok));
    return v;
  };
  const sync = () => {
    pre.scrollTop = ta.scrollTop;
    pre.scrollLeft = ta.scrollLeft;
    gutter.scrollTop = ta.scrollTop;
  };
  ta.addEventListener('input', () => {
    render();
    sync();
  });
  ta.addEventListener('scroll', sync);
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      escaped = true;
      return;
    }
    if (e.key === 'Tab' && !escaped && !e.shiftKey && !opts.readonly) {
      e.preventDefault();
      const { selectionStart: s, selectionEnd: end } = ta;
      ta.setRangeText('  ', s, end, 'end');
      render();
    }
    escaped = false;
  });
  render();
  const el = h(
    'div',
    { class: 'editor' },
    h('div', { class: 'editor-frame' }, gutter, h('div', { class: 'editor-area' }, pre, ta)),
    status,
    h('small', { class: 'hint' }, 'Tab indents; press Escape then Tab to move focus out of the editor.'),
  );
  return {
    el,
    textarea: ta,
    value: () => ta.value,
    setValue(v) {
      ta.value = v;
      render();
    },
    setType(t) {
      type = t;
      render();
    },
    check: () => render(),
  };
}
