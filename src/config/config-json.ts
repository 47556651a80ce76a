import type { ConfigItem, ConfigKey, ConfigRecord, GrayItem, HistoryEntry } from './config-model';
import { wireTenant } from './config-model';
import type { ConfigEntry, Page } from './config-service';

/** Wire shapes shared by the HTTP generations (field names exactly as Nacos' Jackson output). */

/** v1 `ConfigInfo` (search results). */
export function configInfoV1({ key, item }: ConfigEntry) {
  return {
    id: String(item.id),
    dataId: key.dataId,
    group: key.group,
    content: item.content,
    md5: item.md5,
    encryptedDataKey: item.encryptedDataKey,
    tenant: wireTenant(key.namespaceId),
    appName: item.appName,
    type: item.type,
  };
}

/** v1 `ConfigAllInfo` (`show=all`). */
export function configAllInfoV1(e: ConfigEntry) {
  const { item } = e;
  return {
    ...configInfoV1(e),
    createTime: item.createTime,
    modifyTime: item.modifyTime,
    createUser: item.srcUser || null,
    createIp: item.srcIp || null,
    desc: item.desc || null,
    use: item.use || null,
    effect: item.effect || null,
    schema: item.schema || null,
    configTags: item.tags.length ? item.tags.join(',') : null,
  };
}

/** v3 `ConfigBasicInfo`. */
export function configBasicV3({ key, item }: { key: ConfigKey; item: ConfigItem }) {
  return {
    id: item.id,
    namespaceId: key.namespaceId,
    groupName: key.group,
    dataId: key.dataId,
    md5: item.md5,
    type: item.type,
    appName: item.appName,
    createTime: item.createTime,
    modifyTime: item.modifyTime,
  };
}

/** v3 `ConfigDetailInfo`. */
export function configDetailV3(e: { key: ConfigKey; item: ConfigItem }) {
  const { item } = e;
  return {
    ...configBasicV3(e),
    content: item.content,
    desc: item.desc,
    encryptedDataKey: item.encryptedDataKey,
    createUser: item.srcUser,
    createIp: item.srcIp,
    configTags: item.tags.join(','),
  };
}

/** v3 `ConfigGrayInfo` (beta query). */
export function configGrayV3(rec: ConfigRecord, g: GrayItem) {
  return {
    id: g.id,
    namespaceId: rec.key.namespaceId,
    groupName: rec.key.group,
    dataId: rec.key.dataId,
    md5: g.md5,
    type: rec.formal?.type ?? 'text',
    appName: g.appName,
    createTime: g.createTime,
    modifyTime: g.modifyTime,
    content: g.content,
    desc: rec.formal?.desc ?? '',
    encryptedDataKey: g.encryptedDataKey,
    createUser: g.srcUser,
    createIp: g.srcIp,
    configTags: rec.formal?.tags.join(',') ?? '',
    grayName: g.grayName,
    grayRule: JSON.stringify(g.rule),
  };
}

/** v1 `ConfigInfo4Beta` (`GET ?beta=true`). */
export function configBetaV1(rec: ConfigRecord, g: GrayItem) {
  return {
    id: String(g.id),
    dataId: rec.key.dataId,
    group: rec.key.group,
    content: g.content,
    md5: g.md5,
    encryptedDataKey: g.encryptedDataKey,
    tenant: wireTenant(rec.key.namespaceId),
    appName: g.appName,
    type: rec.formal?.type ?? 'text',
    betaIps: g.rule.expr,
  };
}

/** v1/v2 `ConfigHistoryInfo`; compat(nacos): its `id` is the history row's nid. */
export function historyV1(h: HistoryEntry) {
  return {
    id: String(h.nid),
    lastId: -1,
    dataId: h.key.dataId,
    group: h.key.group,
    tenant: wireTenant(h.key.namespaceId),
    appName: h.appName,
    md5: h.md5,
    content: h.content,
    srcIp: h.srcIp,
    srcUser: h.srcUser,
    opType: h.opType,
    publishType: h.publishType,
    grayName: h.grayName,
    extInfo: h.extInfo,
    createdTime: h.createTime,
    lastModifiedTime: h.modifyTime,
    encryptedDataKey: h.encryptedDataKey,
  };
}

/** v3 `ConfigHistoryBasicInfo` / `ConfigHistoryDetailInfo` (`id` is the history nid in v3). */
export function historyBasicV3(h: HistoryEntry) {
  return {
    id: h.nid,
    namespaceId: h.key.namespaceId,
    groupName: h.key.group,
    dataId: h.key.dataId,
    md5: h.md5,
    type: typeFromExt(h.extInfo),
    appName: h.appName,
    createTime: h.createTime,
    modifyTime: h.modifyTime,
    srcIp: h.srcIp,
    srcUser: h.srcUser,
    opType: h.opType,
    publishType: h.publishType,
  };
}
export function historyDetailV3(h: HistoryEntry) {
  return {
    ...historyBasicV3(h),
    content: h.content,
    encryptedDataKey: h.encryptedDataKey,
    grayName: h.grayName,
    extInfo: h.extInfo,
  };
}

function typeFromExt(ext: string): string {
  try {
    return (ext && JSON.parse(ext).type) || 'text';
  } catch {
    return 'text';
  }
}

export function mapPage<T, U>(p: Page<T>, f: (t: T) => U): Page<U> {
  return { ...p, pageItems: p.pageItems.map(f) };
}
