import type { Clock, TimerHandle } from '../core/clock';
import { InvalidArgument, NacosCode, NotFound } from '../core/errors';
import type { Logger } from '../core/log';
import type { Change, StateStore, Table, WriteContext } from '../state';
import { BeatDeadlines } from './beat-deadlines';
import {
  beatIntervalOf,
  beatTimeoutOf,
  type ClusterSettings,
  DEFAULT_CLUSTER,
  defaultCluster,
  groupedName,
  type InstanceInput,
  type InstanceRecord,
  instanceKey,
  ipDeleteTimeoutOf,
  ipPortClientId,
  normalizeInstance,
  parseServiceKey,
  type Selector,
  type ServiceId,
  type ServiceInfo,
  type ServiceRecord,
  selectHosts,
  serviceKey,
  serviceKeyOfInstanceKey,
} from './naming-model';
import type { NamingRepo } from './naming-repo';

/** State table of services (key: `serviceKey(id)`, value: ServiceRecord). */
export const SERVICES_TABLE = 'naming.services';
/** State table of instances (key: `instanceKey(serviceKey, instanceId)`, value: InstanceRecord). */
export const INSTANCES_TABLE = 'naming.instances';

export interface NamingOptions {
  /** Debounce between a change and the push to subscribers (Nacos: 500 ms). */
  pushDelayMs: number;
  /** How often heartbeat deadlines are checked. */
  beatCheckIntervalMs: number;
  /** `cacheMillis` advertised in ServiceInfo. */
  cacheMillis: number;
  /** Ephemeral flag when a register request does not say. */
  defaultEphemeral: boolean;
  /** Subscribers with an `expireMs` are dropped when not refreshed for that long. */
  subscriberExpireMs: number;
}

export const DEFAULT_NAMING_OPTIONS: NamingOptions = {
  pushDelayMs: 500,
  beatCheckIntervalMs: 1000,
  cacheMillis: 10000,
  defaultEphemeral: true,
  subscriberExpireMs: 30000,
};

/** Who registers: a client id owns ephemeral instances; `heartbeat` clients must beat to stay alive. */
export interface ClientRef {
  /** Default `ip:port#ephemeral` (an HTTP IP-port client). gRPC passes its connection id. */
  clientId?: string;
  /** Instances expire without beats (HTTP clients). Default: ephemeral && no explicit clientId. */
  heartbeat?: boolean;
}

/** One subscriber of a service (gRPC connection, UDP 1.x client, …). */
export interface Subscriber {
  /** Owner: connection id, `udp:ip:port`, … `removeClient(clientId)` drops its subscriptions. */
  clientId: string;
  /** `udp`, `grpc`, or any transport name; push consumers pick theirs. */
  kind: string;
  ip: string;
  /** UDP port for `udp` subscribers, 0 otherwise. */
  port: number;
  agent: string;
  app: string;
  /** Requested cluster filter (comma list, '' = all). */
  clusters: string;
  namespaceId: string;
  groupName: string;
  serviceName: string;
  /** Last subscribe/refresh time (ms). */
  lastSeen: number;
  /** Dropped if not refreshed for this long (UDP); undefined = until removed. */
  expires?: boolean;
}

/** Emitted once per changed service after the push debounce. */
export interface PushEvent {
  service: ServiceId;
  serviceKey: string;
  /** Per-service revision (state index of its last change). */
  revision: number;
  /** Subscribers at emit time. */
  subscribers: readonly Subscriber[];
  /** The ServiceInfo to push to a subscriber (its clusters, healthyOnly=false, enabled only). */
  serviceInfo(clusters: string): ServiceInfo;
}

export interface NamingHooks {
  registered?(n: number): void;
  queried?(): void;
}

interface ServiceEntry {
  instances: Map<string, InstanceRecord>;
  revision: number;
  cache: Map<string, { revision: number; hosts: ServiceInfo['hosts']; reach: boolean }>;
}

/** An instance to stage (`stageInstances`), with the storage indexes it keeps when they were allocated elsewhere. */
export interface StagedInstance {
  rec: InstanceRecord;
  createIndex?: number;
  modifyIndex?: number;
  /** Already durable elsewhere: mirrored here only. */
  replica?: boolean;
}

/** An instance removal to stage; `index` is the tombstone's index when allocated elsewhere. */
export interface StagedRemoval {
  rec: InstanceRecord;
  index?: number;
  replica?: boolean;
}

export type InstanceLocator = { instanceId: string } | { ip: string; port: number; clusterName?: string };

export interface ServicePatch {
  protectThreshold?: number;
  metadata?: Record<string, string>;
  selector?: Selector;
}

/**
 * The one naming registry behind every protocol (Nacos HTTP v1/v2/v3, Nacos gRPC, Consul). See
 * `index.ts` for the API contract. All mutations go through `state.write` on SERVICES_TABLE and
 * INSTANCES_TABLE; derived indexes (per-service instance maps, revisions, client ownership) are
 * maintained from the committed change stream, so every writer is seen by every reader.
 */
