import { parseDocument } from 'yaml';

/** Config content types the editor knows (Nacos `type`). */
export const CONFIG_TYPES = ['text', 'json', 'yaml', 'properties', 'xml', 'html', 'toml'] as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const span = (cls: string, s: string) => `<span class="t-${cls}">${esc(s)}</span>`;

/** Applies ordered token rules (sticky regexes) over the text; unmatched characters pass through. */
function tokenize(text: string, rules: Array<[RegExp, string | ((m: RegExpExecArray) => string)]>): string {
  let out = '';
  let i = 0;
  let plain = '';
  outer: while (i < text.length) {
    for (const [re, cls] of rules) {
      re.lastIndex = i;
      const m = re.exec(text);
      if (m && m[0].length > 0) {
        out += esc(plain);
        plain = '';
        out += typeof cls === 'string' ? span(cls, m[0]) : cls(m);
        i += m[0].length;
        continue outer;
      }
    }
    plain += text[i++];
  }
  return out + esc(plain);
}

const JSON_RULES: Array<[RegExp, string | ((m: RegExpExecArray) => string)]> = [
  [/"(?:[^"\\\n]|\\.)*"(?=\s*:)/y, 'key'],
  [/"(?:[^"\\\n]|\\.)*"?/y, 'str'],
  [/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y, 'num'],
  [/\b(?:true|false|null)\b/y, 'kw'],
  [/[{}[\],:]/y, 'punc'],
];

const YAML_RULES: Array<[RegExp, string | ((m: RegExpExecArray) => string)]> = [
  [/(^|(?<=\s))#.*/my, 'comment'],
  [/^(?:---|\.\.\.)\s*$/my, 'punc'],
  [
    /(^[ \t]*(?:- +)?)([^\s#'"][^:#\n]*?|"[^"\n]*"|'[^'\n]*')(\s*:)(?=\s|$)/my,
    (m) => esc(m[1]!) + span('key', m[2]!) + span('punc', m[3]!),
  ],
  [/"(?:[^"\\\n]|\\.)*"?|'[^'\n]*'?/y, 'str'],
  [/(?<=[\s:\-[,]|^)-?\d+(?:\.\d+)?(?=\s*$|\s*[#,\]])/my, 'num'],
  [/(?<=[\s:[,]|^)(?:true|false|null|yes|no|on|off|~)(?=\s*$|\s*[#,\]])/imy, 'kw'],
  [/[&*][\w-]+|!{1,2}[\w-]*/y, 'anchor'],
];

const PROP_RULES: Array<[RegExp, string | ((m: RegExpExecArray) => string)]> = [
  [/^[ \t]*[#!].*/my, 'comment'],
  [
    /(^[ \t]*)((?:[^\s=:\\]|\\.)+)([ \t]*[=:][ \t]*|[ \t]+)/my,
    (m) => esc(m[1]!) + span('key', m[2]!) + span('punc', m[3]!),
  ],
  [/\$\{[^}\n]*\}/y, 'kw'],
];

const XML_RULES: Array<[RegExp, string | ((m: RegExpExecArray) => string)]> = [
  [/<!--[\s\S]*?(?:-->|$)/y, 'comment'],
  [/<!\[CDATA\[[\s\S]*?(?:\]\]>|$)/y, 'str'],
  [/<\?[\s\S]*?(?:\?>|$)/y, 'comment'],
  [/<\/?[\w:.-]+/y, 'tag'],
  [/\/?>/y, 'tag'],
  [/[\w:.-]+(?==)/y, 'key'],
  [/"[^"]*"|'[^']*'/y, 'str'],
  [/&[#\w]+;/y, 'kw'],
];

/** HTML with `<span class="t-…">` tokens for the editor's backdrop. */
export function highlight(text: string, type: string): string {
  switch (type) {
    case 'json':
      return tokenize(text, JSON_RULES);
    case 'yaml':
      return tokenize(text, YAML_RULES);
    case 'properties':
      return tokenize(text, PROP_RULES);
    case 'xml':
    case 'html':
      return tokenize(text, XML_RULES);
    default:
      return esc(text);
  }
}

export interface Validation {
  ok: boolean;
  message: string;
  line?: number;
}

const OK: Validation = { ok: true, message: '' };

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Syntax check per type; `line` is 1-based when known. Empty content is left to the server. */
export function validate(text: string, type: string): Validation {
  if (!text.trim()) return OK;
  switch (type) {
    case 'json':
      try {
        JSON.parse(text);
        return OK;
      } catch (e) {
        const msg = (e as Error).message;
        const pos = /position (\d+)/.exec(msg);
        const lineCol = /line (\d+)/.exec(msg);
        const line = pos ? lineOf(text, Number(pos[1])) : lineCol ? Number(lineCol[1]) : undefined;
        return { ok: false, message: `Invalid JSON: ${msg}`, line };
      }
    case 'yaml': {
      const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
      const err = doc.errors[0];
      if (!err) return OK;
      const line = err.linePos?.[0]?.line ?? lineOf(text, err.pos[0]);
      return { ok: false, message: `Invalid YAML: ${err.message.split('\n')[0]}`, line };
    }
    case 'properties': {
      const lines = text.split('\n');
      let continued = false;
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!;
        const t = l.trim();
        const wasContinued = continued;
        continued = /(^|[^\\])(\\\\)*\\$/.test(l);
        if (wasContinued || !t || t.startsWith('#') || t.startsWith('!')) continue;
        if (/^[=:]/.test(t))
          return { ok: false, message: `Invalid properties: line ${i + 1} has no key`, line: i + 1 };
        if (/\\u(?![0-9a-fA-F]{4})/.test(l))
          return {
            ok: false,
            message: `Invalid properties: malformed \\uXXXX escape on line ${i + 1}`,
            line: i + 1,
          };
      }
      return OK;
    }
    case 'xml': {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const err = doc.querySelector('parsererror');
      if (!err) return OK;
      const msg = (err.textContent ?? 'malformed XML').replace(/\s+/g, ' ').trim();
      const line = /line (?:number )?(\d+)/i.exec(msg);
      return { ok: false, message: `Invalid XML: ${msg}`, line: line ? Number(line[1]) : undefined };
    }
    default:
      return OK;
  }
}
