import type { Clock, TimerHandle } from '../core/clock';
import type { Logger } from '../core/log';
import type { InstanceInput, ServiceId } from '../naming';
import { type Entry, type QueryResult, type StateStore, WatchSet } from '../state';
import {
  blankCheck,
  CHECKS_TABLE,
  type CheckEntry,
  type CheckStatus,
  CONSUL_SERVICE,
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
import { type CatalogRowDraft, CatalogRows } from './catalog-rows';
import { type CatalogEffects, CatalogOpError, CatalogTx, type CatalogTxHost } from './catalog-tx';
import type { CheckDef } from './check-def';
import { CheckRunner } from './check-runner';
import { badRequest, ConsulError, notFound, serverError } from './consul-errors';
import type { CatalogRow, CatalogRowKey } from './consul-model';
import type { AgentServiceStore } from './consul-repo';
import type { ConsulStore } from './consul-store';
import type { ConsulTx } from './consul-tx';
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
 * their health). Checks live in the `consul.checks` state table; agent checks run here (TTL, HTTP,
 * TCP) and their aggregate drives the instance's `healthy` flag. Nodes other than this server
 * (catalog registrations) live in `consul.nodes`.
 */
export class CatalogService implements CatalogTxHost {
  private readonly runner: CheckRunner;
  /** Critical-since timers for DeregisterCriticalServiceAfter, by check key. */
  private readonly reapers = new Map<string, TimerHandle>();

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

  async start() {
    await this.state.write((w) => w.put(NODES_TABLE, this.localNode, this.opts.local));
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
    if (service === undefined || service === CONSUL_SERVICE) {
      const own = this.consulService();
      if (own) views.push(own);
    }
    const index = Math.max(this.instances.prefixIndex(prefix), this.checks.index(), this.nodes.index());
    return { index, value: views };
  }

  /** compat(consul): every server node has the `consul` service (Spring's getAllInstances iterates it). */
  private consulService(): ServiceView | undefined {
    const n = this.nodes.get(this.localNode);
    return n && consulServiceView(n, this.opts.serverPort ?? 0, this.svcId(CONSUL_SERVICE));
  }

  node(name: string): Entry<NodeEntry> | undefined {
    return this.nodes.get(name);
  }

  allNodes(ws: WatchSet): QueryResult<Entry<NodeEntry>[]> {
    ws.table(NODES_TABLE);
    const list = [...this.nodes.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    return { index: this.nodes.index(), value: list };
  }

  /** Checks of a service instance (its own checks, or the synthetic Nacos one). */
  serviceChecks(v: ServiceView): Array<{ c: CheckEntry; ci: number; mi: number }> {
    if (v.source === 'nacos') return [{ c: nacosCheck(v), ci: v.createIndex, mi: v.modifyIndex }];
    if (v.source === 'server') return [];
    return [...this.checks.values()]
      .filter((e) => e.value.node === v.node && e.value.serviceId === v.id)
      .map((e) => ({ c: e.value, ci: e.createIndex, mi: e.modifyIndex }));
  }

  /** Node-level checks: serfHealth (this server) plus registered ones without a service. */
  nodeChecks(node: string): Array<{ c: CheckEntry; ci: number; mi: number }> {
    const out: Array<{ c: CheckEntry; ci: number; mi: number }> = [];
    const n = this.nodes.get(node);
    if (node === this.localNode && n) out.push({ c: serfHealth(node), ci: n.createIndex, mi: n.createIndex });
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
      clientId: `consul:${node.node}`,
    };
  }