export class NamingService {
  readonly services: Table<ServiceRecord>;
  readonly instanceTable: Table<InstanceRecord>;
  private readonly entries = new Map<string, ServiceEntry>();
  /** Client id → its instance keys; a single key is stored as a string (most HTTP clients own one). */
  private readonly clientInstances = new Map<string, string | Set<string>>();
  /** Heartbeat-driven instances: instance key → last beat and deadlines. */
  private readonly beats: BeatDeadlines;
  private readonly subs = new Map<string, Map<string, Subscriber>>();
  private readonly pushTimers = new Map<string, TimerHandle>();
  private readonly pushListeners = new Set<(e: PushEvent) => void>();
  private beatTimer?: TimerHandle;
  private disposed = false;
  private readonly unsubscribe: () => void;
  readonly opts: NamingOptions;

  constructor(
    private readonly state: StateStore,
    private readonly repo: NamingRepo,
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: Partial<NamingOptions> = {},
    private readonly hooks: NamingHooks = {},
  ) {
    this.opts = { ...DEFAULT_NAMING_OPTIONS, ...opts };
    this.beats = new BeatDeadlines(this.opts.beatCheckIntervalMs);
    this.services = state.table<ServiceRecord>(SERVICES_TABLE);
    this.instanceTable = state.table<InstanceRecord>(INSTANCES_TABLE);
    this.unsubscribe = state.subscribe((changes, index) => this.onCommit(changes, index));
  }

  /** Loads durable services and persistent instances into state (boot, before listeners open). */
  async load(): Promise<void> {
    const services = await this.repo.loadServices();
    const instances = await this.repo.loadInstances();
    this.state.applyNow((w) => {
      const known = new Set<string>();
      for (const s of services) {
        known.add(serviceKey(s));
        w.put(this.services, serviceKey(s), s);
      }
      for (const i of instances) {
        const sk = serviceKey(i);
        if (!known.has(sk)) {
          known.add(sk);
          w.put(this.services, sk, this.implicitService(i, false));
        }
        w.put(this.instanceTable, instanceKey(sk, i.instanceId), i);
      }
    });
  }

  /** Starts the heartbeat deadline sweeper. */
  start(): void {
    const tick = () => {
      if (this.disposed) return;
      void this.sweep()
        .catch((e) => this.log.warn('heartbeat sweep failed', { err: e }))
        .finally(() => {
          if (!this.disposed) this.beatTimer = this.clock.setTimeout(tick, this.opts.beatCheckIntervalMs);
        });
    };
    this.beatTimer = this.clock.setTimeout(tick, this.opts.beatCheckIntervalMs);
  }

  dispose(): void {
    this.disposed = true;
    if (this.beatTimer) this.clock.clearTimeout(this.beatTimer);
    for (const t of this.pushTimers.values()) this.clock.clearTimeout(t);
    this.pushTimers.clear();
    this.unsubscribe();
  }

  // ───────────────────────────── instances ─────────────────────────────

  /**
   * Registers (or replaces, by instanceId) one instance. Persistent instances are saved to the
   * repo first. Throws InvalidArgument (21004/21001/21002…) on bad input, changing nothing.
   */
  async registerInstance(
    svc: ServiceId,
    input: InstanceInput,
    client: ClientRef = {},
  ): Promise<InstanceRecord> {
    const [rec] = await this.registerMany(svc, [input], client, false);
    return rec!;
  }

  /**
   * Replaces everything `clientId` owns in `svc` with `inputs` (gRPC semantics: register =
   * replace with one, batch register = replace with the list, deregister = replace with none).
   */
  async replaceClientInstances(
    clientId: string,
    svc: ServiceId,
    inputs: InstanceInput[],
    opts: { heartbeat?: boolean } = {},
  ): Promise<InstanceRecord[]> {
    return this.registerMany(svc, inputs, { clientId, heartbeat: opts.heartbeat ?? false }, true);
  }

  private async registerMany(
    svc: ServiceId,
    inputs: InstanceInput[],
    client: ClientRef,
    replaceClient: boolean,
  ): Promise<InstanceRecord[]> {
    const now = this.clock.now();
    const recs = inputs.map((input) => {
      const n = normalizeInstance(svc, input, { ephemeral: this.opts.defaultEphemeral });
      const clientId = client.clientId ?? ipPortClientId(n.ip, n.port, n.ephemeral);
      return { ...n, clientId, modifyTime: now } satisfies InstanceRecord;
    });
    const sk = serviceKey(svc);
    const heartbeat = client.heartbeat ?? client.clientId === undefined;
    // Persistent rows are written before taking the state lock, so concurrent registers share
    // one group commit in the repo; the kind check runs before (and again inside) the lock, and a
    // register that loses a race there removes the rows it wrote.
    const early = !replaceClient ? recs.filter((r) => !r.ephemeral) : [];
    if (early.length) {
      this.checkKind(svc, sk, recs, client.clientId, replaceClient);
      await Promise.all(early.map((r) => this.repo.saveInstance(r)));
    }
    const result = await this.state.write(async (w) => {
      const existing = this.services.get(sk)?.value;
      try {
        this.checkKind(svc, sk, recs, client.clientId, replaceClient);
      } catch (e) {
        for (const r of early) await this.repo.deleteInstance(r, r.instanceId).catch(() => {});
        throw e;
      }
      const stale: InstanceRecord[] = [];
      if (replaceClient && client.clientId) {
        const keep = new Set(recs.map((r) => r.instanceId));
        for (const k of this.owned(client.clientId))
          if (serviceKeyOfInstanceKey(k) === sk) {
            const i = this.instanceTable.get(k)?.value;
            if (i && !keep.has(i.instanceId)) stale.push(i);
          }
      }
      for (const r of recs) if (!r.ephemeral && !early.includes(r)) await this.repo.saveInstance(r);
      for (const s of stale) if (!s.ephemeral) await this.repo.deleteInstance(s, s.instanceId);
      if (!existing && recs.length) w.put(this.services, sk, this.implicitService(svc, recs[0]!.ephemeral));
      for (const s of stale) w.delete(this.instanceTable, instanceKey(sk, s.instanceId));
      for (const r of recs) w.put(this.instanceTable, instanceKey(sk, r.instanceId), r);
      if (existing && !existing.persisted && !recs.length && this.remainingAfter(sk, stale.length) === 0)
        w.delete(this.services, sk);
      return recs;
    });
    for (const r of result) {
      const k = instanceKey(sk, r.instanceId);
      if (heartbeat && r.ephemeral)
        this.beats.set(k, {
          last: now,
          timeout: beatTimeoutOf(r.metadata),
          del: ipDeleteTimeoutOf(r.metadata),
        });
      else this.beats.delete(k);
    }
    if (result.length) this.hooks.registered?.(result.length);
    return result;
  }

