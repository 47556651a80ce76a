import { InvalidArgument, NacosCode } from '../core/errors';

/** Naming defaults (Nacos `Constants`, `UtilsAndCommons`). */
export const DEFAULT_GROUP = 'DEFAULT_GROUP';
export const DEFAULT_CLUSTER = 'DEFAULT';
export const GROUP_SEP = '@@';
export const DEFAULT_BEAT_INTERVAL_MS = 5000;
export const DEFAULT_BEAT_TIMEOUT_MS = 15000;
export const DEFAULT_IP_DELETE_TIMEOUT_MS = 30000;
export const MAX_WEIGHT = 10000;
export const MIN_WEIGHT = 0;
/** Metadata keys that override heartbeat timing per instance (`PreservedMetadataKeys`). */
export const META_BEAT_INTERVAL = 'preserved.heart.beat.interval';
export const META_BEAT_TIMEOUT = 'preserved.heart.beat.timeout';
export const META_IP_DELETE_TIMEOUT = 'preserved.ip.delete.timeout';
export const META_ID_GENERATOR = 'preserved.instance.id.generator';
const CLUSTER_NAME = /^[0-9a-zA-Z-]+$/;

/** Identifies a service: namespace → group → (ungrouped) service name. */
export interface ServiceId {
  namespaceId: string;
  groupName: string;
  serviceName: string;
}

/** `group@@service`. */
export function groupedName(id: { groupName: string; serviceName: string }): string {
  return `${id.groupName}${GROUP_SEP}${id.serviceName}`;
}

/**
 * State-table key of a service: `namespaceId/group@@service`. Namespace ids never contain `/`,
 * so `namespaceId + '/'` is a prefix selecting one namespace.
 */
export function serviceKey(id: ServiceId): string {
  return `${id.namespaceId}/${groupedName(id)}`;
}

/** Separator between service key and instance id in instance keys (never in names on the wire). */
export const INSTANCE_KEY_SEP = '\u001f';

/** State-table key of an instance: `serviceKey + US + instanceId`. */
export function instanceKey(svcKey: string, instanceId: string): string {
  return `${svcKey}${INSTANCE_KEY_SEP}${instanceId}`;
}

/** Prefix of every instance key of a service (for `ws.prefix('naming.instances', ...)`). */
export function instancePrefix(svcKey: string): string {
  return `${svcKey}${INSTANCE_KEY_SEP}`;
}

export function serviceKeyOfInstanceKey(key: string): string {
  return key.slice(0, key.indexOf(INSTANCE_KEY_SEP));
}

/** Parses a service key back into its id. */
export function parseServiceKey(key: string): ServiceId {
  const slash = key.indexOf('/');
  const grouped = key.slice(slash + 1);
  const at = grouped.indexOf(GROUP_SEP);
  return {
    namespaceId: key.slice(0, slash),
    groupName: grouped.slice(0, at),
    serviceName: grouped.slice(at + GROUP_SEP.length),
  };
}

/**
 * Splits a possibly grouped name. A name containing `@@` carries its group (`NamingUtils`);
 * otherwise `groupName` (default `DEFAULT_GROUP`) applies. Throws Nacos' 400 for malformed names.
 */
export function splitServiceName(
  name: string,
  groupName?: string,
): { groupName: string; serviceName: string } {
  const trimmed = name.trim();
  if (!trimmed) throw new InvalidArgument("Param 'serviceName' is illegal, serviceName is blank", 21000);
  if (!trimmed.includes(GROUP_SEP)) {
    const g = groupName?.trim() || DEFAULT_GROUP;
    return { groupName: g, serviceName: trimmed };
  }
  const parts = trimmed.split(GROUP_SEP);
  if (parts.length !== 2 || !parts[1])
    throw new InvalidArgument(
      "Param 'serviceName' is illegal, it should be format as 'groupName@@serviceName'",
      NacosCode.SERVICE_NAME_ERROR,
    );
  if (!parts[0]) throw new InvalidArgument("Param 'serviceName' is illegal, groupName can't be empty", 21000);
  return { groupName: parts[0], serviceName: parts[1] };
}

export type HealthCheckType = 'TCP' | 'HTTP' | 'NONE';

export interface HealthChecker {
  type: HealthCheckType;
  /** HTTP only: request path (`/` default). */
  path?: string;
  /** HTTP only: `k:v|k2:v2` headers as Nacos stores them. */
  headers?: string;
  /** HTTP only: expected status (200 default). */
  expectedResponseCode?: number;
}

/** Cluster-level settings of a service (`ClusterMetadata`). */
export interface ClusterSettings {
  name: string;
  healthChecker: HealthChecker;
  /** Port probed when `useIPPort4Check` is false. */
  checkPort: number;
  useIPPort4Check: boolean;
  metadata: Record<string, string>;
}