  /**
   * Registers (upserts) an agent service and its checks on this node. Existing checks of the
   * service that the request does not name are kept unless `replaceChecks`. Generated check IDs
   * follow Consul: `service:<id>` for one check, `service:<id>:<n>` (n from 1) for several.
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
    const removed: CheckEntry[] = [];
    const added: CheckEntry[] = [];
    await this.state.write((w) => {
      const keep = new Set(checkDefs.map((c) => c.checkId));
      for (const e of this.checks.values()) {
        const c = e.value;
        if (c.node !== node.node || c.serviceId !== def.id) continue;
        if (opts.replaceChecks && !keep.has(c.checkId) && !c.checkId.startsWith(MAINTENANCE_PREFIX)) {
          w.delete(CHECKS_TABLE, e.key);
          removed.push(c);
        } else if (c.serviceTags.join('\u0000') !== def.tags.join('\u0000') || c.serviceName !== def.name)
          w.put(CHECKS_TABLE, e.key, { ...c, serviceTags: def.tags, serviceName: def.name });
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
    if (removed.length) await this.deleteRows(removed.map(checkRowKey));
    for (const c of removed) this.forgetCheck(c);
    for (const c of added) this.watchCheck(c);
    await this.syncHealth(def.id, node.node);
    await this.agents.saveAgentService(def.id, JSON.stringify(def));
  }

  /** Re-registers the agent services saved before a restart (checks start over, as on an agent restart). */
  async restoreAgentServices(): Promise<number> {
    let n = 0;
    for (const { id, body } of await this.agents.loadAgentServices()) {
      try {
        await this.registerService(JSON.parse(body) as ServiceDef);
        n++;
      } catch (e) {
        this.log.warn('cannot restore agent service', { id, err: e as Error });
      }
    }
    return n;
  }

  /** Finds a Consul service instance by ID on a node (this server's `consul` service included). */
  findService(id: string, node: string): ServiceView | undefined {
    const prefix = namingServicePrefix(this.opts.namespaceId, this.opts.group);
    for (const e of this.instances.scan(prefix)) {
      if (e.value.instanceId !== id) continue;
      const v = this.viewOf(e);
      if (v.node === node) return v;
    }
    if (id === CONSUL_SERVICE && node === this.localNode) return this.consulService();
    return undefined;
  }