  /**
   * Builds and validates the record `registerInstance` would store for an ephemeral instance owned
   * by `clientId`, without changing state: for callers that stage instances inside their own
   * state write (`stageInstances`). Throws as registerInstance does (bad input, kind mismatch).
   */
  prepareInstance(svc: ServiceId, input: InstanceInput, clientId: string): InstanceRecord {
    const n = normalizeInstance(svc, { ...input, ephemeral: true }, { ephemeral: true });
    const rec: InstanceRecord = { ...n, clientId, modifyTime: this.clock.now() };
    this.checkKind(svc, serviceKey(svc), [rec], clientId, false);
    return rec;
  }

  /**
   * Stages ephemeral instance puts (records from `prepareInstance`, or current ones with changed
   * fields) and removals inside the caller's `state.write`, so they apply at that write's index
   * together with the caller's own changes, or not at all. Implicit service records are created
   * and dropped as registerInstance/deregisterInstance do; these instances never expire by
   * heartbeat. `puts` and `removes` must not name the same instance. Indexes allocated elsewhere
   * (a row's storage indexes, a deletion's tombstone index) are kept on the entries when given.
   */
  stageInstances(w: WriteContext, puts: StagedInstance[], removes: StagedRemoval[]): void {
    const delta = new Map<string, { svc: ServiceId; n: number; added: boolean }>();
    const at = (r: InstanceRecord) => {
      const sk = serviceKey(r);
      let d = delta.get(sk);
      if (!d) delta.set(sk, (d = { svc: r, n: 0, added: false }));
      return { sk, d };
    };
    for (const { rec: r, index, replica } of removes) {
      const { sk, d } = at(r);
      const k = instanceKey(sk, r.instanceId);
      if (!this.instanceTable.has(k)) continue;
      w.delete(this.instanceTable, k, { index, replica });
      this.beats.delete(k);
      d.n--;
    }
    for (const { rec: r, createIndex, modifyIndex, replica } of puts) {
      if (!r.ephemeral) throw new Error('stageInstances: persistent instances need registerInstance');
      const { sk, d } = at(r);
      const k = instanceKey(sk, r.instanceId);
      if (!this.instanceTable.has(k)) d.n++;
      d.added = true;
      w.put(this.instanceTable, k, r, { createIndex, modifyIndex, replica });
      this.beats.delete(k);
    }
    for (const [sk, d] of delta) {
      const svc = this.services.get(sk)?.value;
      if (!svc && d.added) w.put(this.services, sk, this.implicitService(d.svc, true));
      else if (svc && !svc.persisted && this.remainingAfter(sk, -d.n) <= 0) w.delete(this.services, sk);
    }
    if (puts.length) this.hooks.registered?.(puts.length);
  }

  /**
   * compat(nacos): Nacos fixes a service's kind when it is created; we fix it by its current
   * instances, so a service created empty (console, v1 POST /service) takes either kind.
   */
  private checkKind(
    svc: ServiceId,
    sk: string,
    recs: InstanceRecord[],
    clientId: string | undefined,
    replaceClient: boolean,
  ) {
    const entry = this.entries.get(sk);
    const first = entry?.instances.values().next().value as InstanceRecord | undefined;
    if (!first) return;
    if (replaceClient && [...entry!.instances.values()].every((i) => i.clientId === clientId)) return;
    for (const r of recs)
      if (r.ephemeral !== first.ephemeral)
        throw new InvalidArgument(
          `Current service ${groupedName(svc)} is ${first.ephemeral ? 'ephemeral' : 'persistent'} service, can't register ${
            r.ephemeral ? 'ephemeral' : 'persistent'
          } instance.`,
          NacosCode.INSTANCE_ERROR,
        );
  }

  private remainingAfter(sk: string, removed: number): number {
    return (this.entries.get(sk)?.instances.size ?? 0) - removed;
  }

