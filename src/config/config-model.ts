import { createHash } from 'node:crypto';
import { InvalidArgument, NacosCode } from '../core/errors';

/** Internal id of the default namespace (stored as tenant_id '' for Nacos 2.x compatibility). */
export const DEFAULT_NAMESPACE = 'public';
export const DEFAULT_GROUP = 'DEFAULT_GROUP';

/** Identity of one configuration. `namespaceId` is always normalised (`public` for the default). */
export interface ConfigKey {
  namespaceId: string;
  group: string;
  dataId: string;
}

/** `ConfigType` values; anything else is stored as `text`. */
export const CONFIG_TYPES = ['properties', 'xml', 'json', 'text', 'html', 'yaml', 'toml'] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

export function normalizeType(t: string | undefined | null): ConfigType {
  const v = (t ?? '').trim().toLowerCase();
  return (CONFIG_TYPES as readonly string[]).includes(v) ? (v as ConfigType) : 'text';
}

/** The formal (non-gray) version of a config. */
export interface ConfigItem {
  /** Row id in `config_info` (0 before it is stored). */
  id: number;
  content: string;
  md5: string;
  type: ConfigType;
  appName: string;
  desc: string;
  use: string;
  effect: string;
  schema: string;
  tags: string[];
  encryptedDataKey: string;
  srcUser: string;
  srcIp: string;
  createTime: number;
  modifyTime: number;
}

/** Gray rule as persisted in `config_info_gray.gray_rule` (Nacos `ConfigGrayPersistInfo`). */
export interface GrayRule {
  type: 'beta' | 'tag';
  version: string;
  /** beta: comma list of client IPs; tag: the tag value. */
  expr: string;
  priority: number;
}

/** One gray version (`gray_name` = `beta` or `tag_<tag>`). */
export interface GrayItem {
  id: number;
  grayName: string;
  rule: GrayRule;
  content: string;
  md5: string;
  appName: string;
  encryptedDataKey: string;
  srcUser: string;
  srcIp: string;
  createTime: number;
  modifyTime: number;
}

/** The state value of one config key: the formal version and/or gray versions. */
export interface ConfigRecord {
  key: ConfigKey;
  formal?: ConfigItem;
  grays: GrayItem[];
}

export const BETA_GRAY_NAME = 'beta';
export const tagGrayName = (tag: string) => `tag_${tag}`;

export function betaRule(ips: string): GrayRule {
  return { type: 'beta', version: '1.0.0', expr: ips, priority: 2147483647 };
}
export function tagRule(tag: string): GrayRule {
  return { type: 'tag', version: '1.0.0', expr: tag, priority: 2147483646 };
}

/** Lowercase hex MD5 of the UTF-8 bytes (Nacos `MD5Utils.md5Hex(content, "UTF-8")`). */
export function md5Hex(content: string): string {
  return createHash('md5').update(content, 'utf8').digest('hex');
}

/** State table holding one `ConfigRecord` per config. */
export const CONFIG_TABLE = 'config';

/**
 * State key of a config: `namespaceId/group/dataId`. Valid identifiers cannot contain `/`, so the
 * key is unambiguous; `namespaceId/` is the prefix of all configs of a namespace.
 */
export function configStateKey(k: ConfigKey): string {
  return `${k.namespaceId}/${k.group}/${k.dataId}`;
}

/** Namespace stored in the DB `tenant_id` column: the default namespace is ''. */
export function toStoredTenant(namespaceId: string): string {
  return namespaceId === DEFAULT_NAMESPACE ? '' : namespaceId;
}

/** DB `tenant_id` → internal namespace: '' and 'public' (3.x rows) are the default namespace. */
export function fromStoredTenant(tenant: string | null | undefined): string {
  const t = (tenant ?? '').trim();
  return t === '' || t.toLowerCase() === 'public' ? DEFAULT_NAMESPACE : t;
}

/** Wire tenant (`tenant`, `namespaceId`) → internal id; blank, `public` and `null` mean default. */
export function normalizeNamespace(tenant: string | undefined | null): string {
  const t = (tenant ?? '').trim();
  if (t === '' || t.toLowerCase() === 'public' || t === 'null') return DEFAULT_NAMESPACE;
  return t;
}

/** Wire tenant echoed to clients: '' for the default namespace. */
export function wireTenant(namespaceId: string): string {
  return namespaceId === DEFAULT_NAMESPACE ? '' : namespaceId;
}

const VALID = /^[\p{L}\p{Nd}_\-.:]*$/u;

/** `ParamUtils.isValid`: letters, digits and `_ - . :` only. */
export function isValidParam(v: string): boolean {
  return VALID.test(v);
}

const bad = (msg: string) => new InvalidArgument(msg, NacosCode.PARAMETER_VALIDATE_ERROR);

/** ParamUtils.checkParam(dataId, group, namespaceId); returns the normalised key. */
export function parseConfigKey(
  dataId: string | undefined,
  group: string | undefined,
  tenant?: string | null,
): ConfigKey {
  if (!dataId || dataId.trim() === '' || !isValidParam(dataId.trim()))
    throw bad(`invalid dataId : ${dataId ?? 'null'}`);
  if (!group || group.trim() === '' || !isValidParam(group)) throw bad(`invalid group : ${group ?? 'null'}`);
  checkTenant(tenant);
  return { namespaceId: normalizeNamespace(tenant), group: group.trim(), dataId: dataId.trim() };
}

