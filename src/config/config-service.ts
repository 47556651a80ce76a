import type { Clock } from '../core/clock';
import { InvalidArgument, NacosCode } from '../core/errors';
import type { Logger } from '../core/log';
import {
  type Change,
  GroupCommit,
  type StateStore,
  type Table,
  type Topic,
  type WriteContext,
} from '../state';
import type { ConfigCipher } from './config-cipher';
import { ConfigCasMismatch, ConfigNotFound, HistoryNotFound } from './config-errors';
import {
  BETA_GRAY_NAME,
  betaRule,
  blurMatcher,
  type ClientLabels,
  CONFIG_TABLE,
  type ConfigItem,
  type ConfigKey,
  type ConfigRecord,
  type ConfigView,
  checkAdvance,
  checkContent,
  checkTag,
  configStateKey,
  type GrayItem,
  type GrayRule,
  type HistoryEntry,
  md5Hex,
  normalizeType,
  parseConfigKey,
  parseTags,
  selectVersion,
  tagGrayName,
  tagRule,
} from './config-model';
import type { ConfigRepo, HistoryInput, SaveOp, StoredConfig, StoredGray } from './config-repo';
import { ListenerTracker } from './listener-tracker';

/**
 * A publish, as every transport hands it over (HTTP v1/v2/v3 forms, gRPC ConfigPublishRequest).
 * Raw wire values: the service validates and normalises them.
 */
export interface PublishInput {
  dataId: string;
  group: string;
  /** Wire tenant / namespaceId; blank or `public` = default namespace. */
  namespaceId?: string;
  content: string;
  type?: string;
  appName?: string;
  desc?: string;
  use?: string;
  effect?: string;
  schema?: string;
  /** Comma list (`config_tags` / `configTags`). */
  configTags?: string;
  encryptedDataKey?: string;
  srcUser?: string;
  srcIp?: string;
  /** Compare-and-set: publish only if the current md5 equals this. */
  casMd5?: string;
  /** Non-blank ⇒ beta gray publish for these comma-separated client IPs. */
  betaIps?: string;
  /** Non-blank ⇒ tag gray publish (`gray_name` = `tag_<tag>`). */
  tag?: string;
}

export interface RemoveInput {
  dataId: string;
  group: string;
  namespaceId?: string;
  /** Removes only the tag gray `tag_<tag>`. */
  tag?: string;
  srcUser?: string;
  srcIp?: string;
}

export interface SearchInput {
  namespaceId?: string;
  dataId?: string;
  group?: string;
  appName?: string;
  /** Comma list; a config matches if it has any of them. */
  configTags?: string;
  /** Comma list of types (blur only). */
  types?: string;
  /** Substring of content (v3 `configDetail`). */
  content?: string;
  mode: 'accurate' | 'blur';
  pageNo: number;
  pageSize: number;
}

export interface Page<T> {
  totalCount: number;
  pageNumber: number;
  pagesAvailable: number;
  pageItems: T[];
}

export interface ConfigEntry {
  key: ConfigKey;
  item: ConfigItem;
}

export interface ConfigServiceOptions {
  maxContentBytes: number;
  /** Encrypts `cipher-…` dataIds at rest (Nacos encryption plugin); absent = store as sent. */
  cipher?: ConfigCipher;
  onPublish?: (kind: 'formal' | 'beta' | 'tag') => void;
  onQuery?: () => void;
}

/** Most publishes applied in one group commit. */
const MAX_BATCH = 256;

interface Prepared {
  key: ConfigKey;
  stateKey: string;
  input: PublishInput;
  /** Content as stored (encrypted for `cipher-` dataIds). */
  stored: string;
  md5: string;
  encryptedDataKey: string;
  gray?: { grayName: string; rule: GrayRule };
}

interface Queued {
  p: Prepared;
  failed?: unknown;
}

/** A line of a diff between two contents. */
export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
}

/**
 * The configuration service: every transport (HTTP v1/v2/v3, console, gRPC, CLI) calls this.
 *
 * Reads come from the shared state (`config` table, one `ConfigRecord` per key, see
 * `configStateKey`), never from the database. Writes go state.write → repo (config row and history
 * row in one transaction) → staged state change, so watchers of the key wake only after the change
 * is durable.
 */