  private implicitService(svc: ServiceId, ephemeral: boolean): ServiceRecord {
    const now = this.clock.now();
    return {
      namespaceId: svc.namespaceId,
      groupName: svc.groupName,
      serviceName: svc.serviceName,
      protectThreshold: 0,
      metadata: {},
      selector: { type: 'none' },
      clusters: {},
      ephemeral,
      persisted: false,
      createTime: now,
      modifyTime: now,
    };
  }

  /** Finds an instance by id or by ip/port/cluster (cluster default `DEFAULT`). */
  findInstance(svc: ServiceId, loc: InstanceLocator): InstanceRecord | undefined {
    const sk = serviceKey(svc);
    if ('instanceId' in loc) return this.instanceTable.get(instanceKey(sk, loc.instanceId))?.value;
    const cluster = loc.clusterName || DEFAULT_CLUSTER;
    for (const i of this.entries.get(sk)?.instances.values() ?? [])
      if (i.ip === loc.ip && i.port === loc.port && i.clusterName === cluster) return i;
    return undefined;
  }

  /** Like findInstance, but throws NotFound (21003) with Nacos' wording. */
  getInstance(svc: ServiceId, loc: InstanceLocator): InstanceRecord {
    const i = this.findInstance(svc, loc);
    if (!i) {
      if (!this.entries.get(serviceKey(svc))?.instances.size)
        throw new NotFound(
          `no ips found for cluster ${'clusterName' in loc ? loc.clusterName || DEFAULT_CLUSTER : ''} in service ${groupedName(svc)}`,
          NacosCode.RESOURCE_NOT_FOUND,
        );
      throw new NotFound(
        'instanceId' in loc
          ? `no matched ip found: ${loc.instanceId}`
          : `no matched ip found: ${loc.ip}:${loc.port}`,
        NacosCode.INSTANCE_NOT_FOUND,
      );
    }
    return i;
  }

  /** Removes one instance. Returns false (and changes nothing) when it does not exist. */
  async deregisterInstance(svc: ServiceId, loc: InstanceLocator): Promise<boolean> {
    const sk = serviceKey(svc);
    return this.state.write(async (w) => {
      const i = this.findInstance(svc, loc);
      if (!i) return false;
      if (!i.ephemeral) await this.repo.deleteInstance(i, i.instanceId);
      this.stageRemove(w, sk, [i]);
      return true;
    });
  }

  private stageRemove(
    w: Parameters<Parameters<StateStore['write']>[0]>[0],
    sk: string,
    gone: InstanceRecord[],
  ) {
    for (const i of gone) {
      const k = instanceKey(sk, i.instanceId);
      w.delete(this.instanceTable, k);
      this.beats.delete(k);
    }
    const svc = this.services.get(sk)?.value;
    if (svc && !svc.persisted && this.remainingAfter(sk, gone.length) <= 0) w.delete(this.services, sk);
  }

  /**
   * Updates an existing instance (same id) with new values; ownership is kept. Throws NotFound
   * (21003) if it does not exist.
   */
  async updateInstance(svc: ServiceId, input: InstanceInput): Promise<InstanceRecord> {
    const n = normalizeInstance(svc, input, { ephemeral: this.opts.defaultEphemeral });
    return this.modifyInstance(svc, { instanceId: n.instanceId }, (cur) => ({
      ...cur,
      ...n,
      ephemeral: cur.ephemeral,
    }));
  }

  /** Partial update (PATCH): only the given fields change. */
  async patchInstance(
    svc: ServiceId,
    loc: InstanceLocator,
    patch: Partial<Pick<InstanceRecord, 'weight' | 'enabled' | 'healthy' | 'metadata'>>,
  ): Promise<InstanceRecord> {
    return this.modifyInstance(svc, loc, (cur) => {
      const next = { ...cur, ...patch };
      normalizeInstance(svc, next, { ephemeral: cur.ephemeral });
      return next;
    });
  }

  /** Sets health (server checks, manual `/health/instance`, Consul checks). No-op when unchanged. */
  async setHealth(svc: ServiceId, loc: InstanceLocator, healthy: boolean): Promise<InstanceRecord> {
    return this.modifyInstance(svc, loc, (cur) => (cur.healthy === healthy ? cur : { ...cur, healthy }));
  }

  private async modifyInstance(
    svc: ServiceId,
    loc: InstanceLocator,
    fn: (cur: InstanceRecord) => InstanceRecord,
  ): Promise<InstanceRecord> {
    const sk = serviceKey(svc);
    return this.state.write(async (w) => {
      const cur = this.findInstance(svc, loc);
      if (!cur)
        throw new NotFound(
          `instance not exist: ${'instanceId' in loc ? loc.instanceId : `${loc.ip}:${loc.port}`}`,
          NacosCode.INSTANCE_NOT_FOUND,
        );
      const next = fn(cur);
      if (next === cur) return cur;
      next.modifyTime = this.clock.now();
      if (!next.ephemeral) await this.repo.saveInstance(next);
      w.put(this.instanceTable, instanceKey(sk, next.instanceId), next);
      return next;
    });
  }

