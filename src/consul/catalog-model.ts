import type { ServiceId } from '../naming';
import type { Entry } from '../state';
import type { RegistryInstance } from './registry';

export const CHECKS_TABLE = 'consul.checks';
export const NODES_TABLE = 'consul.nodes';

export type CheckStatus = 'passing' | 'warning' | 'critical';
export const CHECK_STATUSES: readonly string[] = ['passing', 'warning', 'critical'];

/** A Consul node (a Batata server, or one registered through `/v1/catalog/register`). */
export interface NodeEntry {
  id: string;
  node: string;
  address: string;
  datacenter: string;
  taggedAddresses: Record<string, string>;
  meta: Record<string, string>;
  /** Set on a Batata server's own entry (written by that server only): the port of its `consul` service. */
  server?: { port: number };
}

/**
 * Naming client of the catalog services registered on `node`. They reach other servers through the
 * shared database (consul_catalog), not Distro: Distro leaves clients with this prefix alone.
 */
export const CATALOG_CLIENT_PREFIX = 'consul-catalog:';
export const catalogClientId = (node: string) => `${CATALOG_CLIENT_PREFIX}${node}`;

/** How a check is run (agent checks) — durations in ms, 0 = unset. */
export interface CheckSpec {
  ttlMs: number;
  intervalMs: number;
  timeoutMs: number;
  deregisterAfterMs: number;
  http?: string;
  method?: string;
  header?: Record<string, string[]>;
  body?: string;
  tlsSkipVerify?: boolean;
  tcp?: string;
}

/** A Consul health check in the `consul.checks` state table (key `node/checkId`). */
export interface CheckEntry {
  node: string;
  checkId: string;
  name: string;
  status: CheckStatus;
  notes: string;
  output: string;
  serviceId: string;
  serviceName: string;
  serviceTags: string[];
  /** `ttl`, `http`, `tcp`, `script`, `grpc`, `docker`, `alias`, `maintenance` or ''. */
  type: string;
  /** Original duration strings (`"10s"`), '' when unset. */
  interval: string;
  timeout: string;
  deregisterCriticalServiceAfter: string;
  ttl: string;
  spec: CheckSpec;
  /** `agent` checks run here; `catalog` checks are stored only (Consul semantics). */
  source: 'agent' | 'catalog';
}

export const checkKey = (node: string, checkId: string) => `${node}/${checkId}`;

/** Metadata keys a Consul service keeps in its Nacos instance (the rest of Meta is user data). */
export const META = {
  node: 'consul.node',
  tags: 'consul.tags',
  address: 'consul.address',
  kind: 'consul.kind',
  taggedAddresses: 'consul.tagged-addresses',
  weights: 'consul.weights',
  enableTagOverride: 'consul.enable-tag-override',
  checks: 'consul.checks',
  source: 'consul.source',
} as const;

const RESERVED = new Set<string>(Object.values(META));

/** A Consul service view of a naming instance (registered through Consul or through Nacos). */
export interface ServiceView {
  id: string;
  service: string;
  tags: string[];
  meta: Record<string, string>;
  port: number;
  /** Consul `Address` ('' = the node's address). */
  address: string;
  kind: string;
  taggedAddresses?: Record<string, { Address: string; Port: number }>;
  weights: { Passing: number; Warning: number };
  enableTagOverride: boolean;
  node: string;
  /**
   * 'agent' / 'catalog' for Consul registrations, 'nacos' for native Nacos instances, 'server' for
   * this server's own `consul` service.
   */
  source: 'agent' | 'catalog' | 'nacos' | 'server';
  instance: RegistryInstance;
  createIndex: number;
  modifyIndex: number;
}

function parseJson<T>(s: string | undefined, def: T): T {
  if (!s) return def;
  try {
    return JSON.parse(s) as T;
  } catch {
    return def;
  }
}