export class ConfigService {
  readonly table: Table<ConfigRecord>;
  /** Current listeners per config (HTTP long polls; gRPC may register its own). */
  readonly listeners = new ListenerTracker();
  /** Group commit: concurrent publishes share one state write and one DB transaction. */
  private readonly publishes = new GroupCommit<Prepared>(async (ps) => {
    const batch: Queued[] = ps.map((p) => ({ p }));
    await this.state.write((w) => this.applyBatch(w, batch));
    return batch.map((q) => (q.failed ? { error: q.failed } : { value: undefined }));
  }, MAX_BATCH);

  constructor(
    private readonly state: StateStore,
    private readonly repo: ConfigRepo,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: ConfigServiceOptions,
  ) {
    this.table = state.table<ConfigRecord>(CONFIG_TABLE);
  }

  /** Loads every stored config into the state; call once at boot before serving. */
  async load(): Promise<number> {
    const { configs, grays } = await this.repo.loadAll();
    const recs = buildConfigRecords(configs, grays);
    this.state.applyNow((w) => {
      for (const [k, r] of recs) w.put(this.table, k, r);
    });
    this.log.info('configs loaded', { configs: configs.length, grays: grays.length });
    return recs.size;
  }

  // ---- reads ----

  /** The stored record (formal + grays), or undefined. */
  record(key: ConfigKey): ConfigRecord | undefined {
    return this.table.get(configStateKey(key))?.value;
  }

  /** What a client with `labels` sees (gray-aware); undefined when nothing matches. Counts a query. */
  query(key: ConfigKey, labels: ClientLabels = {}): ConfigView | undefined {
    this.opts.onQuery?.();
    return selectVersion(this.record(key), labels);
  }

  /**
   * Plain content of a stored version: decrypts `cipher-` configs stored encrypted (HTTP reads
   * serve plain content; gRPC/v3-client return the stored content plus `encryptedDataKey`).
   */
  plainContent(dataId: string, v: { content: string; encryptedDataKey: string }): string {
    return v.encryptedDataKey && this.opts.cipher?.applies(dataId)
      ? this.opts.cipher.decrypt(v.encryptedDataKey, v.content)
      : v.content;
  }

  /** Like `query` but throws ConfigNotFound. */
  getOrThrow(key: ConfigKey, labels: ClientLabels = {}): ConfigView {
    const v = this.query(key, labels);
    if (!v) throw new ConfigNotFound();
    return v;
  }

  /** md5 a client with `labels` should hold; '' when the config does not exist (Nacos `Constants.NULL`). */
  md5Of(key: ConfigKey, labels: ClientLabels = {}): string {
    return selectVersion(this.record(key), labels)?.md5 ?? '';
  }

  /** The state topic to watch for any change (formal or gray) of one config. */
  topic(key: ConfigKey): Topic {
    return { kind: 'key', table: CONFIG_TABLE, key: configStateKey(key) };
  }

  /**
   * Calls `fn` after each commit with the configs that changed (formal or gray, put or delete).
   * Synchronous and must not block (gRPC push queues its own work). Returns an unsubscribe function.
   */
  onChange(fn: (keys: ConfigKey[], index: number) => void): () => void {
    return this.state.subscribe((changes: Change[], index) => {
      const keys: ConfigKey[] = [];
      for (const c of changes)
        if (c.table === CONFIG_TABLE) {
          const rec = (c.value ?? c.prev) as ConfigRecord | undefined;
          if (rec) keys.push(rec.key);
        }
      if (keys.length) fn(keys, index);
    });
  }

  /** Formal configs of a namespace (all namespaces when undefined), in key order. */
  list(namespaceId?: string): ConfigEntry[] {
    const rows = namespaceId ? this.table.scan(`${namespaceId}/`) : this.table.scan('');
    const out: ConfigEntry[] = [];
    for (const e of rows) if (e.value.formal) out.push({ key: e.value.key, item: e.value.formal });
    return out;
  }