  /**
   * Adds (`update`) or removes (`delete`) metadata keys on several instances of a service at
   * once (`/instance/metadata/batch`). `which` empty = every instance. Returns the changed ones.
   */
  async batchMetadata(
    svc: ServiceId,
    which: InstanceLocator[],
    metadata: Record<string, string>,
    op: 'update' | 'delete',
  ): Promise<InstanceRecord[]> {
    const sk = serviceKey(svc);
    return this.state.write(async (w) => {
      const targets = which.length
        ? which.map((l) => this.findInstance(svc, l)).filter((i): i is InstanceRecord => !!i)
        : [...(this.entries.get(sk)?.instances.values() ?? [])];
      const out: InstanceRecord[] = [];
      for (const cur of targets) {
        const meta = { ...cur.metadata };
        if (op === 'update') Object.assign(meta, metadata);
        else for (const k of Object.keys(metadata)) delete meta[k];
        const next = { ...cur, metadata: meta, modifyTime: this.clock.now() };
        if (!next.ephemeral) await this.repo.saveInstance(next);
        w.put(this.instanceTable, instanceKey(sk, next.instanceId), next);
        out.push(next);
      }
      return out;
    });
  }

  /**
   * A heartbeat from an HTTP client (`/instance/beat`). Known instance: refreshes its deadline
   * (and makes it healthy again). Unknown with `beat` info: registers it (Nacos auto-register).
   * Unknown without: code 20404 so the client re-registers.
   */
  async beat(
    svc: ServiceId,
    loc: { ip: string; port: number; clusterName?: string },
    beatInfo?: InstanceInput,
  ): Promise<{ code: 10200 | 20404; clientBeatInterval: number }> {
    let inst = this.findInstance(svc, loc);
    if (!inst) {
      if (!beatInfo) return { code: 20404, clientBeatInterval: 5000 };
      inst = await this.registerInstance(svc, { ...beatInfo, ephemeral: true, clusterName: loc.clusterName });
      return { code: 10200, clientBeatInterval: beatIntervalOf(inst.metadata) };
    }
    const k = instanceKey(serviceKey(svc), inst.instanceId);
    if (inst.ephemeral && this.beats.touch(k, this.clock.now())) {
      if (!inst.healthy) await this.setHealth(svc, { instanceId: inst.instanceId }, true).catch(() => {});
    }
    return { code: 10200, clientBeatInterval: beatIntervalOf(inst.metadata) };
  }

  /** Removes every ephemeral instance and subscription owned by a client (connection closed). */
  async removeClient(clientId: string): Promise<number> {
    for (const [sk, m] of this.subs) {
      for (const [k, s] of m) if (s.clientId === clientId) m.delete(k);
      if (!m.size) this.subs.delete(sk);
    }
    const keys = this.owned(clientId);
    if (!keys.length) return 0;
    return this.state.write(async (w) => {
      const bySvc = new Map<string, InstanceRecord[]>();
      for (const k of keys) {
        const i = this.instanceTable.get(k)?.value;
        if (!i?.ephemeral || i.clientId !== clientId) continue;
        const sk = serviceKeyOfInstanceKey(k);
        bySvc.set(sk, [...(bySvc.get(sk) ?? []), i]);
      }
      let n = 0;
      for (const [sk, gone] of bySvc) {
        this.stageRemove(w, sk, gone);
        n += gone.length;
      }
      return n;
    });
  }

  /** Instance keys owned by a client. */
  clientInstanceKeys(clientId: string): string[] {
    return this.owned(clientId);
  }

  /** Known client ids (instance owners and subscribers). */
  clientIds(): string[] {
    const ids = new Set(this.clientInstances.keys());
    for (const m of this.subs.values()) for (const s of m.values()) ids.add(s.clientId);
    return [...ids];
  }

  /** Marks beat-driven instances unhealthy / removes them when their deadlines passed. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    const unhealthy: InstanceRecord[] = [];
    const expired: InstanceRecord[] = [];
    for (const { key: k, beat: b, idle } of this.beats.overdue(now)) {
      const i = this.instanceTable.get(k)?.value;
      if (!i) {
        this.beats.delete(k);
        continue;
      }
      if (idle > b.del) expired.push(i);
      else if (i.healthy) unhealthy.push(i);
    }
    for (const [sk, m] of this.subs) {
      for (const [k, s] of m) if (s.expires && now - s.lastSeen > this.opts.subscriberExpireMs) m.delete(k);
      if (!m.size) this.subs.delete(sk);
    }
    if (!unhealthy.length && !expired.length) return;
    await this.state.write((w) => {
      for (const i of unhealthy) {
        const k = instanceKey(serviceKey(i), i.instanceId);
        const cur = this.instanceTable.get(k)?.value;
        const b = this.beats.get(k);
        if (cur?.healthy && b !== undefined && now - b.last > b.timeout)
          w.put(this.instanceTable, k, { ...cur, healthy: false, modifyTime: now });
      }
      const bySvc = new Map<string, InstanceRecord[]>();
      for (const i of expired) {
        const k = instanceKey(serviceKey(i), i.instanceId);
        const b = this.beats.get(k);
        if (b === undefined || now - b.last <= b.del || !this.instanceTable.has(k)) continue;
        bySvc.set(serviceKey(i), [...(bySvc.get(serviceKey(i)) ?? []), i]);
      }
      for (const [sk, gone] of bySvc) this.stageRemove(w, sk, gone);
    });
    for (const i of unhealthy)
      this.log.info('instance unhealthy: no heartbeat', { service: groupedName(i), ip: i.ip, port: i.port });
    for (const i of expired)
      this.log.info('instance removed: no heartbeat', { service: groupedName(i), ip: i.ip, port: i.port });
  }

  // ───────────────────────────── services ─────────────────────────────

  getService(svc: ServiceId): ServiceRecord | undefined {
    return this.services.get(serviceKey(svc))?.value;
  }

  /** Like getService but throws NotFound (21008) with Nacos' wording. */
  requireService(svc: ServiceId): ServiceRecord {
    const s = this.getService(svc);
    if (!s)
      throw new NotFound(
        `service not found, namespace: ${svc.namespaceId}, serviceName: ${groupedName(svc)}`,
        NacosCode.SERVICE_NOT_EXIST,
      );
    return s;
  }

