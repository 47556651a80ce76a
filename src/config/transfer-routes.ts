import YAML from 'yaml';
import { InvalidArgument, NacosCode } from '../core/errors';
import type { Params } from '../http/params';
import { type ConfigKey, configStateKey, normalizeNamespace, parseConfigKey } from './config-model';
import type { ConfigEntry, ConfigService } from './config-service';
import { readZip, writeZip } from './zip';

export type ImportPolicy = 'ABORT' | 'SKIP' | 'OVERWRITE';

export interface ImportItem {
  dataId: string;
  group: string;
  content: string;
  type?: string;
  appName?: string;
  desc?: string;
  configTags?: string;
  /** Set when `content` is stored encrypted (clone of a `cipher-` config). */
  encryptedDataKey?: string;
}

export interface ImportResult {
  succCount: number;
  skipCount: number;
  failData?: Array<{ dataId: string; group: string }>;
  skipData?: Array<{ dataId: string; group: string }>;
  unrecognizedCount?: number;
  unrecognizedData?: Array<{ itemName: string }>;
}

const importError = (code: number, msg: string) => new InvalidArgument(msg, code);

/** Export (ZIP with `.metadata.yml`), import (ABORT/SKIP/OVERWRITE) and clone, over the service. */
export class ConfigTransfer {
  constructor(private readonly svc: ConfigService) {}

  /** Configs selected for export: by ids, or by namespace + optional dataId/group/appName filters. */
  select(
    namespaceId: string,
    f: { dataId?: string; group?: string; appName?: string; ids?: number[] },
  ): ConfigEntry[] {
    if (f.ids?.length) return f.ids.map((id) => this.svc.byId(id)).filter((e): e is ConfigEntry => !!e);
    return this.svc.search({
      namespaceId,
      dataId: f.dataId || undefined,
      group: f.group || undefined,
      appName: f.appName || undefined,
      mode: 'blur',
      pageNo: 1,
      pageSize: 1_000_000,
    }).pageItems;
  }

  /** The export archive: `group/dataId` files plus `.metadata.yml` (Nacos exportV2 layout). */
  exportZip(entries: ConfigEntry[]): Uint8Array {
    const enc = new TextEncoder();
    const files = entries.map((e) => ({
      name: `${e.key.group}/${e.key.dataId}`,
      data: enc.encode(e.item.content),
    }));
    const metadata = entries.map((e) => ({
      group: e.key.group,
      dataId: e.key.dataId,
      desc: e.item.desc || undefined,
      type: e.item.type,
      appName: e.item.appName || undefined,
      configTags: e.item.tags.length ? e.item.tags.join(',') : undefined,
    }));
    files.push({ name: '.metadata.yml', data: enc.encode(YAML.stringify({ metadata })) });
    return writeZip(files);
  }

  /** Parses an export archive into items; files not in the metadata are reported as unrecognized. */
  parseZip(buf: Uint8Array): { items: ImportItem[]; unrecognized: string[] } {
    let entries: ReturnType<typeof readZip>;
    try {
      entries = readZip(buf);
    } catch (e) {
      throw importError(100004, `Failed to parse data: ${(e as Error).message}`);
    }
    if (!entries.length) throw importError(100005, 'Imported file data is empty');
    const dec = new TextDecoder();
    const meta = new Map<string, Record<string, string>>();
    const metaFile = entries.find((e) => e.name === '.metadata.yml');
    if (metaFile) {
      let doc: { metadata?: Array<Record<string, string>> };
      try {
        doc = YAML.parse(dec.decode(metaFile.data)) ?? {};
      } catch {
        throw importError(100002, 'Imported metadata is invalid');
      }
      for (const m of doc.metadata ?? []) meta.set(`${m.group}/${m.dataId}`, m);
    }
    const items: ImportItem[] = [];
    const unrecognized: string[] = [];
    for (const e of entries) {
      if (e.name === '.metadata.yml' || e.name === '.meta.yml') continue;
      const parts = e.name.split('/');
      if (parts.length !== 2 || !parts[0] || !parts[1]) {
        unrecognized.push(e.name);
        continue;
      }
      const m = meta.get(e.name) ?? {};
      items.push({
        group: parts[0],
        dataId: parts[1],
        content: dec.decode(e.data),
        type: m.type,
        appName: m.appName,
        desc: m.desc,
        configTags: m.configTags,
      });
    }
    if (!items.length) throw importError(100003, 'No valid data was read');
    return { items, unrecognized };
  }