export function checkTenant(tenant: string | undefined | null) {
  if (tenant && tenant.trim() !== '') {
    if (!isValidParam(tenant.trim())) throw bad('invalid namespaceId');
    if (tenant.length > 128) throw bad('too long namespaceId, over 128');
  }
}

export function checkTag(tag: string | undefined | null) {
  if (tag && tag.trim() !== '') {
    if (!isValidParam(tag.trim())) throw bad(`invalid tag : ${tag}`);
    if (tag.length > 16) throw bad('too long tag, over 16');
  }
}

export function checkContent(content: string | undefined | null, maxBytes: number): string {
  if (content === undefined || content === null || content.trim() === '')
    throw bad(`content is blank : ${content ?? 'null'}`);
  if (Buffer.byteLength(content, 'utf8') > maxBytes) throw bad(`invalid content, over ${maxBytes}`);
  return content;
}

/** Optional attributes of a publish, validated as `ParamUtils.checkParam(Map)`. */
export interface ConfigAdvance {
  configTags?: string;
  desc?: string;
  use?: string;
  effect?: string;
  type?: string;
  schema?: string;
}

export function checkAdvance(a: ConfigAdvance) {
  if (a.configTags) {
    const tags = a.configTags.split(',');
    if (tags.length > 5) throw bad('too much config_tags, over 5');
    for (const t of tags) if (t.length > 64) throw bad('too long tag, over 64');
  }
  if (a.desc && a.desc.length > 128) throw bad('too long desc, over 128');
  if (a.use && a.use.length > 32) throw bad('too long use, over 32');
  if (a.effect && a.effect.length > 32) throw bad('too long effect, over 32');
  if (a.type && a.type.length > 32) throw bad('too long type, over 32');
  if (a.schema && a.schema.length > 32768) throw bad('too long schema, over 32768');
}

export function parseTags(configTags: string | undefined): string[] {
  if (!configTags) return [];
  return [
    ...new Set(
      configTags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/** Who is asking, for gray selection: the client IP and optional tag (`Vipserver-Tag` / `tag`). */
export interface ClientLabels {
  clientIp?: string;
  tag?: string;
}

/** The version served to a client: a matching gray (beta by IP, tag by label) or the formal one. */
export interface ConfigView {
  key: ConfigKey;
  content: string;
  md5: string;
  type: ConfigType;
  encryptedDataKey: string;
  modifyTime: number;
  /** Set when a beta gray matched. */
  beta: boolean;
  /** Set when a tag gray matched. */
  tag?: string;
  formal?: ConfigItem;
}

/**
 * Picks what `labels` see. Beta rule: client IP in the comma list. Tag rule: `labels.tag` equals
 * the tag. An explicitly requested tag with no such gray yields `undefined` (Nacos: "special tag
 * not found" → 404). Higher priority wins (beta before tag).
 */
export function selectVersion(
  rec: ConfigRecord | undefined,
  labels: ClientLabels = {},
): ConfigView | undefined {
  if (!rec) return undefined;
  const grays = [...rec.grays].sort((a, b) => b.rule.priority - a.rule.priority);
  for (const g of grays) {
    const match =
      g.rule.type === 'beta'
        ? !!labels.clientIp && g.rule.expr.split(',').some((ip) => ip.trim() === labels.clientIp)
        : !!labels.tag && labels.tag === g.rule.expr;
    if (match)
      return {
        key: rec.key,
        content: g.content,
        md5: g.md5,
        type: rec.formal?.type ?? 'text',
        encryptedDataKey: g.encryptedDataKey,
        modifyTime: g.modifyTime,
        beta: g.rule.type === 'beta',
        tag: g.rule.type === 'tag' ? g.rule.expr : undefined,
        formal: rec.formal,
      };
  }
  if (labels.tag) return undefined;
  const f = rec.formal;
  if (!f) return undefined;
  return {
    key: rec.key,
    content: f.content,
    md5: f.md5,
    type: f.type,
    encryptedDataKey: f.encryptedDataKey,
    modifyTime: f.modifyTime,
    beta: false,
    formal: f,
  };
}

/** History entry (`his_config_info`). `id` is the config id, `nid` the history id. */
export interface HistoryEntry {
  nid: number;
  id: number;
  key: ConfigKey;
  appName: string;
  content: string;
  md5: string;
  srcUser: string;
  srcIp: string;
  opType: 'I' | 'U' | 'D';
  publishType: 'formal' | 'gray';
  grayName: string;
  extInfo: string;
  encryptedDataKey: string;
  createTime: number;
  modifyTime: number;
}

/**
 * Blur search pattern: `*` is a wildcard (Nacos turns it into SQL `%`); without `*` the value must
 * match exactly, as `LIKE 'x'` does (`generateLikeArgument`).
 */
export function blurMatcher(pattern: string | undefined): (v: string) => boolean {
  if (!pattern) return () => true;
  const esc = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${esc.replace(/\*/g, '.*')}$`);
  return (v) => re.test(v);
}