  /** Explicitly creates a service (durable). AlreadyExists-like 400 (21007) when it exists. */
  async createService(
    svc: ServiceId,
    patch: ServicePatch & { ephemeral?: boolean } = {},
  ): Promise<ServiceRecord> {
    validatePatch(patch);
    const sk = serviceKey(svc);
    return this.state.write(async (w) => {
      const cur = this.services.get(sk)?.value;
      if (cur?.persisted)
        throw new InvalidArgument(
          `specified service already exists, serviceName : ${groupedName(svc)}`,
          NacosCode.SERVICE_ALREADY_EXIST,
        );
      const now = this.clock.now();
      const rec: ServiceRecord = {
        ...(cur ?? this.implicitService(svc, patch.ephemeral ?? false)),
        protectThreshold: patch.protectThreshold ?? 0,
        metadata: patch.metadata ?? {},
        selector: patch.selector ?? { type: 'none' },
        persisted: true,
        modifyTime: now,
      };
      await this.repo.saveService(rec);
      w.put(this.services, sk, rec);
      return rec;
    });
  }

  /** Updates threshold/metadata/selector; the service becomes durable. NotFound (21008) if absent. */
  async updateService(svc: ServiceId, patch: ServicePatch): Promise<ServiceRecord> {
    validatePatch(patch);
    return this.modifyService(svc, (cur) => ({
      ...cur,
      protectThreshold: patch.protectThreshold ?? cur.protectThreshold,
      metadata: patch.metadata ?? cur.metadata,
      selector: patch.selector ?? cur.selector,
    }));
  }

  /** Creates or updates one cluster's settings (health checker, check port, metadata). */
  async updateCluster(
    svc: ServiceId,
    name: string,
    patch: Partial<Omit<ClusterSettings, 'name'>>,
  ): Promise<ClusterSettings> {
    if (!/^[0-9a-zA-Z-]+$/.test(name))
      throw new InvalidArgument(
        `Instance 'clusterName' should be characters with only 0-9a-zA-Z-. (current: ${name})`,
        NacosCode.INSTANCE_ERROR,
      );
    if (patch.healthChecker && !['TCP', 'HTTP', 'NONE'].includes(patch.healthChecker.type))
      throw new InvalidArgument(`unknown health checker type: ${patch.healthChecker.type}`, 20002);
    let out!: ClusterSettings;
    await this.modifyService(svc, (cur) => {
      out = { ...(cur.clusters[name] ?? defaultCluster(name)), ...patch, name };
      return { ...cur, clusters: { ...cur.clusters, [name]: out } };
    });
    return out;
  }

  /** Cluster settings (explicit or default) for a cluster name. */
  clusterSettings(svc: ServiceId, name: string): ClusterSettings {
    return this.getService(svc)?.clusters[name] ?? defaultCluster(name);
  }

  /** Clusters of a service: explicitly configured ones plus those its instances use. */
  clusters(svc: ServiceId): ClusterSettings[] {
    const s = this.getService(svc);
    const names = new Set(Object.keys(s?.clusters ?? {}));
    for (const i of this.instances(svc)) names.add(i.clusterName);
    return [...names].sort().map((n) => s?.clusters[n] ?? defaultCluster(n));
  }

  private async modifyService(
    svc: ServiceId,
    fn: (cur: ServiceRecord) => ServiceRecord,
  ): Promise<ServiceRecord> {
    const sk = serviceKey(svc);
    return this.state.write(async (w) => {
      const cur = this.requireService(svc);
      const next = { ...fn(cur), persisted: true, modifyTime: this.clock.now() };
      await this.repo.saveService(next);
      w.put(this.services, sk, next);
      return next;
    });
  }

  /** Deletes a service; refused (400) while it has instances. NotFound (21008) if absent. */
  async deleteService(svc: ServiceId): Promise<void> {
    const sk = serviceKey(svc);
    await this.state.write(async (w) => {
      const cur = this.requireService(svc);
      if (this.entries.get(sk)?.instances.size)
        throw new InvalidArgument(
          `Service ${groupedName(svc)} is not empty, can't be delete. Please unregister instance first`,
          NacosCode.SERVICE_DELETE_FAILURE,
        );
      if (cur.persisted) await this.repo.deleteService(svc);
      w.delete(this.services, sk);
    });
  }