  /** Formal config count of one namespace (for namespace configCount) or in total. */
  count(namespaceId?: string): number {
    if (!namespaceId) {
      let n = 0;
      for (const e of this.table.values()) if (e.value.formal) n++;
      return n;
    }
    return this.list(namespaceId).length;
  }

  byId(id: number): ConfigEntry | undefined {
    for (const e of this.table.values())
      if (e.value.formal?.id === id) return { key: e.value.key, item: e.value.formal };
    return undefined;
  }

  /** `search=accurate|blur` with paging (pageNo from 1). */
  search(q: SearchInput): Page<ConfigEntry> {
    const ns = q.namespaceId;
    const exact = (p: string | undefined) => (v: string) => !p || v === p;
    const m = q.mode === 'blur' ? blurMatcher : exact;
    const dataOk = m(q.dataId);
    const groupOk = m(q.group);
    const appOk = exact(q.appName);
    const tags = parseTags(q.configTags);
    const types = (q.types ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const all = this.list(ns).filter(
      ({ key, item }) =>
        dataOk(key.dataId) &&
        groupOk(key.group) &&
        appOk(item.appName) &&
        (!tags.length || item.tags.some((t) => tags.includes(t))) &&
        (!types.length || types.includes(item.type)) &&
        (!q.content || item.content.includes(q.content)),
    );
    return paginate(all, q.pageNo, q.pageSize);
  }

  // ---- writes ----

  /**
   * Publishes (creates or updates) the formal config, or a beta/tag gray. Resolves with the key once
   * the change is durable and visible; rejects with InvalidArgument / ConfigCasMismatch / storage
   * errors, in which case nothing changed.
   *
   * Group commit: publishes that arrive while a write is in flight are applied together in one
   * state write and one DB transaction (each still gets its own history row and its own CAS check).
   */
  async publish(input: PublishInput): Promise<ConfigKey> {
    const p = this.prepare(input);
    await this.publishes.submit(p);
    this.opts.onPublish?.(p.gray ? (p.gray.grayName === BETA_GRAY_NAME ? 'beta' : 'tag') : 'formal');
    return p.key;
  }

  /** Validates and normalises a publish (no state access): throws on bad input. */
  private prepare(input: PublishInput): Prepared {
    const key = parseConfigKey(input.dataId, input.group, input.namespaceId);
    const content = checkContent(input.content, this.opts.maxContentBytes);
    checkTag(input.tag);
    checkAdvance({
      configTags: input.configTags,
      desc: input.desc,
      use: input.use,
      effect: input.effect,
      type: input.type,
      schema: input.schema,
    });
    let stored = content;
    let encryptedDataKey = input.encryptedDataKey ?? '';
    // compat(nacos): content already encrypted by the client (encryptedDataKey sent) is stored as is.
    if (this.opts.cipher?.applies(key.dataId) && !encryptedDataKey)
      ({ content: stored, encryptedDataKey } = this.opts.cipher.encrypt(content));
    const betaIps = input.betaIps?.trim();
    const tag = input.tag?.trim();
    const gray = betaIps
      ? { grayName: BETA_GRAY_NAME, rule: betaRule(betaIps) }
      : tag
        ? { grayName: tagGrayName(tag), rule: tagRule(tag) }
        : undefined;
    return { key, stateKey: configStateKey(key), input, stored, md5: md5Hex(stored), encryptedDataKey, gray };
  }

  /** One state write for a batch of publishes: CAS per entry, one repo transaction, staged records. */
  private async applyBatch(w: WriteContext, batch: Queued[]) {
    const now = this.clock.now();
    const records = new Map<string, ConfigRecord | undefined>();
    const formalOp = new Map<string, number>();
    const ops: SaveOp[] = [];
    const current = (sk: string) => (records.has(sk) ? records.get(sk) : this.table.get(sk)?.value);
    for (const q of batch) {
      const { p } = q;
      const { input, key } = p;
      const cur = current(p.stateKey);
      if (p.gray) {
        const { grayName, rule } = p.gray;
        const prev = cur?.grays.find((g) => g.grayName === grayName);
        if (input.casMd5 && prev?.md5 !== input.casMd5) {
          q.failed = new ConfigCasMismatch();
          continue;
        }
        const item: GrayItem = {
          id: prev?.id ?? 0,
          grayName,
          rule,
          content: p.stored,
          md5: p.md5,
          appName: input.appName ?? '',
          encryptedDataKey: p.encryptedDataKey,
          srcUser: input.srcUser ?? '',
          srcIp: input.srcIp ?? '',
          createTime: prev?.createTime ?? now,
          modifyTime: now,
        };
        ops.push({
          kind: 'gray',
          key,
          item,
          history: {
            ...historyOf(key, cur?.formal?.id ?? 0, prev ?? item, prev ? 'U' : 'I', now, item),
            publishType: 'gray',
            grayName,
            extInfo: JSON.stringify({ gray_rule: JSON.stringify(rule) }),
          },
        });
        const grays = (cur?.grays ?? []).filter((g) => g.grayName !== grayName);
        grays.push(item);
        records.set(p.stateKey, { key, formal: cur?.formal, grays });
        continue;
      }
      const prev = cur?.formal;
      if (input.casMd5 && prev?.md5 !== input.casMd5) {
        q.failed = new ConfigCasMismatch();
        continue;
      }
      const item: ConfigItem = {
        id: prev?.id ?? 0,
        content: p.stored,
        md5: p.md5,
        type: normalizeType(input.type ?? prev?.type),
        appName: input.appName ?? prev?.appName ?? '',
        desc: input.desc ?? prev?.desc ?? '',
        use: input.use ?? prev?.use ?? '',
        effect: input.effect ?? prev?.effect ?? '',
        schema: input.schema ?? prev?.schema ?? '',
        tags: input.configTags !== undefined ? parseTags(input.configTags) : (prev?.tags ?? []),
        encryptedDataKey: p.encryptedDataKey,
        srcUser: input.srcUser ?? '',
        srcIp: input.srcIp ?? '',
        createTime: prev?.createTime ?? now,
        modifyTime: now,
      };
      // compat(nacos): an update's history row holds the version it replaces; an insert's the new one.
      const history = prev
        ? historyOf(key, prev.id, prev, 'U', now, item)
        : historyOf(key, 0, item, 'I', now);
      ops.push({
        kind: 'formal',
        key,
        item,
        history,
        sameAs: item.id ? undefined : formalOp.get(p.stateKey),
        tagsUnchanged: !!prev && prev.tags.join(',') === item.tags.join(','),
      });
      formalOp.set(p.stateKey, ops.length - 1);
      records.set(p.stateKey, { key, formal: item, grays: cur?.grays ?? [] });
    }
    if (!ops.length) return;
    const ids = await this.repo.saveBatch(ops);
    ops.forEach((op, i) => {
      op.item.id = ids[i]!;
    });
    for (const [sk, rec] of records) if (rec) w.put(this.table, sk, rec);
  }

  /**
   * Removes the formal config and its grays, or (with `tag`) only that tag gray. Removing a config
   * that does not exist succeeds. Returns whether anything was removed.
   */
  async remove(input: RemoveInput): Promise<boolean> {
    const key = parseConfigKey(input.dataId, input.group, input.namespaceId);
    checkTag(input.tag);
    const tag = input.tag?.trim();
    if (tag) return this.removeGray(key, tagGrayName(tag), input.srcUser, input.srcIp);
    const stateKey = configStateKey(key);
    return this.state.write(async (w) => {
      const cur = this.table.get(stateKey)?.value;
      if (!cur) return false;
      const now = this.clock.now();
      for (const g of cur.grays)
        await this.repo.deleteGray(key, g.grayName, {
          ...historyOf(key, cur.formal?.id ?? 0, g, 'D', now),
          srcUser: input.srcUser ?? '',
          srcIp: input.srcIp ?? '',
          publishType: 'gray',
          grayName: g.grayName,
        });
      if (cur.formal)
        await this.repo.deleteFormal(key, cur.formal.id, {
          ...historyOf(key, cur.formal.id, cur.formal, 'D', now),
          srcUser: input.srcUser ?? '',
          srcIp: input.srcIp ?? '',
        });
      w.delete(this.table, stateKey);
      return !!cur.formal;
    });
  }

  /** Stops a beta (`beta`) or tag (`tag_x`) gray. */
  async removeGray(key: ConfigKey, grayName: string, srcUser = '', srcIp = ''): Promise<boolean> {
    const stateKey = configStateKey(key);
    return this.state.write(async (w) => {
      const cur = this.table.get(stateKey)?.value;
      const g = cur?.grays.find((x) => x.grayName === grayName);
      if (!cur || !g) return false;
      const now = this.clock.now();
      await this.repo.deleteGray(key, grayName, {
        ...historyOf(key, cur.formal?.id ?? 0, g, 'D', now),
        srcUser,
        srcIp,
        publishType: 'gray',
        grayName,
      });
      const grays = cur.grays.filter((x) => x !== g);
      if (!cur.formal && !grays.length) w.delete(this.table, stateKey);
      else w.put(this.table, stateKey, { key, formal: cur.formal, grays });
      return true;
    });
  }

  /** Deletes formal configs by row id (`delType=ids`); unknown ids are ignored. */
  async removeByIds(ids: number[], srcUser = '', srcIp = ''): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const e = this.byId(id);
      if (!e) continue;
      if (await this.remove({ ...e.key, srcUser, srcIp })) n++;
    }
    return n;
  }

  // ---- history ----

  async history(key: ConfigKey, pageNo: number, pageSize: number): Promise<Page<HistoryEntry>> {
    // Nacos pages are Java ints; the bound also keeps the SQL OFFSET an exact integer.
    if (!isJavaInt(pageNo) || !isJavaInt(pageSize) || pageNo < 1 || pageSize < 1)
      throw new InvalidArgument(
        'pageNo and pageSize must be integers from 1 to 2147483647',
        NacosCode.PARAMETER_VALIDATE_ERROR,
      );
    const r = await this.repo.listHistory({ key, pageNo, pageSize: Math.min(pageSize, 500) });
    return {
      totalCount: r.total,
      pageNumber: pageNo,
      pagesAvailable: Math.ceil(r.total / pageSize),
      pageItems: r.items,
    };
  }

  /** One history entry; when `key` is given it must match (Nacos checks dataId/group/tenant). */
  async historyEntry(nid: number, key?: ConfigKey): Promise<HistoryEntry> {
    const h = await this.repo.getHistory(nid);
    if (!h || (key && configStateKey(h.key) !== configStateKey(key))) throw new HistoryNotFound(nid);
    return h;
  }

  /** Latest history entry of config row `id` (Nacos `/previous`). */
  async previousHistory(id: number, key?: ConfigKey): Promise<HistoryEntry> {
    const h = await this.repo.previousHistory(id);
    if (!h || (key && configStateKey(h.key) !== configStateKey(key))) throw new HistoryNotFound(id);
    return h;
  }

  /** Republishes the content of history entry `nid` as the formal config. */
  async rollback(nid: number, srcUser = '', srcIp = ''): Promise<ConfigKey> {
    const h = await this.historyEntry(nid);
    let ext: Record<string, string> = {};
    try {
      ext = h.extInfo ? JSON.parse(h.extInfo) : {};
    } catch {}
    return this.publish({
      dataId: h.key.dataId,
      group: h.key.group,
      namespaceId: h.key.namespaceId,
      content: h.content,
      appName: h.appName,
      type: ext.type,
      encryptedDataKey: h.encryptedDataKey,
      srcUser,
      srcIp,
    });
  }

  /**
   * Line diff between history entry `nid` and `otherNid` (or the current content when absent):
   * `from` is the history entry, `to` the other side.
   */
  async diff(
    nid: number,
    otherNid?: number,
  ): Promise<{
    from: { nid: number; md5: string };
    to: { nid: number | null; md5: string };
    lines: DiffLine[];
  }> {
    const a = await this.historyEntry(nid);
    let toContent: string;
    let to: { nid: number | null; md5: string };
    if (otherNid !== undefined) {
      const b = await this.historyEntry(otherNid);
      toContent = b.content;
      to = { nid: b.nid, md5: b.md5 };
    } else {
      const cur = this.record(a.key)?.formal;
      toContent = cur?.content ?? '';
      to = { nid: null, md5: cur?.md5 ?? '' };
    }
    return { from: { nid: a.nid, md5: a.md5 }, to, lines: lineDiff(a.content, toContent) };
  }

  /** Deletes history older than `retentionDays`; returns rows removed. */
  async cleanHistory(retentionDays: number): Promise<number> {
    if (retentionDays <= 0) return 0;
    const before = this.clock.now() - retentionDays * 86_400_000;
    let total = 0;
    for (;;) {
      const n = await this.repo.deleteHistoryBefore(before, 1000);
      total += n;
      if (n < 1000) return total;
    }
  }
}

