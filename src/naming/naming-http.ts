import { InvalidArgument, NacosCode } from '../core/errors';
import type { Params } from '../http/params';
import type { AuthDecl } from '../http/route-meta';
import { normalizeNamespaceId } from '../namespace';
import {
  type ClusterSettings,
  DEFAULT_CLUSTER,
  groupedName,
  type HealthChecker,
  type InstanceInput,
  type InstanceRecord,
  parseMetadata,
  type Selector,
  type ServiceId,
  type ServiceInfo,
  type ServiceRecord,
  splitServiceName,
} from './naming-model';
import type { InstanceLocator, NamingService, ServicePatch, Subscriber } from './naming-service';

export const READ_CLIENT: AuthDecl = { resource: 'naming', action: 'r', api: 'client' };
export const WRITE_CLIENT: AuthDecl = { resource: 'naming', action: 'w', api: 'client' };
export const READ_ADMIN: AuthDecl = { resource: 'naming', action: 'r', api: 'admin' };
export const WRITE_ADMIN: AuthDecl = { resource: 'naming', action: 'w', api: 'admin' };
export const READ_CONSOLE: AuthDecl = { resource: 'naming', action: 'r', api: 'console' };
export const WRITE_CONSOLE: AuthDecl = { resource: 'naming', action: 'w', api: 'console' };

/** `namespaceId` (aliases `tenant`, `namespace`), blank/`public` ⇒ `public`. */
export function namespaceOf(p: Params): string {
  return normalizeNamespaceId(p.first('namespaceId', 'tenant', 'namespace'));
}

/**
 * The service-name filter (`ServiceNameFilter`), applied once for every naming route:
 * `serviceName` without `@@` is grouped with `groupName` (default DEFAULT_GROUP); a grouped name
 * carries its own group. Malformed ⇒ 400 (21000).
 */
export function serviceIdOf(p: Params): ServiceId {
  const name = p.get('serviceName');
  if (name === undefined || name.trim() === '') p.required('serviceName');
  return { namespaceId: namespaceOf(p), ...splitServiceName(name!, p.first('groupName', 'group')) };
}

/** Port parameter: integer 0-65535, else 400. */
export function portOf(p: Params, name = 'port'): number {
  const raw = p.required(name).trim();
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isInteger(n))
    throw new InvalidArgument(
      `parameter '${name}' must be an integer, got '${raw}'`,
      NacosCode.PARAMETER_VALIDATE_ERROR,
    );
  if (n < 0 || n > 65535)
    throw new InvalidArgument(
      `Instance 'port' should be an integer between 0 and 65535 (current: ${n})`,
      NacosCode.INSTANCE_ERROR,
    );
  return n;
}

function boolParam(p: Params, name: string): boolean | undefined {
  const v = p.get(name);
  if (v === undefined || v.trim() === '') return undefined;
  return v.trim().toLowerCase() === 'true';
}

/** Cluster name: `clusterName`, alias `cluster`; blank ⇒ DEFAULT. */
export function clusterOf(p: Params): string {
  return p.first('clusterName', 'cluster') ?? DEFAULT_CLUSTER;
}

/** An instance from request parameters (`HttpRequestInstanceBuilder`). */
export function instanceInputOf(p: Params, opts: { keepInstanceId?: boolean } = {}): InstanceInput {
  const weight = p.num('weight', 1);
  return {
    ip: p.required('ip').trim(),
    port: portOf(p),
    instanceId: opts.keepInstanceId ? p.get('instanceId') : undefined,
    weight,
    healthy: boolParam(p, 'healthy') ?? true,
    enabled: boolParam(p, 'enabled') ?? boolParam(p, 'enable') ?? true,
    ephemeral: boolParam(p, 'ephemeral'),
    clusterName: clusterOf(p),
    metadata: parseMetadata(p.get('metadata')),
  };
}