export function serviceView(
  i: RegistryInstance,
  localNode: string,
  createIndex: number,
  modifyIndex: number,
): ServiceView {
  const m = i.metadata;
  const consul = m[META.source] === 'agent' || m[META.source] === 'catalog';
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) if (!RESERVED.has(k)) meta[k] = v;
  return {
    id: i.instanceId,
    service: i.serviceName,
    tags: parseJson<string[]>(m[META.tags], []),
    meta,
    port: i.port,
    address: consul ? (m[META.address] ?? '') : i.ip,
    kind: m[META.kind] ?? '',
    taggedAddresses: parseJson(m[META.taggedAddresses], undefined),
    weights: parseJson(m[META.weights], { Passing: Math.max(1, Math.round(i.weight)), Warning: 1 }),
    enableTagOverride: m[META.enableTagOverride] === 'true',
    node: consul ? (m[META.node] ?? localNode) : localNode,
    source: consul ? (m[META.source] as 'agent' | 'catalog') : 'nacos',
    instance: i,
    createIndex,
    modifyIndex,
  };
}

/** A check with every field at its empty value (critical until told otherwise). */
export function blankCheck(node: string, checkId: string, name: string, v?: ServiceView): CheckEntry {
  return {
    node,
    checkId,
    name,
    status: 'critical',
    notes: '',
    output: '',
    serviceId: v?.id ?? '',
    serviceName: v?.service ?? '',
    serviceTags: v?.tags ?? [],
    type: '',
    interval: '',
    timeout: '',
    deregisterCriticalServiceAfter: '',
    ttl: '',
    spec: { ttlMs: 0, intervalMs: 0, timeoutMs: 0, deregisterAfterMs: 0 },
    source: 'agent',
  };
}

/** The synthetic check a native Nacos instance shows in Consul health (its healthy/enabled flags). */
export function nacosCheck(v: ServiceView): CheckEntry {
  const ok = v.instance.healthy && v.instance.enabled;
  return {
    ...blankCheck(v.node, `service:${v.id}`, 'Nacos instance health', v),
    status: ok ? 'passing' : 'critical',
    output: ok ? 'Nacos instance is healthy' : 'Nacos instance is unhealthy or disabled',
    source: 'catalog',
  };
}

/**
 * What another server's agent service shows for the checks it runs on that server (they are not
 * stored): one check with the health that server computed, when the service defines checks.
 */
export function agentHealthCheck(v: ServiceView): CheckEntry | undefined {
  if (!parseJson<unknown[]>(v.instance.metadata[META.checks], []).length) return undefined;
  const ok = v.instance.healthy;
  return {
    ...blankCheck(v.node, `service:${v.id}`, 'Agent service health', v),
    status: ok ? 'passing' : 'critical',
    output: ok
      ? `The checks of this service pass on node ${v.node}`
      : `A check of this service or of node ${v.node} is critical there`,
  };
}

/** The service every Consul server node carries (clients look for it). */
export const CONSUL_SERVICE = 'consul';

/** This server's `consul` service on its node entry `n` (not a naming instance; no checks of its own). */
export function consulServiceView(n: Entry<NodeEntry>, port: number, svc: ServiceId): ServiceView {
  const meta = {
    raft_version: '3',
    serf_protocol_current: '2',
    serf_protocol_max: '5',
    serf_protocol_min: '1',
    version: n.value.meta['consul-version'] ?? '',
  };
  return {
    id: CONSUL_SERVICE,
    service: CONSUL_SERVICE,
    tags: [],
    meta,
    port,
    address: '',
    kind: '',
    weights: { Passing: 1, Warning: 1 },
    enableTagOverride: false,
    node: n.value.node,
    source: 'server',
    instance: {
      ...svc,
      instanceId: CONSUL_SERVICE,
      ip: n.value.address,
      port,
      weight: 1,
      healthy: true,
      enabled: true,
      ephemeral: true,
      clusterName: 'DEFAULT',
      metadata: meta,
      clientId: `consul:${n.value.node}`,
      modifyTime: 0,
    },
    createIndex: n.createIndex,
    modifyIndex: n.createIndex,
  };
}

export function serfHealth(node: string): CheckEntry {
  return {
    ...blankCheck(node, 'serfHealth', 'Serf Health Status'),
    status: 'passing',
    output: 'Agent alive and reachable',
  };
}

