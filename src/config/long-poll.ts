import { type Clock, systemClock } from '../core/clock';
import { InvalidArgument, Unavailable } from '../core/errors';
import { type StateStore, waitForTopics } from '../state';
import { type ClientLabels, type ConfigKey, normalizeNamespace } from './config-model';
import type { ConfigService } from './config-service';

/** One entry of `Listening-Configs`: the key, the client's md5 and the tenant exactly as sent. */
export interface ListenEntry {
  key: ConfigKey;
  md5: string;
  /** Raw tenant from the wire ('' when the client sent none or a blank one). */
  wireTenant: string;
}

const WORD = '\u0002';
const LINE = '\u0001';
const MAX_ENTRIES = 10_000;

/**
 * Java `URLDecoder.decode(s, "UTF-8")`: `+` → space, `%XX` as UTF-8. Throws on a malformed escape.
 */
export function javaUrlDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/** Java `URLEncoder.encode(s, "UTF-8")`: like encodeURIComponent, but space → `+` and `!'()~` escaped. */
export function javaUrlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * Parses the `Listening-Configs` form value (already form-decoded once by the HTTP layer).
 * compat(nacos-v1): the server URL-decodes it a second time (ConfigController.listener), then
 * splits entries on \u0001 and fields on \u0002: `dataId␂group␂md5␁` or `dataId␂group␂md5␂tenant␁`
 * (MD5Util.getClientMd5Map). Malformed input ⇒ 400 `invalid probeModify`.
 */
export function parseListeningConfigs(raw: string | undefined): ListenEntry[] {
  const invalid = () => new InvalidArgument('invalid probeModify');
  if (!raw || raw.trim() === '') throw invalid();
  let s: string;
  try {
    s = javaUrlDecode(raw);
  } catch {
    throw invalid();
  }
  const out = new Map<string, ListenEntry>();
  let start = 0;
  let fields: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === WORD) {
      fields.push(s.slice(start, i));
      start = i + 1;
      if (fields.length > 3) throw invalid();
    } else if (c === LINE) {
      const end = s.slice(start, i);
      start = i + 1;
      if (fields.length < 2) throw invalid();
      const [dataId, group] = fields as [string, string];
      const md5 = fields.length === 2 ? end : fields[2]!;
      const wireTenant = fields.length === 2 ? '' : end.trim();
      const key = { namespaceId: normalizeNamespace(wireTenant), group, dataId };
      out.set(`${key.namespaceId}/${group}/${dataId}`, { key, md5, wireTenant });
      fields = [];
      if (out.size > MAX_ENTRIES) throw invalid();
    }
  }
  return [...out.values()];
}

/**
 * The long-poll response body: changed keys `dataId␂group[␂tenant]␁`, Java-URL-encoded, plus the
 * newline of `PrintWriter.println`. The tenant is echoed as the client sent it, omitted when blank.
 */
export function formatChanged(changed: ListenEntry[]): string {
  if (!changed.length) return '';
  let s = '';
  for (const e of changed) {
    s += e.key.dataId + WORD + e.key.group;
    if (e.wireTenant) s += WORD + e.wireTenant;
    s += LINE;
  }
  return `${javaUrlEncode(s)}\n`;
}

/** Nacos `Protocol.getVersionNumber`: digits of each dot part concatenated in base 10 ("2.0.4" → 204). */
export function clientVersionNumber(version: string | undefined): number {
  if (version === undefined) return -1;
  let sum = 0;
  for (const part of version.split('.')) {
    const n = Number.parseInt(part, 10);
    if (/^[+-]?\d+$/.test(part.trim()) && Number.isFinite(n)) sum = sum * 10 + n;
  }
  return sum;
}

/**
 * compat(nacos-v1): short polls from clients older than 2.0.4 (`Client-Version`) also get the
 * result in headers: `Probe-Modify-Response` (`dataId:group;`…) and `Probe-Modify-Response-New`.
 */
export function legacyProbeHeaders(
  clientVersion: string | undefined,
  changed: ListenEntry[],
): Record<string, string> {
  if (clientVersionNumber(clientVersion ?? '2.0.0') >= 204) return {};
  return {
    'Probe-Modify-Response': changed.map((e) => `${e.key.dataId}:${e.key.group};`).join(''),
    'Probe-Modify-Response-New': formatChanged(changed).trimEnd(),
  };
}

export interface LongPollOptions {
  entries: ListenEntry[];
  labels: ClientLabels;
  /** `Long-Pulling-Timeout` in ms; undefined = short polling (answer at once). */
  timeoutMs?: number;
  /** `Long-Pulling-Timeout-No-Hangup: true`: answer at once when nothing changed. */
  noHangup?: boolean;
  signal?: AbortSignal;
}

/**
 * HTTP long polling over the shared state's watch core (no timers polling the store).
 *
 * Contract: answers at once with the entries whose md5 differs from what `labels` would get.
 * Otherwise holds for max(minHoldMs, timeout − 500 ms) and answers as soon as a write touches one of
 * the watched config keys and changes an md5; on timeout, abort (client gone or server shutdown)
 * it answers with no entries.
 */
export class LongPoller {
  private waiting = 0;

  constructor(
    private readonly state: StateStore,
    private readonly service: ConfigService,
    private readonly opts: { maxWaiters: number; minHoldMs: number; clock?: Clock },
  ) {}

  /** Requests currently held. */
  get waiters(): number {
    return this.waiting;
  }

  changed(entries: ListenEntry[], labels: ClientLabels): ListenEntry[] {
    return entries.filter((e) => this.service.md5Of(e.key, labels) !== e.md5);
  }

  async poll(o: LongPollOptions): Promise<ListenEntry[]> {
    let changed = this.changed(o.entries, o.labels);
    if (changed.length || o.timeoutMs === undefined || o.noHangup) return changed;
    if (this.waiting >= this.opts.maxWaiters) throw new Unavailable('too many long-polling listeners');
    const clock = this.opts.clock ?? systemClock;
    // compat(nacos): LongPollingService holds max(10 s, timeout − 500 ms).
    const hold = Math.max(this.opts.minHoldMs, o.timeoutMs - 500);
    const deadline = clock.now() + hold;
    const topics = o.entries.map((e) => this.service.topic(e.key));
    const ip = o.labels.clientIp ?? '';
    for (const e of o.entries) this.service.listeners.add(e.key, ip, e.md5);
    this.waiting++;
    try {
      for (;;) {
        const remaining = deadline - clock.now();
        if (remaining <= 0 || o.signal?.aborted) return [];
        const woke = await waitForTopics(this.state, topics, remaining, clock, o.signal);
        if (!woke) return [];
        changed = this.changed(o.entries, o.labels);
        if (changed.length) return changed;
      }
    } finally {
      this.waiting--;
      for (const e of o.entries) this.service.listeners.remove(e.key, ip);
    }
  }
}