  /** Publishes items into `namespaceId` following `policy` (Nacos batchInsertOrUpdate). */
  async importItems(
    namespaceId: string,
    items: ImportItem[],
    policy: ImportPolicy,
    srcUser: string,
    srcIp: string,
  ): Promise<ImportResult> {
    const res: ImportResult = { succCount: 0, skipCount: 0 };
    const fail: Array<{ dataId: string; group: string }> = [];
    const skip: Array<{ dataId: string; group: string }> = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      const key: ConfigKey = parseConfigKey(it.dataId, it.group, namespaceId);
      const exists = !!this.svc.record(key)?.formal;
      if (exists && policy === 'ABORT') {
        for (const rest of items.slice(i)) fail.push({ dataId: rest.dataId, group: rest.group });
        break;
      }
      if (exists && policy === 'SKIP') {
        skip.push({ dataId: it.dataId, group: it.group });
        res.skipCount++;
        continue;
      }
      try {
        await this.svc.publish({ ...it, namespaceId: key.namespaceId, srcUser, srcIp });
        res.succCount++;
      } catch {
        fail.push({ dataId: it.dataId, group: it.group });
      }
    }
    if (fail.length) res.failData = fail;
    if (skip.length) res.skipData = skip;
    return res;
  }

  /** Clones configs (by id) into `namespaceId`; body = `[{cfgId, dataId, group}]` (new dataId/group allowed). */
  async cloneFromBody(p: Params, body: unknown, srcIp: string): Promise<[ImportResult, string]> {
    const target = normalizeNamespace(p.first('tenant', 'namespaceId', 'targetNamespaceId'));
    const policy = policyOf(p.get('policy'));
    const list = cloneList(p, body);
    if (!list.length) throw importError(100006, 'No configuration selected');
    const items: ImportItem[] = [];
    for (const c of list) {
      const src = this.svc.byId(Number(c.cfgId));
      if (!src) continue;
      items.push({
        dataId: c.dataId || src.key.dataId,
        group: c.group || src.key.group,
        content: src.item.content,
        encryptedDataKey: src.item.encryptedDataKey || undefined,
        type: src.item.type,
        appName: src.item.appName,
        desc: src.item.desc,
        configTags: src.item.tags.join(','),
      });
    }
    if (!items.length) throw importError(100006, 'No configuration selected');
    const seen = new Set<string>();
    for (const it of items) {
      const k = configStateKey(parseConfigKey(it.dataId, it.group, target));
      if (seen.has(k))
        throw new InvalidArgument('duplicate config in clone list', NacosCode.PARAMETER_VALIDATE_ERROR);
      seen.add(k);
    }
    return [
      await this.importItems(target, items, policy, p.str('src_user', p.str('srcUser')), srcIp),
      'Clone Completed Successfully',
    ];
  }
}

export function policyOf(v: string | undefined): ImportPolicy {
  const p = (v ?? 'ABORT').toUpperCase();
  if (p !== 'ABORT' && p !== 'SKIP' && p !== 'OVERWRITE')
    throw new InvalidArgument(`invalid policy : ${v}`, NacosCode.PARAMETER_VALIDATE_ERROR);
  return p;
}

interface CloneItem {
  cfgId?: number | string | null;
  dataId?: string | null;
  group?: string | null;
}

function cloneList(p: Params, body: unknown): CloneItem[] {
  let list: unknown = body;
  if (!Array.isArray(list)) {
    const raw = p.get('cloneList') ?? p.get('configBeansList');
    try {
      list = raw ? JSON.parse(raw) : undefined;
    } catch {}
  }
  if (Array.isArray(list) && list.every(isCloneItem)) return list;
  throw new InvalidArgument(
    'clone list must be a JSON array of {cfgId, dataId, group}',
    NacosCode.PARAMETER_VALIDATE_ERROR,
  );
}

function isCloneItem(v: unknown): v is CloneItem {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const { cfgId, dataId, group } = v as Record<string, unknown>;
  const optionalText = (x: unknown) => x === undefined || x === null || typeof x === 'string';
  const id = cfgId === undefined || cfgId === null || typeof cfgId === 'number' || typeof cfgId === 'string';
  return id && optionalText(dataId) && optionalText(group);
}

/** `?export=true` / `exportV2=true` / v3 `/export`: the ZIP download. */
export function exportZipResponse(t: ConfigTransfer, p: Params, _v2 = true): Response {
  const ns = normalizeNamespace(p.first('tenant', 'namespaceId'));
  const ids = p.get('ids') ? p.str('ids').split(',').filter(Boolean).map(Number) : undefined;
  const zip = t.exportZip(
    t.select(ns, {
      dataId: p.get('dataId'),
      group: p.first('group', 'groupName'),
      appName: p.get('appName'),
      ids,
    }),
  );
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return new Response(zip, {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment;filename=nacos_config_export_${stamp}.zip`,
    },
  });
}

/** Multipart import (`file`, `policy`, `namespace`/`tenant`); returns the result and a message. */
export async function importFromForm(
  t: ConfigTransfer,
  p: Params,
  body: unknown,
  srcIp: string,
  _gen: 'v1' | 'v3',
): Promise<[ImportResult, string]> {
  const file = body && typeof body === 'object' ? (body as Record<string, unknown>).file : undefined;
  if (!(file instanceof Blob)) throw importError(100005, 'Imported file data is empty');
  const { items, unrecognized } = t.parseZip(new Uint8Array(await file.arrayBuffer()));
  const ns = normalizeNamespace(p.first('tenant', 'namespace', 'namespaceId'));
  const r = await t.importItems(
    ns,
    items,
    policyOf(p.get('policy')),
    p.str('src_user', p.str('srcUser')),
    srcIp,
  );
  if (unrecognized.length) {
    r.unrecognizedCount = unrecognized.length;
    r.unrecognizedData = unrecognized.map((itemName) => ({ itemName }));
  }
  return [r, 'import ok'];
}