/** ip/port/cluster locator from parameters. */
export function locatorOf(p: Params): { ip: string; port: number; clusterName: string } {
  return { ip: p.required('ip').trim(), port: portOf(p), clusterName: clusterOf(p) };
}

/** Parses the `instances` JSON list of `/instance/metadata/batch`. */
export function instanceListOf(raw: string | undefined): InstanceLocator[] {
  if (!raw || raw.trim() === '') return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new InvalidArgument(`instances format incorrect: ${raw}`, NacosCode.PARAMETER_VALIDATE_ERROR);
  }
  // compat(nacos): Nacos ignores an undecodable list (or NPEs on a null item); we refuse it instead.
  if (!Array.isArray(v) || v.some((x) => x === null || typeof x !== 'object' || Array.isArray(x)))
    throw new InvalidArgument(`instances format incorrect: ${raw}`, NacosCode.PARAMETER_VALIDATE_ERROR);
  return v.map((x: { ip?: unknown; port?: unknown; clusterName?: string }) => ({
    ip: String(x.ip ?? ''),
    port: Number(x.port),
    clusterName: x.clusterName || DEFAULT_CLUSTER,
  }));
}

export function selectorOf(p: Params): Selector | undefined {
  const raw = p.get('selector');
  if (!raw || raw.trim() === '') return undefined;
  try {
    const v = JSON.parse(raw);
    if (v && typeof v === 'object' && typeof v.type === 'string')
      return { type: v.type.toLowerCase(), expression: v.expression };
  } catch {
    // handled below
  }
  throw new InvalidArgument(`selector format incorrect: ${raw}`, NacosCode.SELECTOR_ERROR);
}

export function servicePatchOf(p: Params): ServicePatch & { ephemeral?: boolean } {
  const t = p.get('protectThreshold');
  return {
    protectThreshold: t === undefined || t.trim() === '' ? undefined : p.num('protectThreshold', 0),
    metadata: p.has('metadata') ? parseServiceMetadata(p.get('metadata')) : undefined,
    selector: selectorOf(p),
    ephemeral: boolParam(p, 'ephemeral'),
  };
}

function parseServiceMetadata(raw: string | undefined): Record<string, string> {
  try {
    return parseMetadata(raw);
  } catch {
    throw new InvalidArgument(`metadata format incorrect:${raw}`, NacosCode.SERVICE_METADATA_ERROR);
  }
}

/** Cluster settings from `/cluster` parameters (`healthChecker` JSON, `checkPort`, `useInstancePort4Check`). */
export function clusterPatchOf(p: Params): Partial<Omit<ClusterSettings, 'name'>> {
  const out: Partial<Omit<ClusterSettings, 'name'>> = {};
  if (p.first('checkPort')) out.checkPort = p.int('checkPort', 80);
  const use = boolParam(p, 'useInstancePort4Check') ?? boolParam(p, 'useIPPort4Check');
  if (use !== undefined) out.useIPPort4Check = use;
  if (p.has('metadata')) out.metadata = parseMetadata(p.get('metadata'));
  const hc = p.get('healthChecker');
  if (hc?.trim()) {
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(hc);
    } catch {
      throw new InvalidArgument(`healthChecker format incorrect: ${hc}`, NacosCode.PARAMETER_VALIDATE_ERROR);
    }
    const type = String(v.type ?? 'TCP').toUpperCase() as HealthChecker['type'];
    out.healthChecker = {
      type,
      path: typeof v.path === 'string' ? v.path : undefined,
      headers: typeof v.headers === 'string' ? v.headers : undefined,
      expectedResponseCode: v.expectedResponseCode !== undefined ? Number(v.expectedResponseCode) : undefined,
    };
  }
  return out;
}

/** ServiceInfo as HTTP returns it: `name` grouped (`adapt for v1.x sdk`). */
export function httpServiceInfo(info: ServiceInfo): ServiceInfo {
  return { ...info, name: groupedName({ groupName: info.groupName, serviceName: info.name }) };
}

