import { InvalidArgument } from '../core/errors';

/** An instance as the Nacos SDKs send and receive it (api/…/naming/pojo/Instance.java). */
export interface WireInstance {
  instanceId?: string;
  ip: string;
  port: number;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  clusterName: string;
  serviceName?: string;
  metadata: Record<string, string>;
}

const CLUSTER_RE = /^[0-9a-zA-Z-]+$/;
const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const bool = (v: unknown, d: boolean) => (typeof v === 'boolean' ? v : d);

function metaMs(meta: Record<string, string>, key: string, d: number): number {
  const v = Number(meta[key]);
  return meta[key] !== undefined && Number.isFinite(v) ? v : d;
}

/**
 * Reads an `Instance` JSON object with Java defaults (weight 1, healthy/enabled/ephemeral true,
 * cluster DEFAULT) and `NamingUtils.checkInstanceIsLegal`; throws InvalidArgument (code 21004).
 */
export function parseWireInstance(v: unknown): WireInstance {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new InvalidArgument('instance is required');
  const o = v as Record<string, unknown>;
  const ip = typeof o.ip === 'string' ? o.ip.trim() : '';
  if (!ip) throw new InvalidArgument('instance ip is required', 21004);
  const port = num(o.port, 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgument(`instance port ${String(o.port)} is invalid`, 21004);
  const metadata: Record<string, string> = {};
  if (o.metadata && typeof o.metadata === 'object')
    for (const [k, x] of Object.entries(o.metadata as Record<string, unknown>))
      if (x !== null && x !== undefined) metadata[k] = String(x);
  const clusterName = typeof o.clusterName === 'string' && o.clusterName ? o.clusterName : 'DEFAULT';
  if (!CLUSTER_RE.test(clusterName))
    throw new InvalidArgument(
      `Instance 'clusterName' should be characters with only 0-9a-zA-Z-. (current: ${clusterName})`,
      21004,
    );
  const interval = metaMs(metadata, 'preserved.heart.beat.interval', 5000);
  if (
    metaMs(metadata, 'preserved.heart.beat.timeout', 15000) < interval ||
    metaMs(metadata, 'preserved.ip.delete.timeout', 30000) < interval
  )
    throw new InvalidArgument(
      "Instance 'heart beat interval' must less than 'heart beat timeout' and 'ip delete timeout'.",
      21004,
    );
  const weight = num(o.weight, 1);
  return {
    instanceId: typeof o.instanceId === 'string' && o.instanceId ? o.instanceId : undefined,
    ip,
    port,
    weight,
    healthy: bool(o.healthy, true),
    enabled: bool(o.enabled, true),
    ephemeral: bool(o.ephemeral, true),
    clusterName,
    serviceName: typeof o.serviceName === 'string' ? o.serviceName : undefined,
    metadata,
  };
}

/** `DefaultInstanceIdGenerator`: `ip#port#cluster#group@@service`. */
export function defaultInstanceId(
  i: Pick<WireInstance, 'ip' | 'port' | 'clusterName'>,
  groupedService: string,
) {
  return `${i.ip}#${i.port}#${i.clusterName}#${groupedService}`;
}

/** Instance JSON for output: grouped serviceName plus the getter-derived fields Java emits (§A.2.4). */
export function instanceJson(i: WireInstance, groupedService: string): Record<string, unknown> {
  const m = i.metadata;
  return {
    instanceId: i.instanceId ?? defaultInstanceId(i, groupedService),
    ip: i.ip,
    port: i.port,
    weight: i.weight,
    healthy: i.healthy,
    enabled: i.enabled,
    ephemeral: i.ephemeral,
    clusterName: i.clusterName,
    serviceName: groupedService,
    metadata: m,
    instanceHeartBeatInterval: metaMs(m, 'preserved.heart.beat.interval', 5000),
    instanceHeartBeatTimeOut: metaMs(m, 'preserved.heart.beat.timeout', 15000),
    ipDeleteTimeout: metaMs(m, 'preserved.ip.delete.timeout', 30000),
    instanceIdGenerator: m['preserved.instance.id.generator'] ?? 'simple',
  };
}

export interface ServiceInfoInput {
  /** Ungrouped service name. */
  name: string;
  groupName: string;
  /** Requested cluster filter (comma list) as sent; `''` = all. */
  clusters: string;
  instances: WireInstance[];
  healthyOnly: boolean;
  /** Service protect threshold; undefined when the service has no metadata (no protection). */
  protectThreshold?: number;
  now: number;
}

/**
 * `ServiceInfo` JSON for gRPC (spec §C.1): hosts selected by cluster ∩ enabled (∩ healthy when
 * healthyOnly), protection threshold applied, `name` ungrouped, both `allIPs` and `allIps`, and
 * every key the Rust client requires.
 */
export function serviceInfoJson(s: ServiceInfoInput): Record<string, unknown> {
  const grouped = `${s.groupName}@@${s.name}`;
  const wanted = new Set(s.clusters.split(',').filter(Boolean));
  let healthy = 0;
  let hosts: WireInstance[] = [];
  for (const i of s.instances) {
    if ((wanted.size && !wanted.has(i.clusterName)) || !i.enabled) continue;
    if (i.healthy) healthy++;
    if (!s.healthyOnly || i.healthy) hosts.push(i);
  }
  let reach = false;
  if (s.protectThreshold !== undefined && hosts.length > 0) {
    const threshold = Math.max(0, s.protectThreshold);
    // compat(nacos): ServiceUtil divides the cluster/enabled healthy count by the selected hosts.
    if (healthy / hosts.length <= threshold) {
      reach = true;
      hosts = hosts.map((i) => (i.healthy ? i : { ...i, healthy: true }));
    }
  }
  return {
    name: s.name,
    groupName: s.groupName,
    clusters: s.clusters,
    cacheMillis: 10000,
    hosts: hosts.map((i) => instanceJson(i, grouped)),
    lastRefTime: s.now,
    checksum: '',
    allIPs: false,
    allIps: false,
    reachProtectionThreshold: reach,
    valid: true,
  };
}