  /**
   * Services of a namespace, sorted by grouped name, optionally filtered by exact group and by a
   * name substring, paged (1-based). `count` is the total before paging.
   */
  listServices(
    namespaceId: string,
    opts: {
      groupName?: string;
      nameContains?: string;
      groupContains?: string;
      pageNo?: number;
      pageSize?: number;
    } = {},
  ): { count: number; services: ServiceRecord[] } {
    const all: ServiceRecord[] = [];
    const prefix = `${namespaceId}/`;
    for (const e of this.services.values()) {
      if (!e.key.startsWith(prefix)) continue;
      const s = e.value;
      if (opts.groupName && s.groupName !== opts.groupName) continue;
      if (opts.groupContains && !s.groupName.includes(opts.groupContains)) continue;
      if (opts.nameContains && !s.serviceName.includes(opts.nameContains)) continue;
      all.push(s);
    }
    all.sort((a, b) => (groupedName(a) < groupedName(b) ? -1 : groupedName(a) > groupedName(b) ? 1 : 0));
    const pageSize = Math.max(1, opts.pageSize ?? (all.length || 1));
    const pageNo = Math.max(1, opts.pageNo ?? 1);
    return { count: all.length, services: all.slice((pageNo - 1) * pageSize, pageNo * pageSize) };
  }

  /** Namespace ids that have services. */
  namespaces(): string[] {
    const out = new Set<string>();
    for (const k of this.services.keys()) out.add(k.slice(0, k.indexOf('/')));
    return [...out];
  }

  // ───────────────────────────── queries ─────────────────────────────

  /** All instances of a service (unfiltered), in key order of registration. */
  instances(svc: ServiceId): InstanceRecord[] {
    return [...(this.entries.get(serviceKey(svc))?.instances.values() ?? [])];
  }

  /** How many instances a service has (O(1), no copy). */
  instanceCount(svc: ServiceId): number {
    return this.entries.get(serviceKey(svc))?.instances.size ?? 0;
  }

  /** Per-service revision: the state index of the service's last change (0 = never seen). */
  revision(svc: ServiceId): number {
    return this.entries.get(serviceKey(svc))?.revision ?? this.services.keyIndex(serviceKey(svc));
  }

  /**
   * The ServiceInfo clients see (spec §C.1): cluster + enabled selection, healthyOnly, protection
   * threshold (services with explicit metadata only). Host lists are cached per revision and
   * selection; `lastRefTime` is always fresh. Unknown service ⇒ empty hosts.
   */
  query(
    svc: ServiceId,
    opts: { clusters?: string; healthyOnly?: boolean; enabledOnly?: boolean } = {},
  ): ServiceInfo {
    this.hooks.queried?.();
    return this.select(svc, opts);
  }

  /** `query` without counting it as a client query (pushes). */
  private select(
    svc: ServiceId,
    opts: { clusters?: string; healthyOnly?: boolean; enabledOnly?: boolean },
  ): ServiceInfo {
    const sk = serviceKey(svc);
    const entry = this.entries.get(sk);
    const clusters = opts.clusters ?? '';
    let hosts: ServiceInfo['hosts'] = [];
    let reach = false;
    if (entry) {
      const ck = `${clusters}|${opts.healthyOnly ? 1 : 0}|${opts.enabledOnly === false ? 0 : 1}`;
      let c = entry.cache.get(ck);
      if (!c || c.revision !== entry.revision) {
        const s = this.services.get(sk)?.value;
        const r = selectHosts(entry.instances.values(), s?.persisted ? s.protectThreshold : undefined, {
          clusters,
          healthyOnly: opts.healthyOnly,
          enabledOnly: opts.enabledOnly,
        });
        c = { revision: entry.revision, hosts: r.hosts, reach: r.reachProtectionThreshold };
        if (entry.cache.size > 32) entry.cache.clear();
        entry.cache.set(ck, c);
      }
      hosts = c.hosts;
      reach = c.reach;
    }
    return {
      name: svc.serviceName,
      groupName: svc.groupName,
      clusters,
      cacheMillis: this.opts.cacheMillis,
      hosts,
      lastRefTime: this.clock.now(),
      checksum: '',
      allIPs: false,
      reachProtectionThreshold: reach,
      valid: true,
    };
  }

  // ───────────────────────────── subscribers & push ─────────────────────────────

  /** Adds or refreshes a subscriber (key: clientId + clusters). */
  addSubscriber(
    svc: ServiceId,
    sub: Omit<Subscriber, 'namespaceId' | 'groupName' | 'serviceName' | 'lastSeen'>,
  ): void {
    const sk = serviceKey(svc);
    let m = this.subs.get(sk);
    if (!m) this.subs.set(sk, (m = new Map()));
    m.set(`${sub.clientId}|${sub.clusters}`, { ...sub, ...svc, lastSeen: this.clock.now() });
  }

  /** Removes a client's subscription(s) to a service (all cluster filters when `clusters` omitted). */
  removeSubscriber(svc: ServiceId, clientId: string, clusters?: string): boolean {
    const sk = serviceKey(svc);
    const m = this.subs.get(sk);
    if (!m) return false;
    let removed = false;
    for (const [k, s] of m)
      if (s.clientId === clientId && (clusters === undefined || s.clusters === clusters)) {
        m.delete(k);
        removed = true;
      }
    if (!m.size) this.subs.delete(sk);
    return removed;
  }