/** `clusterName` list reply for service detail. */
export function clusterJson(c: ClusterSettings) {
  return { name: c.name, healthChecker: c.healthChecker, metadata: c.metadata };
}

/** v1 `GET /service` body. */
export function serviceDetailV1(naming: NamingService, s: ServiceRecord) {
  return {
    namespaceId: s.namespaceId,
    groupName: s.groupName,
    name: s.serviceName,
    protectThreshold: s.protectThreshold,
    metadata: s.metadata,
    selector: selectorJson(s.selector),
    clusters: naming.clusters(s).map(clusterJson),
  };
}

/** v2/v3 `ServiceDetailInfo`. */
export function serviceDetailV2(naming: NamingService, s: ServiceRecord) {
  const clusterMap: Record<string, unknown> = {};
  for (const c of naming.clusters(s))
    clusterMap[c.name] = {
      clusterName: c.name,
      healthChecker: c.healthChecker,
      healthyCheckPort: c.checkPort,
      useInstancePortForCheck: c.useIPPort4Check,
      metadata: c.metadata,
    };
  return {
    namespaceId: s.namespaceId,
    groupName: s.groupName,
    serviceName: s.serviceName,
    clusterMap,
    metadata: s.metadata,
    protectThreshold: s.protectThreshold,
    selector: selectorJson(s.selector),
    ephemeral: s.ephemeral,
  };
}

export function selectorJson(s: Selector) {
  return s.type === 'label'
    ? { type: 'label', expression: s.expression ?? '', contextType: 'CMDB' }
    : { type: 'none', contextType: 'NONE' };
}

/** Instance detail (`GET /instance`). v1 uses `service`, v2/v3 `serviceName`. */
export function instanceDetail(i: InstanceRecord, serviceField: 'service' | 'serviceName') {
  return {
    [serviceField]: groupedName(i),
    ip: i.ip,
    port: i.port,
    clusterName: i.clusterName,
    weight: i.weight,
    healthy: i.healthy,
    instanceId: i.instanceId,
    metadata: i.metadata,
  };
}

/** Subscriber JSON (`Subscriber` POJO). */
export function subscriberJson(s: Subscriber) {
  return {
    addrStr: `${s.ip}:${s.port}`,
    agent: s.agent,
    app: s.app || 'unknown',
    ip: s.ip,
    port: s.port,
    namespaceId: s.namespaceId,
    serviceName: groupedName(s),
    cluster: s.clusters,
  };
}

/** `ip:port:unknown:cluster:ephemeral|persist` keys returned by metadata batch updates. */
export function batchKey(i: InstanceRecord): string {
  return `${i.ip}:${i.port}:unknown:${i.clusterName}:${i.ephemeral ? 'ephemeral' : 'persist'}`;
}

/** Service row of the service lists (console/catalog). */
export function serviceSummary(naming: NamingService, s: ServiceRecord) {
  const all = naming.instances(s);
  return {
    name: s.serviceName,
    groupName: s.groupName,
    clusterCount: naming.clusters(s).length,
    ipCount: all.length,
    healthyInstanceCount: all.filter((i) => i.healthy).length,
    triggerFlag: 'false',
  };
}

/** Page helper: 1-based page of `items`. */
export function page<T>(items: T[], pageNo: number, pageSize: number): T[] {
  const size = Math.max(1, pageSize);
  const no = Math.max(1, pageNo);
  return items.slice((no - 1) * size, no * size);
}

/** Nacos `Page<T>`. */
export function pageJson<T>(items: T[], pageNo: number, pageSize: number) {
  const size = Math.max(1, pageSize);
  return {
    totalCount: items.length,
    pageNumber: Math.max(1, pageNo),
    pagesAvailable: Math.ceil(items.length / size),
    pageItems: page(items, pageNo, size),
  };
}
