import type { Clock, TimerHandle } from '../core/clock';
import type { Logger } from '../core/log';
import type { InstanceInput, ServiceId } from '../naming';
import { type Entry, type QueryResult, type StateStore, WatchSet } from '../state';
import {
  agentHealthCheck,
  blankCheck,
  CHECKS_TABLE,
  type CheckEntry,
  type CheckStatus,
  CONSUL_SERVICE,
  catalogClientId,
  checkKey,
  consulServiceView,
  META,
  NODES_TABLE,
  type NodeEntry,
  nacosCheck,
  type ServiceView,
  serfHealth,
  serviceView,
} from './catalog-model';
import { CatalogRowDeletes } from './catalog-rows';
import { type CatalogEffects, CatalogOpError, CatalogTx, type CatalogTxHost } from './catalog-tx';
import type { CheckDef } from './check-def';
import { CheckRunner } from './check-runner';
import { badRequest, ConsulError, notFound, serverError } from './consul-errors';
import { CATALOG_TABLE, type CatalogRowKey, catalogKey } from './consul-model';
import type { AgentServiceStore } from './consul-repo';
import type { ConsulStore } from './consul-store';
import { CATALOG_PART, type ConsulTx } from './consul-tx';
import {
  type ConsulRegistry,
  NAMING_INSTANCES_TABLE,
  namingServicePrefix,
  type RegistryInstance,
} from './registry';

/** A service definition decoded from an agent or catalog register body. */
export interface ServiceDef {
  id: string;
  name: string;
  tags: string[];
  address: string;
  port: number;
  meta: Record<string, string>;
  kind: string;
  taggedAddresses?: Record<string, { Address: string; Port: number }>;
  weights?: { Passing: number; Warning: number };
  enableTagOverride: boolean;
  checks: CheckDef[];
}

export interface CatalogOptions {
  namespaceId: string;
  group: string;
  datacenter: string;
  local: NodeEntry;
  /** Port of this server's `consul` service (the port its Consul API answers on). */
  serverPort?: number;
  /**
   * This server is the only one on its storage (not in cluster mode): stored agent services and
   * server node entries under other node names are this server's own from before a rename.
   */
  soleServer?: boolean;
}

export interface CatalogHooks {
  /** A check went critical or was removed: sessions depending on it are invalidated. */
  checkFailed(node: string, checkId: string): void;
  nodeRemoved(node: string): void;
}

export const MAINTENANCE_PREFIX = '_service_maintenance:';
export const NODE_MAINTENANCE = '_node_maintenance';

const unknownCheck = (id: string) =>
  notFound(`Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
export const unknownService = (id: string) =>
  notFound(`Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);

/**
 * Consul agent/catalog/health on the ONE naming registry: a Consul service is a naming instance
 * (namespace/group from settings, instanceId = service ID, Tags/Meta/checks in metadata), so Nacos
 * clients see Consul services and Consul clients see Nacos instances (with a synthetic check from
 * their health). Checks live in the `consul.checks` state table; agent checks of this server run
 * here (TTL, HTTP, TCP) and their aggregate drives the instance's `healthy` flag. Nodes (every
 * Batata server's own and catalog registrations) live in `consul.nodes`.
 *
 * Stored catalog state (`consul_catalog`: nodes, catalog services, catalog checks, standalone
 * agent checks and maintenance) is the same on every server of a cluster: it is mirrored from
 * storage (ConsulStore, CatalogTx's base) at its storage indexes. Agent services and the checks
 * they define belong to the server they were registered on; other servers see those services as
 * naming instances (Distro) with one check summing up their health.
 */
export class CatalogService implements CatalogTxHost {
  private readonly runner: CheckRunner;
  /** Critical-since timers for DeregisterCriticalServiceAfter, by check key. */
  private readonly reapers = new Map<string, TimerHandle>();
  private started = false;