export function defaultCluster(name: string): ClusterSettings {
  return { name, healthChecker: { type: 'TCP' }, checkPort: 80, useIPPort4Check: true, metadata: {} };
}

export interface Selector {
  /** `none` or `label` (expression kept as given; label selection is not evaluated). */
  type: string;
  expression?: string;
}

/** A service as stored in `naming.services`. */
export interface ServiceRecord extends ServiceId {
  protectThreshold: number;
  metadata: Record<string, string>;
  selector: Selector;
  /** Explicitly defined clusters; clusters used by instances but absent here have default settings. */
  clusters: Record<string, ClusterSettings>;
  /** Service kind fixed at creation: ephemeral services hold ephemeral instances only. */
  ephemeral: boolean;
  /** True when created/updated explicitly (durable); false for services created implicitly by a register. */
  persisted: boolean;
  createTime: number;
  modifyTime: number;
}

/** An instance as stored in `naming.instances`. */
export interface InstanceRecord extends ServiceId {
  instanceId: string;
  ip: string;
  port: number;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  clusterName: string;
  metadata: Record<string, string>;
  /** Owning client: `ip:port#true|false` for HTTP clients, a connection id for gRPC, etc. */
  clientId: string;
  /** Ms since epoch of the last change. */
  modifyTime: number;
}

/** What callers pass to register/update. Missing fields take Nacos defaults. */
export interface InstanceInput {
  ip: string;
  port: number;
  instanceId?: string;
  weight?: number;
  healthy?: boolean;
  enabled?: boolean;
  ephemeral?: boolean;
  clusterName?: string;
  metadata?: Record<string, string>;
}

/** `ip#port#cluster#group@@service` (`DefaultInstanceIdGenerator`). */
export function defaultInstanceId(ip: string, port: number, clusterName: string, svc: ServiceId): string {
  return `${ip}#${port}#${clusterName}#${groupedName(svc)}`;
}

function metaMs(meta: Record<string, string>, key: string, def: number): number {
  const v = meta[key];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  return Number.isFinite(n) ? n : def;
}

export function beatIntervalOf(meta: Record<string, string>): number {
  return metaMs(meta, META_BEAT_INTERVAL, DEFAULT_BEAT_INTERVAL_MS);
}
export function beatTimeoutOf(meta: Record<string, string>): number {
  return metaMs(meta, META_BEAT_TIMEOUT, DEFAULT_BEAT_TIMEOUT_MS);
}
export function ipDeleteTimeoutOf(meta: Record<string, string>): number {
  return metaMs(meta, META_IP_DELETE_TIMEOUT, DEFAULT_IP_DELETE_TIMEOUT_MS);
}

/** Canonical IP-port client id (`IpPortBasedClient`): `ip:port#ephemeral`. */
export function ipPortClientId(ip: string, port: number, ephemeral: boolean): string {
  return `${ip}:${port}#${ephemeral}`;
}

/**
 * Validates and completes an instance (`NamingUtils.checkInstanceIsLegal` plus the HTTP builder
 * checks). Throws InvalidArgument with Nacos' message and code; never partially applies.
 */
export function normalizeInstance(
  svc: ServiceId,
  input: InstanceInput,
  defaults: { ephemeral: boolean },
): Omit<InstanceRecord, 'clientId' | 'modifyTime'> {
  const ip = (input.ip ?? '').trim();
  if (!ip) throw new InvalidArgument("Required parameter 'ip' is not present", NacosCode.PARAMETER_MISSING);
  const port = input.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgument(
      `Instance 'port' should be an integer between 0 and 65535 (current: ${port})`,
      NacosCode.INSTANCE_ERROR,
    );
  const weight = input.weight ?? 1;
  if (!Number.isFinite(weight) || weight < MIN_WEIGHT || weight > MAX_WEIGHT)
    throw new InvalidArgument(
      `instance format invalid: The weights range from ${MIN_WEIGHT.toFixed(1)} to ${MAX_WEIGHT.toFixed(1)}`,
      NacosCode.WEIGHT_ERROR,
    );
  const clusterName = input.clusterName?.trim() || DEFAULT_CLUSTER;
  if (!CLUSTER_NAME.test(clusterName))
    throw new InvalidArgument(
      `Instance 'clusterName' should be characters with only 0-9a-zA-Z-. (current: ${clusterName})`,
      NacosCode.INSTANCE_ERROR,
    );
  const metadata = { ...(input.metadata ?? {}) };
  for (const [k, v] of Object.entries(metadata))
    if (typeof v !== 'string') metadata[k] = v === null || v === undefined ? '' : String(v);
  const interval = beatIntervalOf(metadata);
  if (beatTimeoutOf(metadata) < interval || ipDeleteTimeoutOf(metadata) < interval)
    throw new InvalidArgument(
      "Instance 'heart beat interval' must less than 'heart beat timeout' and 'ip delete timeout'.",
      NacosCode.INSTANCE_ERROR,
    );
  const instanceId = input.instanceId?.trim() || defaultInstanceId(ip, port, clusterName, svc);
  return {
    namespaceId: svc.namespaceId,
    groupName: svc.groupName,
    serviceName: svc.serviceName,
    instanceId,
    ip,
    port,
    weight,
    healthy: input.healthy ?? true,
    enabled: input.enabled ?? true,
    ephemeral: input.ephemeral ?? defaults.ephemeral,
    clusterName,
    metadata,
  };
}

