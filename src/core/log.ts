import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';
const RANK: Record<Level, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };
export type Fields = Record<string, unknown>;

export interface Logger {
  trace(msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  enabled(level: Level): boolean;
  /** A logger for a sub-category, e.g. `log.child('naming')` → target `naming`. */
  child(category: string): Logger;
}

/**
 * RUST_LOG-style directives: `info`, `batata=debug,storage=warn`, `naming.health=trace`.
 * A bare level sets the default; `target=level` applies to that category and its children
 * (`storage` matches `storage` and `storage.mysql`). `batata` names the whole server.
 */
export class LevelFilter {
  private readonly defaultLevel: Level;
  private readonly rules: Array<[string, Level]>;
  private readonly cache = new Map<string, number>();

  constructor(spec: string | undefined, fallback: Level = 'info') {
    let def: Level = fallback;
    const rules: Array<[string, Level]> = [];
    for (const raw of (spec ?? '').split(',')) {
      const part = raw.trim();
      if (!part) continue;
      const eq = part.indexOf('=');
      if (eq < 0) {
        if (isLevel(part)) def = part;
        continue;
      }
      const target = part.slice(0, eq).trim();
      const lvl = part
        .slice(eq + 1)
        .trim()
        .toLowerCase();
      if (!isLevel(lvl)) continue;
      if (target === 'batata') def = lvl;
      else rules.push([target, lvl]);
    }
    rules.sort((a, b) => b[0].length - a[0].length);
    this.defaultLevel = def;
    this.rules = rules;
  }

  static isValid(spec: string): boolean {
    return spec.split(',').every((raw) => {
      const part = raw.trim();
      if (!part) return true;
      const eq = part.indexOf('=');
      return isLevel((eq < 0 ? part : part.slice(eq + 1)).trim().toLowerCase());
    });
  }

  minRank(category: string): number {
    let r = this.cache.get(category);
    if (r === undefined) {
      const rule = this.rules.find(([t]) => category === t || category.startsWith(`${t}.`));
      r = RANK[rule ? rule[1] : this.defaultLevel];
      this.cache.set(category, r);
    }
    return r;
  }
}

function isLevel(s: string): s is Level {
  return s in RANK;
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|credential|identity-value/i;

/** Replaces values of secret-looking fields so that tokens and passwords never reach a log. */
export function redact(fields: Fields): Fields {
  let out: Fields | undefined;
  for (const k in fields) {
    if (SECRET_KEY.test(k) && fields[k] !== undefined) {
      out ??= { ...fields };
      out[k] = '***';
    }
  }
  return out ?? fields;
}

export interface LogSink {
  /** Overrides the logger's format for this sink (files are always JSON). */
  format?: 'json' | 'text';
  write(line: string): void;
  flush(): void;
  close(): void;
}

export interface LoggerOptions {
  filter: LevelFilter;
  sinks: LogSink[];
  /** `json` writes one JSON object per line; `text` writes `time LEVEL target msg k=v`. */
  format?: 'json' | 'text';
}

export class Log implements Logger {
  constructor(
    private readonly opts: LoggerOptions,
    private readonly category = 'batata',
  ) {}

  enabled(level: Level): boolean {
    return RANK[level] >= this.opts.filter.minRank(this.category);
  }

  child(category: string): Logger {
    const name = this.category === 'batata' ? category : `${this.category}.${category}`;
    return new Log(this.opts, name);
  }

  trace(msg: string, fields?: Fields) {
    this.emit('trace', msg, fields);
  }
  debug(msg: string, fields?: Fields) {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: Fields) {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: Fields) {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: Fields) {
    this.emit('error', msg, fields);
  }

  private emit(level: Level, msg: string, fields?: Fields) {
    if (!this.enabled(level)) return;
    const f = fields ? redact(fields) : undefined;
    const line =
      this.opts.format === 'text'
        ? textLine(level, this.category, msg, f)
        : jsonLine(level, this.category, msg, f);
    for (const s of this.opts.sinks) s.write(line);
  }
}

function jsonLine(level: Level, target: string, msg: string, f?: Fields): string {
  const rec: Fields = { ts: new Date().toISOString(), level, target, msg };
  if (f) for (const k in f) rec[k] = errorToPlain(f[k]);
  return `${JSON.stringify(rec)}\n`;
}

function textLine(level: Level, target: string, msg: string, f?: Fields): string {
  let s = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${target}: ${msg}`;
  if (f) for (const k in f) s += ` ${k}=${formatValue(errorToPlain(f[k]))}`;
  return `${s}\n`;
}

function errorToPlain(v: unknown): unknown {
  if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack };
  return v;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** Lines are buffered and written together every 200 ms, when 256 are waiting, and on close. */
abstract class BufferedSink implements LogSink {
  private buf: string[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  constructor() {
    this.timer = setInterval(() => this.flush(), 200);
    this.timer.unref?.();
  }
  write(line: string) {
    this.buf.push(line);
    if (this.buf.length > 256) this.flush();
  }
  flush() {
    if (!this.buf.length) return;
    const data = this.buf.join('');
    this.buf = [];
    this.writeOut(data);
  }
  close() {
    clearInterval(this.timer);
    this.flush();
  }
  protected abstract writeOut(data: string): void;
}

/** Buffered sink over a file descriptor (stdout). */
export class StreamSink extends BufferedSink {
  constructor(private readonly fd: number) {
    super();
  }
  protected writeOut(data: string) {
    try {
      writeSync(this.fd, data);
    } catch {
      // stdout closed (EPIPE): nothing sensible to do with a log line.
    }
  }
}

/** File sink with size-based rotation: `batata.log` → `batata.log.1` … `.N`. */
export class RotatingFileSink extends BufferedSink {
  readonly format = 'json' as const;
  private fd: number;
  private size: number;

  constructor(
    private readonly path: string,
    private readonly maxBytes = 50 * 1024 * 1024,
    private readonly keep = 5,
  ) {
    super();
    mkdirSync(join(path, '..'), { recursive: true });
    this.fd = openSync(path, 'a');
    this.size = existsSync(path) ? statSync(path).size : 0;
  }

  protected writeOut(data: string) {
    writeSync(this.fd, data);
    this.size += Buffer.byteLength(data);
    if (this.size >= this.maxBytes) this.rotate();
  }

  private rotate() {
    closeSync(this.fd);
    const last = `${this.path}.${this.keep}`;
    if (existsSync(last)) unlinkSync(last);
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = `${this.path}.${i}`;
      if (existsSync(from)) renameSync(from, `${this.path}.${i + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }

  override close() {
    super.close();
    closeSync(this.fd);
  }
}

/** Collects lines in memory; for tests. */
export class MemorySink implements LogSink {
  lines: string[] = [];
  write(line: string) {
    this.lines.push(line);
  }
  flush() {}
  close() {}
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = new Log({ filter: new LevelFilter('off'), sinks: [] });