  constructor(
    private readonly state: StateStore,
    private readonly registry: () => ConsulRegistry | undefined,
    private readonly clock: Clock,
    private readonly log: Logger,
    readonly opts: CatalogOptions,
    private readonly hooks: CatalogHooks,
    /** Stores catalog registrations and agent checks (with KV and sessions: one write path, one index). */
    private readonly store: ConsulStore,
    /** Keeps agent services across restarts. */
    private readonly agents: AgentServiceStore,
  ) {
    this.runner = new CheckRunner(clock, log, (key, status, output) => {
      this.updateStatus(key, status, output).catch((e) => log.warn('check update failed', { key, err: e }));
    });
  }

  get localNode(): string {
    return this.opts.local.node;
  }

  /** This server's node entry as it is stored (every server lists every server's node). */
  get localEntry(): NodeEntry {
    return { ...this.opts.local, server: { port: this.opts.serverPort ?? 0 } };
  }

  private get checks() {
    return this.state.table<CheckEntry>(CHECKS_TABLE);
  }
  private get nodes() {
    return this.state.table<NodeEntry>(NODES_TABLE);
  }
  private get instances() {
    return this.state.table<RegistryInstance>(NAMING_INSTANCES_TABLE);
  }

  private reg(): ConsulRegistry {
    const r = this.registry();
    if (!r) throw serverError('service registry unavailable: the naming module is not loaded');
    return r;
  }

  private svcId(name: string): ServiceId {
    return { namespaceId: this.opts.namespaceId, groupName: this.opts.group, serviceName: name };
  }

  /**
   * Stores this server's node entry when storage does not have it as configured (first boot, new
   * address), after the store loaded the stored catalog. A sole server drops the entries of its
   * former node names (with their checks and services, as a renamed Consul agent leaves them).
   */
  async start() {
    const stale = this.opts.soleServer
      ? [...this.nodes.values()].filter((n) => n.value.server && n.key !== this.localNode).map((n) => n.key)
      : [];
    await this.writeCatalog((c) => {
      c.setServerNode(this.localEntry);
      for (const name of stale) c.deleteNode(name, true);
      // Its sessions stay valid, as they did when the node entry was not stored.
      c.quiet = stale.length > 0;
    });
    this.started = true;
  }

  dispose() {
    this.runner.dispose();
    for (const t of this.reapers.values()) this.clock.clearTimeout(t);
    this.reapers.clear();
  }

  // ── reads (pure, for blocking queries) ──

  private viewOf(e: Entry<RegistryInstance>): ServiceView {
    return serviceView(e.value, this.localNode, e.createIndex, e.modifyIndex);
  }

  /** Every Consul-visible service instance (optionally of one service), in ID order. */
  views(ws: WatchSet, service?: string): QueryResult<ServiceView[]> {
    const prefix = namingServicePrefix(this.opts.namespaceId, this.opts.group, service);
    ws.prefix(NAMING_INSTANCES_TABLE, prefix).table(CHECKS_TABLE).table(NODES_TABLE);
    const views = this.instances.scan(prefix).map((e) => this.viewOf(e));
    if (service === undefined || service === CONSUL_SERVICE)
      for (const n of this.nodes.values()) {
        const own = this.consulService(n.key);
        if (own) views.push(own);
      }
    const index = Math.max(this.instances.prefixIndex(prefix), this.checks.index(), this.nodes.index());
    return { index, value: views };
  }

  /** compat(consul): every server node has the `consul` service (Spring's getAllInstances iterates it). */
  private consulService(node: string): ServiceView | undefined {
    const n = this.nodes.get(node);
    return n?.value.server && consulServiceView(n, n.value.server.port, this.svcId(CONSUL_SERVICE));
  }

  node(name: string): Entry<NodeEntry> | undefined {
    return this.nodes.get(name);
  }