/**
 * Parses Nacos' metadata parameter: a JSON object of strings, or legacy `k=v,k2=v2`
 * (`UtilsAndCommons.parseMetadata`). Bad input → 400, code 21002.
 */
export function parseMetadata(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  const s = raw.trim();
  if (s.startsWith('{')) {
    try {
      const v = JSON.parse(s);
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const out: Record<string, string> = {};
        for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? x : JSON.stringify(x);
        return out;
      }
    } catch {
      // falls through to the legacy format, which rejects it
    }
  }
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const kv = part.split('=');
    if (kv.length !== 2)
      throw new InvalidArgument(`metadata format incorrect:${raw}`, NacosCode.INSTANCE_METADATA_ERROR);
    out[kv[0]!] = kv[1]!;
  }
  return out;
}

/** The Nacos `Instance` JSON (all generations; `serviceName` grouped). */
export interface InstanceJson {
  instanceId: string;
  ip: string;
  port: number;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  clusterName: string;
  serviceName: string;
  metadata: Record<string, string>;
  instanceHeartBeatInterval: number;
  instanceHeartBeatTimeOut: number;
  ipDeleteTimeout: number;
  instanceIdGenerator: string;
}

export function instanceJson(i: InstanceRecord, healthy = i.healthy): InstanceJson {
  return {
    instanceId: i.instanceId,
    ip: i.ip,
    port: i.port,
    weight: i.weight,
    healthy,
    enabled: i.enabled,
    ephemeral: i.ephemeral,
    clusterName: i.clusterName,
    serviceName: groupedName(i),
    metadata: i.metadata,
    instanceHeartBeatInterval: beatIntervalOf(i.metadata),
    instanceHeartBeatTimeOut: beatTimeoutOf(i.metadata),
    ipDeleteTimeout: ipDeleteTimeoutOf(i.metadata),
    instanceIdGenerator: i.metadata[META_ID_GENERATOR] || 'simple',
  };
}

/**
 * Nacos `ServiceInfo` (spec §C.1). `name` is the ungrouped name (gRPC); HTTP v1 adapters replace
 * it with the grouped name.
 */
export interface ServiceInfo {
  name: string;
  groupName: string;
  clusters: string;
  cacheMillis: number;
  hosts: InstanceJson[];
  lastRefTime: number;
  checksum: string;
  allIPs: boolean;
  reachProtectionThreshold: boolean;
  valid: boolean;
}

export interface SelectOptions {
  /** Comma-separated cluster names; empty = all. */
  clusters?: string;
  healthyOnly?: boolean;
  /** Drop disabled instances (default true, as every Nacos query path does). */
  enabledOnly?: boolean;
}

/**
 * Host selection with protection threshold (`ServiceUtil.selectInstancesWithHealthyProtection`,
 * spec §C.1): cluster + enabled filter, then the healthy filter; then, only when the service has
 * explicit metadata (`protectThreshold` not undefined), if healthy(all selected) / hosts returned
 * is at or below the threshold, the hosts are returned with unhealthy ones rewritten as healthy.
 * compat(nacos): the ratio's denominator is the list after the healthy filter, as upstream does.
 */
export function selectHosts(
  all: Iterable<InstanceRecord>,
  protectThreshold: number | undefined,
  opts: SelectOptions,
): { hosts: InstanceJson[]; reachProtectionThreshold: boolean } {
  const clusterSet = parseClusters(opts.clusters);
  const enabledOnly = opts.enabledOnly ?? true;
  const picked: InstanceRecord[] = [];
  let healthyCount = 0;
  for (const i of all) {
    if ((clusterSet && !clusterSet.has(i.clusterName)) || (enabledOnly && !i.enabled)) continue;
    if (i.healthy) healthyCount++;
    if (!opts.healthyOnly || i.healthy) picked.push(i);
  }
  if (protectThreshold !== undefined && picked.length > 0) {
    const threshold = protectThreshold < 0 ? 0 : protectThreshold;
    if (healthyCount / picked.length <= threshold)
      return { hosts: picked.map((i) => instanceJson(i, true)), reachProtectionThreshold: true };
  }
  return { hosts: picked.map((i) => instanceJson(i)), reachProtectionThreshold: false };
}

export function parseClusters(clusters: string | undefined): Set<string> | undefined {
  if (!clusters) return undefined;
  const names = clusters
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  return names.length ? new Set(names) : undefined;
}