function historyOf(
  key: ConfigKey,
  id: number,
  src: {
    content: string;
    md5: string;
    appName: string;
    encryptedDataKey: string;
    srcUser: string;
    srcIp: string;
  },
  opType: 'I' | 'U' | 'D',
  now: number,
  by?: { srcUser: string; srcIp: string },
): HistoryInput {
  const type = (src as Partial<ConfigItem>).type;
  return {
    id,
    key,
    appName: src.appName,
    content: src.content,
    md5: src.md5,
    srcUser: by?.srcUser ?? src.srcUser,
    srcIp: by?.srcIp ?? src.srcIp,
    opType,
    publishType: 'formal',
    grayName: '',
    extInfo: type ? JSON.stringify({ type }) : '',
    encryptedDataKey: src.encryptedDataKey,
    createTime: now,
    modifyTime: now,
  };
}

export function paginate<T>(all: T[], pageNo: number, pageSize: number): Page<T> {
  const size = Math.max(1, Math.min(pageSize || 10, 1000));
  const page = Math.max(1, pageNo || 1);
  return {
    totalCount: all.length,
    pageNumber: page,
    pagesAvailable: Math.ceil(all.length / size),
    pageItems: all.slice((page - 1) * size, page * size),
  };
}

/** Minimal LCS line diff (contents are bounded by the max content size; fine for the console). */
export function lineDiff(a: string, b: string): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length * y.length > 4_000_000)
    return [
      ...x.map((text) => ({ op: '-' as const, text })),
      ...y.map((text) => ({ op: '+' as const, text })),
    ];
  const n = x.length;
  const m = y.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      dp[i]![j] = x[i] === y[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ op: ' ', text: x[i]! });
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) out.push({ op: '-', text: x[i++]! });
    else out.push({ op: '+', text: y[j++]! });
  }
  while (i < n) out.push({ op: '-', text: x[i++]! });
  while (j < m) out.push({ op: '+', text: y[j++]! });
  return out;
}

/**
 * State records from stored rows: the formal row plus its gray versions per config. Used at boot
 * and by cluster reconciliation, so both build exactly the same records.
 */
export function buildConfigRecords(configs: StoredConfig[], grays: StoredGray[]): Map<string, ConfigRecord> {
  const recs = new Map<string, ConfigRecord>();
  const rec = (key: ConfigKey) => {
    const k = configStateKey(key);
    let r = recs.get(k);
    if (!r) recs.set(k, (r = { key, grays: [] }));
    return r;
  };
  for (const c of configs) {
    const r = rec(c.key);
    // compat(nacos-3): a default-namespace row may exist as tenant '' and 'public'; '' (2.x) wins.
    if (!r.formal || c.item.id < r.formal.id) r.formal = c.item;
  }
  for (const g of grays) {
    const r = rec(g.key);
    if (!r.grays.some((x) => x.grayName === g.item.grayName)) r.grays.push(g.item);
  }
  return recs;
}

const isJavaInt = (n: number) => Number.isInteger(n) && n <= 2 ** 31 - 1 && n >= -(2 ** 31);