  allNodes(ws: WatchSet): QueryResult<Entry<NodeEntry>[]> {
    ws.table(NODES_TABLE);
    const list = [...this.nodes.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    return { index: this.nodes.index(), value: list };
  }

  /**
   * Checks of a service instance: its own checks, or the synthetic Nacos one. Another server's agent
   * service shows its stored checks (maintenance, standalone) plus one check with the health that
   * server computed from the checks it runs (they are not stored; the instance carries the result).
   */
  serviceChecks(v: ServiceView): Array<{ c: CheckEntry; ci: number; mi: number }> {
    if (v.source === 'nacos') return [{ c: nacosCheck(v), ci: v.createIndex, mi: v.modifyIndex }];
    if (v.source === 'server') return [];
    const own = [...this.checks.values()]
      .filter((e) => e.value.node === v.node && e.value.serviceId === v.id)
      .map((e) => ({ c: e.value, ci: e.createIndex, mi: e.modifyIndex }));
    if (v.source === 'agent' && v.node !== this.localNode) {
      const c = agentHealthCheck(v);
      if (c && !own.some((x) => x.c.checkId === c.checkId))
        own.push({ c, ci: v.createIndex, mi: v.modifyIndex });
    }
    return own;
  }

  /** Node-level checks: serfHealth (Batata servers) plus registered ones without a service. */
  nodeChecks(node: string): Array<{ c: CheckEntry; ci: number; mi: number }> {
    const out: Array<{ c: CheckEntry; ci: number; mi: number }> = [];
    const n = this.nodes.get(node);
    if (n?.value.server) out.push({ c: serfHealth(node), ci: n.createIndex, mi: n.createIndex });
    for (const e of this.checks.values())
      if (e.value.node === node && !e.value.serviceId)
        out.push({ c: e.value, ci: e.createIndex, mi: e.modifyIndex });
    return out;
  }

  /** All checks of a node (health/node), or every check (health/state). */
  allChecks(ws: WatchSet, node?: string): QueryResult<Array<{ c: CheckEntry; ci: number; mi: number }>> {
    const r = this.views(ws);
    const out: Array<{ c: CheckEntry; ci: number; mi: number }> = [];
    for (const n of this.nodes.values()) if (!node || n.key === node) out.push(...this.nodeChecks(n.key));
    for (const v of r.value) if (!node || v.node === node) out.push(...this.serviceChecks(v));
    return { index: r.index, value: out };
  }

  /** Agent services (registered through `/v1/agent/service/register` on this node). */
  agentServices(): ServiceView[] {
    const prefix = namingServicePrefix(this.opts.namespaceId, this.opts.group);
    return this.instances
      .scan(prefix)
      .map((e) => this.viewOf(e))
      .filter((v) => v.source === 'agent' && v.node === this.localNode);
  }

  /** Records the topics agent service views depend on (hash-blocking `/v1/agent/service/:id`). */
  watchAgentServices(ws: WatchSet): void {
    ws.prefix(NAMING_INSTANCES_TABLE, namingServicePrefix(this.opts.namespaceId, this.opts.group));
  }

  agentService(id: string): ServiceView | undefined {
    return this.agentServices().find((v) => v.id === id);
  }

  agentChecks(): Array<{ c: CheckEntry; ci: number; mi: number }> {
    return [...this.checks.values()]
      .filter((e) => e.value.node === this.localNode && e.value.source === 'agent')
      .map((e) => ({ c: e.value, ci: e.createIndex, mi: e.modifyIndex }));
  }

  // ── agent writes ──

  /** The naming instance a Consul service definition on `node` maps to (metadata keys: META). */
  serviceInput(
    def: ServiceDef,
    node: NodeEntry,
    source: 'agent' | 'catalog',
    checkDefs: CheckDef[] = [],
  ): { svc: ServiceId; input: InstanceInput; clientId: string } {
    const metadata: Record<string, string> = {
      ...def.meta,
      [META.source]: source,
      [META.node]: node.node,
      [META.tags]: JSON.stringify(def.tags),
      [META.address]: def.address,
      [META.checks]: JSON.stringify(
        checkDefs.map((c) => ({
          CheckID: c.checkId,
          Name: c.name,
          Type: c.type,
          Interval: c.interval,
          TTL: c.ttl,
        })),
      ),
    };
    if (def.kind) metadata[META.kind] = def.kind;
    if (def.taggedAddresses) metadata[META.taggedAddresses] = JSON.stringify(def.taggedAddresses);
    if (def.weights) metadata[META.weights] = JSON.stringify(def.weights);
    if (def.enableTagOverride) metadata[META.enableTagOverride] = 'true';
    return {
      svc: this.svcId(def.name),
      input: {
        ip: def.address || node.address,
        port: def.port,
        instanceId: def.id,
        weight: Math.min(10_000, def.weights?.Passing ?? 1),
        ephemeral: true,
        metadata,
        healthy: true,
      },
      clientId: source === 'catalog' ? catalogClientId(node.node) : `consul:${node.node}`,
    };
  }

  /** Whether a check's row is stored (catalog checks, standalone agent checks, maintenance). */
  private isStored(c: CheckEntry): boolean {
    return this.state.table(CATALOG_TABLE).has(catalogKey(checkRowKey(c)));
  }

  /**
   * Registers (upserts) an agent service and its checks on this node. Existing checks of the
   * service that the request does not name are kept unless `replaceChecks`. Generated check IDs
   * follow Consul: `service:<id>` for one check, `service:<id>:<n>` (n from 1) for several.
   * The service's own checks are this server's (not stored); stored checks on it (standalone,
   * maintenance) are updated through the store, so every server sees the same.
   */
  async registerService(def: ServiceDef, opts: { replaceChecks?: boolean } = {}) {
    const node = this.opts.local;
    const checkDefs = def.checks.map((c, i) => ({
      ...c,
      checkId: c.checkId || (def.checks.length === 1 ? `service:${def.id}` : `service:${def.id}:${i + 1}`),
      name: c.name || `Service '${def.name}' check`,
    }));
    const { svc, input, clientId } = this.serviceInput(def, node, 'agent', checkDefs);
    const prev = this.findService(def.id, node.node);
    // An agent registration replaces a catalog one with the same ID: it must not come back at boot.
    if (prev?.source === 'catalog') await this.deleteRows([{ kind: 'service', node: node.node, id: def.id }]);
    if (prev && prev.service !== def.name && prev.source !== 'server')
      await this.reg().deregisterInstance(this.svcId(prev.service), { instanceId: def.id });
    await this.reg().registerInstance(svc, input, { clientId, heartbeat: false });
    const keep = new Set(checkDefs.map((c) => c.checkId));
    const mine = [...this.checks.values()]
      .map((e) => e.value)
      .filter((c) => c.node === node.node && c.serviceId === def.id);
    const drop = (c: CheckEntry) =>
      !!opts.replaceChecks && !keep.has(c.checkId) && !c.checkId.startsWith(MAINTENANCE_PREFIX);
    const retag = (c: CheckEntry) =>
      c.serviceTags.join('\u0000') !== def.tags.join('\u0000') || c.serviceName !== def.name;
    const removed = mine.filter(drop);
    // Stored checks this registration drops, or replaces with a check of its own (same ID).
    const unstore = new Map(removed.filter((c) => this.isStored(c)).map((c) => [c.checkId, c]));
    for (const d of checkDefs) {
      const c = this.checks.get(checkKey(node.node, d.checkId))?.value;
      if (c && this.isStored(c)) unstore.set(c.checkId, c);
    }
    const restored = mine.filter((c) => this.isStored(c) && !unstore.has(c.checkId) && retag(c));
    const local = mine.filter((c) => !this.isStored(c));
    if (unstore.size || restored.length)
      await this.writeCatalog((cat) => {
        for (const c of unstore.values()) cat.deleteCheck(c.node, c.checkId);
        for (const c of restored) cat.setAgentCheck({ ...c, serviceTags: def.tags, serviceName: def.name });
      });
    const added: CheckEntry[] = [];
    await this.state.write((w) => {
      for (const c of local) {
        const key = checkKey(c.node, c.checkId);
        if (drop(c)) w.delete(CHECKS_TABLE, key);
        else if (retag(c)) w.put(CHECKS_TABLE, key, { ...c, serviceTags: def.tags, serviceName: def.name });
      }
      for (const d of checkDefs) {
        const key = checkKey(node.node, d.checkId);
        const entry: CheckEntry = {
          ...this.fromDef(d, d.checkId, this.checks.get(key)?.value),
          node: node.node,
          serviceId: def.id,
          serviceName: def.name,
          serviceTags: def.tags,
          source: 'agent',
        };
        w.put(CHECKS_TABLE, key, entry);
        added.push(entry);
      }
    });
    for (const c of removed) if (!unstore.has(c.checkId)) this.forgetCheck(c);
    for (const c of added) this.watchCheck(c);
    await this.syncHealth(def.id, node.node);
    await this.agents.saveAgentService(node.node, def.id, JSON.stringify(def));
  }

  /** Re-registers this server's agent services saved before a restart (checks start over, as on an agent restart). */
  async restoreAgentServices(): Promise<number> {
    let n = 0;
    for (const { id, body } of await this.agents.loadAgentServices(this.localNode, this.opts.soleServer)) {
      try {
        await this.registerService(JSON.parse(body) as ServiceDef);
        n++;
      } catch (e) {
        this.log.warn('cannot restore agent service', { id, err: e as Error });
      }
    }
    return n;
  }

  /** Finds a Consul service instance by ID on a node (servers' `consul` service included). */
  findService(id: string, node: string): ServiceView | undefined {
    const prefix = namingServicePrefix(this.opts.namespaceId, this.opts.group);
    for (const e of this.instances.scan(prefix)) {
      if (e.value.instanceId !== id) continue;
      const v = this.viewOf(e);
      if (v.node === node) return v;
    }
    if (id === CONSUL_SERVICE) return this.consulService(node);
    return undefined;
  }

  /** Removes a service and all its checks. Throws Consul's 404 for an unknown ID. */
  async deregisterService(id: string, node = this.localNode): Promise<void> {
    const v = this.findService(id, node);
    if (!v || v.source === 'nacos' || v.source === 'server') throw unknownService(id);
    if (v.source === 'catalog') return this.writeCatalog((c) => c.deleteService(node, id));
    if (v.node !== this.localNode) throw unknownService(id);
    await this.reg().deregisterInstance(this.svcId(v.service), { instanceId: id });
    await this.agents.removeAgentService(id);
    const checks = [...this.checks.values()]
      .map((e) => e.value)
      .filter((c) => c.node === node && c.serviceId === id);
    const stored = checks.filter((c) => this.isStored(c));
    const local = checks.filter((c) => !this.isStored(c));
    if (stored.length)
      await this.writeCatalog((cat) => {
        for (const c of stored) cat.deleteCheck(c.node, c.checkId);
      });
    if (local.length)
      await this.state.write((w) => {
        for (const c of local) w.delete(CHECKS_TABLE, checkKey(c.node, c.checkId));
      });
    for (const c of local) this.forgetCheck(c);
  }

  async maintenance(id: string, enable: boolean, reason: string): Promise<void> {
    const v = this.agentService(id);
    if (!v) throw unknownService(id);
    await this.putAgentCheck(
      MAINTENANCE_PREFIX + id,
      enable
        ? {
            ...this.blankCheck(MAINTENANCE_PREFIX + id, 'Service Maintenance Mode', v),
            status: 'critical',
            notes:
              reason ||
              'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.',
            type: 'maintenance',
          }
        : undefined,
    );
    await this.syncHealth(id, this.localNode);
  }

  /** Node maintenance: a critical `_node_maintenance` node check (every local service turns unhealthy). */
  async nodeMaintenance(enable: boolean, reason: string): Promise<void> {
    await this.putAgentCheck(
      NODE_MAINTENANCE,
      enable
        ? {
            ...this.blankCheck(NODE_MAINTENANCE, 'Node Maintenance Mode'),
            notes:
              reason ||
              'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.',
            type: 'maintenance',
          }
        : undefined,
    );
    await this.syncNode(this.localNode);
  }

  /**
   * Stores (or, with no entry, removes) a standalone agent check of this server: its row and its
   * state at one index (a catalog write: health of the services on this node follows). With
   * `ifPresent`, a check removed meanwhile is not written again. Removing one stops its runner.
   */
  private putAgentCheck(
    checkId: string,
    entry: CheckEntry | undefined,
    opts: { ifPresent?: boolean; quiet?: boolean } = {},
  ): Promise<void> {
    return this.writeCatalog((c) => {
      c.quiet = !!opts.quiet;
      if (!entry) c.deleteCheck(this.localNode, checkId);
      else if (!opts.ifPresent || c.check(this.localNode, checkId)) c.setAgentCheck(entry);
    });
  }

  /**
   * Restarts this server's stored agent checks after a restart (the store loaded them): they start
   * over like agent service checks, maintenance stays; checks of agent services that are gone are
   * removed.
   */
  async restoreAgentChecks(): Promise<number> {
    let n = 0;
    for (const { value: c } of [...this.checks.values()]) {
      if (c.node !== this.localNode || c.source !== 'agent' || !this.isStored(c)) continue;
      if (c.serviceId && !this.agentService(c.serviceId)) {
        await this.putAgentCheck(c.checkId, undefined, { quiet: true });
        continue;
      }
      const entry: CheckEntry = c.type === 'maintenance' ? c : { ...c, status: 'critical', output: '' };
      // As before they were stored: restarting checks does not invalidate sessions.
      if (entry.status !== c.status || entry.output !== c.output)
        await this.putAgentCheck(c.checkId, entry, { quiet: true });
      this.watchCheck(entry);
      if (c.serviceId) await this.syncHealth(c.serviceId, c.node);
      else await this.syncNode(c.node);
      n++;
    }
    return n;
  }

  /** A check entry from its definition; re-registering keeps the current status/output unless the body sets one. */
  private fromDef(d: CheckDef, checkId: string, existing?: CheckEntry, v?: ServiceView): CheckEntry {
    return {
      ...this.blankCheck(checkId, d.name, v),
      // compat(consul): re-registering keeps the current status unless the body sets one.
      status: d.status ?? existing?.status ?? 'critical',
      notes: d.notes,
      output: existing?.output ?? '',
      type: d.type,
      interval: d.interval,
      timeout: d.timeout,
      deregisterCriticalServiceAfter: d.deregisterCriticalServiceAfter,
      ttl: d.ttl,
      spec: d.spec,
    };
  }

  private blankCheck(checkId: string, name: string, v?: ServiceView): CheckEntry {
    return blankCheck(this.localNode, checkId, name, v);
  }

  /** `/v1/agent/check/register`: ID defaults to Name; ServiceID must exist on this agent. */
  async registerCheck(d: CheckDef): Promise<void> {
    if (!d.name) throw badRequest('Missing check name');
    const id = d.checkId || d.name;
    let v: ServiceView | undefined;
    if (d.serviceId) {
      v = this.agentService(d.serviceId);
      if (!v) throw notFound(`ServiceID "${d.serviceId}" does not exist`);
    }
    const key = checkKey(this.localNode, id);
    const entry = this.fromDef(d, id, this.checks.get(key)?.value, v);
    await this.putAgentCheck(id, entry);
    this.watchCheck(entry);
    if (v) await this.syncHealth(v.id, this.localNode);
    else await this.syncNode(this.localNode);
  }

  async deregisterCheck(id: string): Promise<void> {
    const key = checkKey(this.localNode, id);
    const c = this.checks.get(key)?.value;
    if (!c) throw unknownCheck(id);
    if (this.isStored(c)) await this.putAgentCheck(id, undefined);
    else {
      await this.state.write((w) => w.delete(CHECKS_TABLE, key));
      this.forgetCheck(c);
    }
    if (c.serviceId) await this.syncHealth(c.serviceId, c.node);
    else await this.syncNode(c.node);
  }

  /** pass/warn/fail/update of a TTL check; resets its TTL timer. */
  async updateTtl(id: string, status: CheckStatus, output: string): Promise<void> {
    const key = checkKey(this.localNode, id);
    const c = this.checks.get(key)?.value;
    if (!c) throw unknownCheck(id);
    if (c.type !== 'ttl') throw new ConsulError(500, `CheckID "${id}" does not have associated TTL`);
    this.runner.resetTtl(key, c.spec.ttlMs, output);
    await this.updateStatus(key, status, output);
  }

  /**
   * Applies a status/output change from a runner or TTL update (no write when unchanged). A stored
   * check's change is stored (every server shows it; it goes critical at the index it is applied at).
   */
  async updateStatus(key: string, status: CheckStatus, output: string): Promise<void> {
    const cur = this.checks.get(key)?.value;
    if (!cur) return;
    const clipped = output.length > 4096 ? output.slice(0, 4096) : output;
    if (cur.status === status && cur.output === clipped) return;
    const next = { ...cur, status, output: clipped };
    if (cur.node === this.localNode && this.isStored(cur))
      await this.putAgentCheck(cur.checkId, next, { ifPresent: true });
    else {
      await this.state.write((w) => {
        if (this.checks.get(key)) w.put(CHECKS_TABLE, key, next);
      });
      if (status === 'critical' && cur.status !== 'critical') this.hooks.checkFailed(cur.node, cur.checkId);
    }
    this.trackCritical(key, cur, status);
    if (cur.status !== status) {
      if (cur.serviceId) await this.syncHealth(cur.serviceId, cur.node);
      else await this.syncNode(cur.node);
    }
  }

  /** DeregisterCriticalServiceAfter: a service whose check stays critical that long is removed. */
  private trackCritical(key: string, c: CheckEntry, status: CheckStatus) {
    const after = c.spec.deregisterAfterMs;
    if (!after || !c.serviceId) return;
    const t = this.reapers.get(key);
    if (status !== 'critical') {
      if (t) this.clock.clearTimeout(t);
      this.reapers.delete(key);
      return;
    }
    if (t) return;
    this.reapers.set(
      key,
      this.clock.setTimeout(() => {
        this.reapers.delete(key);
        const now = this.checks.get(key)?.value;
        if (now?.status !== 'critical') return;
        this.log.info('deregistering critical service', { service: c.serviceId, check: c.checkId });
        this.deregisterService(c.serviceId, c.node).catch(() => {});
      }, after),
    );
  }

  /** Runs an agent check of this server (and tracks DeregisterCriticalServiceAfter). */
  private watchCheck(c: CheckEntry) {
    if (c.node !== this.localNode) return;
    const key = checkKey(c.node, c.checkId);
    if (c.source === 'agent') this.runner.schedule(key, c);
    this.trackCritical(key, c, c.status);
  }

  /** Stops running a check (removed by another server's write: that server handled its sessions). */
  private stopCheck(c: CheckEntry) {
    const key = checkKey(c.node, c.checkId);
    this.runner.cancel(key);
    const t = this.reapers.get(key);
    if (t) this.clock.clearTimeout(t);
    this.reapers.delete(key);
  }

  /** Stops a removed check and invalidates the sessions that depend on it. */
  private forgetCheck(c: CheckEntry) {
    this.stopCheck(c);
    this.hooks.checkFailed(c.node, c.checkId);
  }

  /** Sets the naming instance's `healthy` from its checks and its node's checks (none critical). */
  private async syncHealth(serviceId: string, node: string) {
    const v = this.findService(serviceId, node);
    // Catalog services get their health in the catalog write that changed a check (CatalogTx).
    if (v?.source !== 'agent' || v.node !== this.localNode) return;
    const all = [...this.serviceChecks(v), ...this.nodeChecks(node)];
    const healthy = !all.some((x) => x.c.status === 'critical');
    if (v.instance.healthy !== healthy)
      await this.reg().setHealth(this.svcId(v.service), { instanceId: serviceId }, healthy);
  }

  /** Health of every agent service on a node, after a node-level check changed. */
  private async syncNode(node: string) {
    for (const v of this.views(new WatchSet()).value)
      if (v.node === node && v.source === 'agent') await this.syncHealth(v.id, v.node);
  }

  /** Deletes stored catalog rows (a Consul write of its own: serialized with every other one). */
  private async deleteRows(del: CatalogRowKey[]): Promise<void> {
    await this.store.write((tx) => tx.part('rows', () => new CatalogRowDeletes(tx, del)));
  }

  // ── catalog writes (staged: one storage commit and one state index per request or txn) ──

  /** The catalog part of a ConsulTx: txn Node/Service/Check ops evaluate on it. */
  stage(tx: ConsulTx): CatalogTx {
    return tx.part(CATALOG_PART, () => new CatalogTx(this, tx));
  }

  /** Runs `fn` on a staged catalog write: applied and stored as a whole (one Consul write, see ConsulStore.write), or (on a throw) not at all. */
  writeCatalog<T>(fn: (c: CatalogTx) => T): Promise<T> {
    return this.store.write((tx) => fn(this.stage(tx)));
  }

  /** `/v1/catalog/register`: node, optional service and checks in one write (Consul EnsureRegistration). */
  async catalogRegister(node: NodeEntry, service: ServiceDef | undefined, checks: CheckEntry[]) {
    const wrap = <T>(prefix: string, f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof CatalogOpError) throw serverError(`${prefix}: ${e.message}`);
        throw e;
      }
    };
    await this.writeCatalog((c) => {
      wrap('failed inserting node', () => c.setNode(node));
      if (service) wrap('failed inserting service', () => c.setService(node.node, service));
      for (const chk of checks)
        wrap(`failed inserting check on node "${node.node}"`, () => c.setCheck({ ...chk, node: node.node }));
    });
  }

  /** `/v1/catalog/deregister`: a service, a check, or the whole node (missing ones are fine). */
  async catalogDeregister(node: string, serviceId?: string, checkId?: string) {
    await this.writeCatalog((c) => {
      if (serviceId) c.deleteService(node, serviceId);
      else if (checkId) c.deleteCheck(node, checkId);
      else c.deleteNode(node);
    });
  }

  /**
   * `/v1/agent/force-leave/<node>`: removes another Batata server's node entry (with its stored
   * checks and catalog services) from the shared catalog, e.g. a server that left for good. Other
   * names are a no-op; a server that is still running stores its entry again when it restarts.
   */
  async forceLeave(node: string): Promise<void> {
    if (node === this.localNode || !this.nodes.get(node)?.value.server) return;
    await this.writeCatalog((c) => c.deleteNode(node, true));
  }

  // ── CatalogTxHost ──

  naming(): ConsulRegistry {
    return this.reg();
  }
  now(): number {
    return this.clock.now();
  }
  nodeEntry(name: string): Entry<NodeEntry> | undefined {
    return this.nodes.get(name);
  }
  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }
  committedServices(node: string): ServiceView[] {
    return this.views(new WatchSet()).value.filter((v) => v.node === node);
  }
  committedChecks(node: string): Array<Entry<CheckEntry>> {
    return [...this.checks.values()].filter((e) => e.value.node === node);
  }
  warn(message: string, fields: Record<string, unknown>): void {
    this.log.warn(message, fields);
  }
  afterCatalogWrite(effects: CatalogEffects): void {
    for (const c of effects.forgottenChecks) this.stopCheck(c);
    for (const c of effects.removedChecks) this.forgetCheck(c);
    for (const c of effects.failedChecks) this.hooks.checkFailed(c.node, c.checkId);
    for (const n of effects.removedNodes) this.hooks.nodeRemoved(n);
    // At boot the stored entry may be an older one of this server: start() stores the current one.
    if (effects.localNodeOverwritten && this.started)
      this.log.warn(
        "another server stored a node entry under this server's consul.node-name: give every server its own",
        {
          node: this.localNode,
        },
      );
  }

  /** Status of a check for session validation (serfHealth is always passing here). */
  checkStatus(node: string, checkId: string): string | undefined {
    if (checkId === 'serfHealth' && this.nodes.has(node)) return 'passing';
    return this.checks.get(checkKey(node, checkId))?.value.status;
  }

  nodeExists(node: string): boolean {
    return this.nodes.has(node) || node === this.localNode;
  }
}

const checkRowKey = (c: CheckEntry): CatalogRowKey => ({ kind: 'check', node: c.node, id: c.checkId });