  /** Removes a service and all its checks. Throws Consul's 404 for an unknown ID. */
  async deregisterService(id: string, node = this.localNode): Promise<void> {
    const v = this.findService(id, node);
    if (!v || v.source === 'nacos' || v.source === 'server') throw unknownService(id);
    if (v.source === 'catalog') return this.writeCatalog((c) => c.deleteService(node, id));
    await this.reg().deregisterInstance(this.svcId(v.service), { instanceId: id });
    if (node === this.localNode) await this.agents.removeAgentService(id);
    const removed: CheckEntry[] = [];
    await this.state.write((w) => {
      for (const e of this.checks.values())
        if (e.value.node === node && e.value.serviceId === id) {
          w.delete(CHECKS_TABLE, e.key);
          removed.push(e.value);
        }
    });
    if (removed.length) await this.deleteRows(removed.map(checkRowKey));
    for (const c of removed) this.forgetCheck(c);
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

  /** Stores (or, with no entry, removes) a standalone agent check: its row and its state at one index. */
  private async putAgentCheck(checkId: string, entry: CheckEntry | undefined): Promise<void> {
    const key = checkKey(this.localNode, checkId);
    const put = entry ? [checkRow(entry, this.checks.get(key)?.createIndex)] : [];
    const del = entry ? [] : [{ kind: 'check' as const, node: this.localNode, id: checkId }];
    await this.store.write((tx) =>
      tx.part(
        'rows',
        () =>
          new CatalogRows(tx, put, del, (w) =>
            entry ? w.put(CHECKS_TABLE, key, entry) : w.delete(CHECKS_TABLE, key),
          ),
      ),
    );
  }

  /** Re-registers standalone agent checks saved before a restart; they start over like agent service checks. */
  async restoreAgentChecks(rows: CatalogRow[]): Promise<number> {
    let n = 0;
    for (const r of rows) {
      const c = JSON.parse(r.body) as CheckEntry;
      if (c.node !== this.localNode || (c.serviceId && !this.agentService(c.serviceId))) {
        await this.deleteRows([checkRowKey(c)]);
        continue;
      }
      const entry: CheckEntry = c.type === 'maintenance' ? c : { ...c, status: 'critical', output: '' };
      await this.state.write((w) => w.put(CHECKS_TABLE, checkKey(c.node, c.checkId), entry));
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
    await this.putAgentCheck(id, undefined);
    this.forgetCheck(c);
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

  /** Applies a status/output change from a runner or TTL update (no write when unchanged). */
  async updateStatus(key: string, status: CheckStatus, output: string): Promise<void> {
    const cur = this.checks.get(key)?.value;
    if (!cur) return;
    const clipped = output.length > 4096 ? output.slice(0, 4096) : output;
    if (cur.status === status && cur.output === clipped) return;
    await this.state.write((w) => {
      if (this.checks.get(key)) w.put(CHECKS_TABLE, key, { ...cur, status, output: clipped });
    });
    if (status === 'critical' && cur.status !== 'critical') this.hooks.checkFailed(cur.node, cur.checkId);
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

  private watchCheck(c: CheckEntry) {
    const key = checkKey(c.node, c.checkId);
    if (c.source === 'agent') this.runner.schedule(key, c);
    this.trackCritical(key, c, c.status);
  }

  private forgetCheck(c: CheckEntry) {
    const key = checkKey(c.node, c.checkId);
    this.runner.cancel(key);
    const t = this.reapers.get(key);
    if (t) this.clock.clearTimeout(t);
    this.reapers.delete(key);
    this.hooks.checkFailed(c.node, c.checkId);
  }

  /** Sets the naming instance's `healthy` from its checks and its node's checks (none critical). */
  private async syncHealth(serviceId: string, node: string) {
    const v = this.findService(serviceId, node);
    if (!v || v.source === 'nacos' || v.source === 'server') return;
    const all = [...this.serviceChecks(v), ...this.nodeChecks(node)];
    const healthy = !all.some((x) => x.c.status === 'critical');
    if (v.instance.healthy !== healthy)
      await this.reg().setHealth(this.svcId(v.service), { instanceId: serviceId }, healthy);
  }

  /** Health of every Consul service on a node, after a node-level check changed. */
  private async syncNode(node: string) {
    for (const v of this.views(new WatchSet()).value)
      if (v.node === node && v.source !== 'nacos') await this.syncHealth(v.id, v.node);
  }

  /** Deletes stored catalog rows (a Consul write of its own: serialized with every other one). */
  private async deleteRows(del: CatalogRowKey[]): Promise<void> {
    await this.store.write((tx) => tx.part('rows', () => new CatalogRows(tx, [], del)));
  }

  // ── catalog writes (staged: one storage commit and one state index per request or txn) ──

  /** The catalog part of a ConsulTx: txn Node/Service/Check ops evaluate on it. */
  stage(tx: ConsulTx, durable = true): CatalogTx {
    return tx.part('catalog', () => new CatalogTx(this, tx, durable));
  }

  /**
   * Runs `fn` on a staged catalog write: applied and stored as a whole (one Consul write, see
   * ConsulStore.write), or (on a throw) not at all. Not `durable`: rows already stored (boot), only
   * applied to the state.
   */
  writeCatalog<T>(fn: (c: CatalogTx) => T, durable = true): Promise<T> {
    const run = (tx: ConsulTx) => fn(this.stage(tx, durable));
    return durable ? this.store.write(run) : this.store.applyLocal(run);
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
   * Loads catalog rows stored before a restart (nodes, services, catalog checks) at one index.
   * Rows that no longer fit (a service whose node is gone) are skipped with a warning.
   */
  async restoreCatalog(rows: CatalogRow[]): Promise<number> {
    const load = (kind: CatalogRow['kind']) => rows.filter((r) => r.kind === kind);
    let n = 0;
    const each = (rs: CatalogRow[], f: (r: CatalogRow) => unknown) => {
      for (const r of rs)
        try {
          f(r);
          n++;
        } catch (e) {
          this.log.warn('cannot restore catalog row', {
            kind: r.kind,
            node: r.node,
            id: r.id,
            err: e as Error,
          });
        }
    };
    if (!rows.length) return 0;
    await this.writeCatalog((c) => {
      each(load('node'), (r) => c.setNode(JSON.parse(r.body) as NodeEntry, r.createIndex));
      each(load('service'), (r) => c.setService(r.node, JSON.parse(r.body) as ServiceDef));
      each(load('check'), (r) => c.setCheck(JSON.parse(r.body) as CheckEntry, r.createIndex));
    }, false);
    return n;
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
  afterCatalogWrite(effects: CatalogEffects): void {
    for (const c of effects.removedChecks) this.forgetCheck(c);
    for (const c of effects.failedChecks) this.hooks.checkFailed(c.node, c.checkId);
    for (const n of effects.removedNodes) this.hooks.nodeRemoved(n);
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

const checkRow = (c: CheckEntry, createIndex?: number): CatalogRowDraft => ({
  kind: 'check',
  node: c.node,
  id: c.checkId,
  body: JSON.stringify(c),
  createIndex,
});
const checkRowKey = (c: CheckEntry): CatalogRowKey => ({ kind: 'check', node: c.node, id: c.checkId });