// ── wire shapes ──

export function nodeJson(n: NodeEntry, createIndex: number, modifyIndex: number) {
  return {
    ID: n.id,
    Node: n.node,
    Address: n.address,
    Datacenter: n.datacenter,
    TaggedAddresses: n.taggedAddresses,
    Meta: n.meta,
    CreateIndex: createIndex,
    ModifyIndex: modifyIndex,
  };
}

export function agentServiceJson(v: ServiceView, datacenter: string) {
  return {
    ...(v.kind ? { Kind: v.kind } : {}),
    ID: v.id,
    Service: v.service,
    Tags: v.tags,
    Meta: v.meta,
    Port: v.port,
    Address: v.address,
    ...(v.taggedAddresses ? { TaggedAddresses: v.taggedAddresses } : {}),
    Weights: v.weights,
    EnableTagOverride: v.enableTagOverride,
    CreateIndex: v.createIndex,
    ModifyIndex: v.modifyIndex,
    Datacenter: datacenter,
  };
}

export function nodeServiceJson(v: ServiceView) {
  return {
    ...(v.kind ? { Kind: v.kind } : {}),
    ID: v.id,
    Service: v.service,
    Tags: v.tags,
    Address: v.address,
    ...(v.taggedAddresses ? { TaggedAddresses: v.taggedAddresses } : {}),
    Meta: v.meta,
    ...(v.port ? { Port: v.port } : {}),
    Weights: v.weights,
    EnableTagOverride: v.enableTagOverride,
    Proxy: { MeshGateway: {}, Expose: {} },
    Connect: {},
    PeerName: '',
    CreateIndex: v.createIndex,
    ModifyIndex: v.modifyIndex,
  };
}

export function serviceNodeJson(v: ServiceView, n: NodeEntry) {
  return {
    ID: n.id,
    Node: n.node,
    Address: n.address,
    Datacenter: n.datacenter,
    TaggedAddresses: n.taggedAddresses,
    NodeMeta: n.meta,
    ServiceKind: v.kind,
    ServiceID: v.id,
    ServiceName: v.service,
    ServiceTags: v.tags,
    ServiceAddress: v.address,
    ...(v.taggedAddresses ? { ServiceTaggedAddresses: v.taggedAddresses } : {}),
    ServiceWeights: v.weights,
    ServiceMeta: v.meta,
    ServicePort: v.port,
    ServiceSocketPath: '',
    ServiceEnableTagOverride: v.enableTagOverride,
    ServiceProxy: { MeshGateway: {}, Expose: {} },
    ServiceConnect: {},
    ServiceLocality: null,
    CreateIndex: v.createIndex,
    ModifyIndex: v.modifyIndex,
  };
}

export function healthCheckJson(c: CheckEntry, createIndex: number, modifyIndex: number) {
  const def: Record<string, unknown> = {};
  if (c.spec.http) def.HTTP = c.spec.http;
  if (c.spec.header) def.Header = c.spec.header;
  if (c.spec.method) def.Method = c.spec.method;
  if (c.spec.body) def.Body = c.spec.body;
  if (c.spec.tlsSkipVerify) def.TLSSkipVerify = true;
  if (c.spec.tcp) def.TCP = c.spec.tcp;
  if (c.interval) def.Interval = c.interval;
  if (c.timeout) def.Timeout = c.timeout;
  if (c.deregisterCriticalServiceAfter) def.DeregisterCriticalServiceAfter = c.deregisterCriticalServiceAfter;
  return {
    Node: c.node,
    CheckID: c.checkId,
    Name: c.name,
    Status: c.status,
    Notes: c.notes,
    Output: c.output,
    ServiceID: c.serviceId,
    ServiceName: c.serviceName,
    ServiceTags: c.serviceTags,
    Type: c.type,
    Interval: c.interval,
    Timeout: c.timeout,
    ExposedPort: 0,
    Definition: def,
    CreateIndex: createIndex,
    ModifyIndex: modifyIndex,
  };
}