  subscribersOf(svc: ServiceId): Subscriber[] {
    return [...(this.subs.get(serviceKey(svc))?.values() ?? [])];
  }

  /** Every subscriber, optionally of one namespace. */
  allSubscribers(namespaceId?: string): Subscriber[] {
    const out: Subscriber[] = [];
    for (const m of this.subs.values())
      for (const s of m.values()) if (!namespaceId || s.namespaceId === namespaceId) out.push(s);
    return out;
  }

  /**
   * Registers a listener for debounced service changes (≈`pushDelayMs` after the first change of
   * a burst; one event per service carrying its subscribers). Returns an unsubscribe function.
   */
  onPush(listener: (e: PushEvent) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /** Schedules a push of `svc` (as if it changed), e.g. right after a new subscription. */
  schedulePush(svc: ServiceId): void {
    this.schedule(serviceKey(svc));
  }

  private schedule(sk: string) {
    if (this.disposed || this.pushTimers.has(sk)) return;
    this.pushTimers.set(
      sk,
      this.clock.setTimeout(() => {
        this.pushTimers.delete(sk);
        this.emitPush(sk);
      }, this.opts.pushDelayMs),
    );
  }

  private emitPush(sk: string) {
    if (!this.pushListeners.size) return;
    const service = parseServiceKey(sk);
    const ev: PushEvent = {
      service,
      serviceKey: sk,
      revision: this.revision(service),
      subscribers: [...(this.subs.get(sk)?.values() ?? [])],
      serviceInfo: (clusters) => this.select(service, { clusters, healthyOnly: false }),
    };
    for (const l of this.pushListeners) {
      try {
        l(ev);
      } catch (e) {
        this.log.warn('push listener failed', { err: e, service: sk });
      }
    }
  }

  // ───────────────────────────── stats ─────────────────────────────

  stats() {
    let subscribers = 0;
    for (const m of this.subs.values()) subscribers += m.size;
    let ipPortClients = 0;
    let persistentClients = 0;
    for (const id of this.clientInstances.keys()) {
      if (id.endsWith('#true')) ipPortClients++;
      else if (id.endsWith('#false')) persistentClients++;
    }
    return {
      serviceCount: this.services.size,
      instanceCount: this.instanceTable.size,
      subscriberCount: subscribers,
      clientCount: this.clientIds().length,
      ephemeralIpPortClientCount: ipPortClients,
      persistentIpPortClientCount: persistentClients,
      connectionBasedClientCount: this.clientInstances.size - ipPortClients - persistentClients,
    };
  }

  // ───────────────────────────── derived indexes ─────────────────────────────

  private owned(clientId: string): string[] {
    const o = this.clientInstances.get(clientId);
    return o === undefined ? [] : typeof o === 'string' ? [o] : [...o];
  }

  private own(clientId: string, key: string) {
    const o = this.clientInstances.get(clientId);
    if (o === undefined) this.clientInstances.set(clientId, key);
    else if (typeof o === 'string') {
      if (o !== key) this.clientInstances.set(clientId, new Set([o, key]));
    } else o.add(key);
  }

  private disown(clientId: string, key: string) {
    const o = this.clientInstances.get(clientId);
    if (o === key) this.clientInstances.delete(clientId);
    else if (typeof o === 'object') {
      o.delete(key);
      if (!o.size) this.clientInstances.delete(clientId);
    }
  }

  private onCommit(changes: Change[], index: number) {
    for (const c of changes) {
      if (c.table === INSTANCES_TABLE) {
        const sk = serviceKeyOfInstanceKey(c.key);
        let e = this.entries.get(sk);
        if (!e) this.entries.set(sk, (e = { instances: new Map(), revision: index, cache: new Map() }));
        const prev = c.prev as InstanceRecord | undefined;
        if (prev) this.disown(prev.clientId, c.key);
        if (c.op === 'put') {
          const v = c.value as InstanceRecord;
          e.instances.set(c.key, v);
          this.own(v.clientId, c.key);
          this.beats.setTimeouts(c.key, beatTimeoutOf(v.metadata), ipDeleteTimeoutOf(v.metadata));
        } else {
          e.instances.delete(c.key);
          this.beats.delete(c.key);
        }
        e.revision = index;
        if (!e.instances.size && !this.services.has(sk)) this.entries.delete(sk);
        this.schedule(sk);
      } else if (c.table === SERVICES_TABLE) {
        const e = this.entries.get(c.key);
        if (e) {
          e.revision = index;
          if (c.op === 'delete' && !e.instances.size) this.entries.delete(c.key);
        } else if (c.op === 'put')
          this.entries.set(c.key, { instances: new Map(), revision: index, cache: new Map() });
        this.schedule(c.key);
      }
    }
  }
}

function validatePatch(p: ServicePatch) {
  if (
    p.protectThreshold !== undefined &&
    (!Number.isFinite(p.protectThreshold) || p.protectThreshold < 0 || p.protectThreshold > 1)
  )
    throw new InvalidArgument("Param 'protectThreshold' is illegal, it should be between 0 and 1", 20002);
  if (p.selector && !['none', 'label'].includes(p.selector.type))
    throw new InvalidArgument(`not match any type of selector: ${p.selector.type}`, NacosCode.SELECTOR_ERROR);
}
