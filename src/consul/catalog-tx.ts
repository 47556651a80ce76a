import type { InstanceInput, InstanceRecord, ServiceId, StagedInstance, StagedRemoval } from '../naming';
import type { Entry, WriteContext } from '../state';
import {
  CHECKS_TABLE,
  type CheckEntry,
  checkKey,
  NODES_TABLE,
  type NodeEntry,
  type ServiceView,
  serviceView,
} from './catalog-model';
import type { ServiceDef } from './catalog-service';
import { ConsulError } from './consul-errors';
import type { CatalogRow, ConsulBatch } from './consul-model';
import type { ConsulTx, TxParticipant } from './consul-tx';
import type { ConsulRegistry } from './registry';

/** A catalog rule a staged write broke; the message is Consul's state-store text (txn `What`). */
export class CatalogOpError extends ConsulError {
  constructor(message: string) {
    super(500, message);
  }
}

/** What the staged catalog reads from and reports back to (the CatalogService). */
export interface CatalogTxHost {
  readonly localNode: string;
  /** This server's own node entry as configured (what its stored row must say). */
  readonly localEntry: NodeEntry;
  naming(): ConsulRegistry;
  now(): number;
  warn(message: string, fields: Record<string, unknown>): void;
  nodeEntry(name: string): Entry<NodeEntry> | undefined;
  nodeNames(): string[];
  /** Committed Consul views (agent, catalog and, on this node, Nacos instances) on `node`. */
  committedServices(node: string): ServiceView[];
  findService(id: string, node: string): ServiceView | undefined;
  committedChecks(node: string): Array<Entry<CheckEntry>>;
  /** The naming instance a Consul service definition maps to. */
  serviceInput(
    def: ServiceDef,
    node: NodeEntry,
    source: 'agent' | 'catalog',
  ): { svc: ServiceId; input: InstanceInput; clientId: string };
  /** Side effects of an applied catalog write (check runners, session invalidation). */
  afterCatalogWrite(effects: CatalogEffects): void;
}

export interface CatalogEffects {
  /** Checks this write removed (their runners stop; sessions depending on them are invalidated). */
  removedChecks: CheckEntry[];
  failedChecks: CheckEntry[];
  removedNodes: string[];
  /** Checks another node's write removed: their runners stop here; that node handled the rest. */
  forgottenChecks: CheckEntry[];
  /** Another node stored a different entry for this server's node name. */
  localNodeOverwritten: boolean;
}

/** A value with the indexes it was (or will be) written at. */
export interface Indexed<T> {
  value: T;
  createIndex: number;
  modifyIndex: number;
}

interface Slot<T> {
  node: string;
  id: string;
  value: T | null;
}

/** A stored change made elsewhere: `index` is its row's modify index or its tombstone's index. */
interface BaseSlot<T> extends Slot<T> {
  index: number;
}

interface StagedService {
  view: ServiceView;
  /** The definition to persist (catalog services); agent services keep their agent definition. */
  def?: ServiceDef;
}

const slotKey = (node: string, id: string) => `${node}\u0000${id}`;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sameInstance = (a: InstanceRecord, b: InstanceRecord) =>
  a.serviceName === b.serviceName &&
  a.ip === b.ip &&
  a.port === b.port &&
  a.weight === b.weight &&
  same(a.metadata, b.metadata);
const indexed = <T>(e: Entry<T>): Indexed<T> => ({
  value: e.value,
  createIndex: e.createIndex,
  modifyIndex: e.modifyIndex,
});
const fromRow = <T>(r: CatalogRow): Indexed<T> => ({
  value: JSON.parse(r.body) as T,
  createIndex: r.createIndex,
  modifyIndex: r.modifyIndex,
});

/**
 * Catalog writes (nodes, services, checks) staged on a ConsulTx, as Consul's state store applies
 * catalog and txn operations: reads see the transaction's own changes; at commit the rows of
 * catalog objects join the ConsulTx storage commit (with KV and sessions), and nodes, checks and
 * the naming instances of services (with `healthy` recomputed from the checks) are staged on the
 * same state write. Writes that change nothing keep their ModifyIndex.
 *
 * The base: catalog rows other nodes stored since this node last read storage (ConsulTx
 * `catalogBase`) are applied first, as replica changes at their own storage indexes (instances of
 * catalog services keep their row's indexes, also when only their health changes), and reads see
 * them, so conditions are checked against current storage. Only catalog-sourced services are
 * touched by the base; this server's node entry only as this server configured it.
 *
 * Semantics follow `agent/consul/state/catalog.go`: a service needs its node ("Missing node
 * registration"), a service check its service ("Missing service registration"); deleting a node
 * deletes its services and checks, deleting a service its checks. A Batata server's own node entry
 * is written by that server only (catalog writes leave it as it is, as Consul's anti-entropy
 * would restore it); Nacos instances and other servers' agent services are read-only here.
 */
export class CatalogTx implements TxParticipant {
  private readonly nodes = new Map<string, Indexed<NodeEntry> | null>();
  private readonly services = new Map<string, Slot<StagedService>>();
  private readonly checks = new Map<string, Slot<Indexed<CheckEntry>>>();
  private readonly baseNodes = new Map<string, BaseSlot<Indexed<NodeEntry>>>();
  private readonly baseServices = new Map<string, BaseSlot<StagedService>>();
  private readonly baseChecks = new Map<string, BaseSlot<Indexed<CheckEntry>>>();
  /** Standalone agent checks to store (agent service checks are this server's only). */
  private readonly storedAgentChecks = new Set<string>();
  private localNodeOverwritten = false;
  /** Sessions are left alone: this server forgets its own former node names (see CatalogService.start). */
  quiet = false;
  private effects?: CatalogEffects;

  constructor(
    private readonly host: CatalogTxHost,
    private readonly tx: ConsulTx,
  ) {
    this.rebase();
  }

  get dirty(): boolean {
    return (
      this.nodes.size +
        this.services.size +
        this.checks.size +
        this.baseNodes.size +
        this.baseServices.size +
        this.baseChecks.size >
      0
    );
  }

  private get index(): number {
    return this.tx.w.index;
  }

  /** Reads the base into slots: nodes first (services derive their instance from their node). */
  private rebase() {
    const base = this.tx.catalogBase();
    for (const { key, row, index } of base) {
      if (key.kind === 'node') {
        const value = row ? fromRow<NodeEntry>(row) : null;
        if (key.node === this.host.localNode && !(value && same(value.value, this.host.localEntry))) {
          this.localNodeOverwritten = true;
          continue;
        }
        this.baseNodes.set(key.node, { node: key.node, id: '', value, index });
      } else if (key.kind === 'check')
        this.baseChecks.set(slotKey(key.node, key.id), {
          node: key.node,
          id: key.id,
          value: row ? fromRow<CheckEntry>(row) : null,
          index,
        });
    }
    for (const { key, row, index } of base) {
      if (key.kind !== 'service') continue;
      const before = this.host.findService(key.id, key.node);
      if (before && before.source !== 'catalog') continue;
      const slot = { node: key.node, id: key.id, index };
      if (!row) {
        this.baseServices.set(slotKey(key.node, key.id), { ...slot, value: null });
        continue;
      }
      const view = this.catalogView(row);
      if (view) this.baseServices.set(slotKey(key.node, key.id), { ...slot, value: view });
    }
  }

  /** The Consul view (naming instance) of a stored catalog service row; undefined (logged) when it cannot be built. */
  private catalogView(row: CatalogRow): StagedService | undefined {
    const node =
      this.node(row.node)?.value ?? (row.node === this.host.localNode ? this.host.localEntry : undefined);
    try {
      if (!node) throw new Error('its node is not registered');
      const def = JSON.parse(row.body) as ServiceDef;
      const { svc, input, clientId } = this.host.serviceInput(def, node, 'catalog');
      const rec = this.host.naming().prepareInstance(svc, input, clientId);
      return { view: serviceView(rec, this.host.localNode, row.createIndex, row.modifyIndex), def };
    } catch (e) {
      this.host.warn('cannot apply a stored catalog service', {
        node: row.node,
        id: row.id,
        err: (e as Error).message,
      });
      return undefined;
    }
  }

  /** Services a catalog write leaves alone: Nacos instances, servers' `consul` service, other servers' agent services. */
  private readOnly(v: ServiceView): boolean {
    return (
      v.source === 'nacos' ||
      v.source === 'server' ||
      (v.source === 'agent' && v.node !== this.host.localNode)
    );
  }

  // ── reads ──

  node(name: string): Indexed<NodeEntry> | undefined {
    if (this.nodes.has(name)) return this.nodes.get(name) ?? undefined;
    const b = this.baseNodes.get(name);
    if (b) return b.value ?? undefined;
    const e = this.host.nodeEntry(name);
    return e && indexed(e);
  }

  nodeById(id: string): Indexed<NodeEntry> | undefined {
    const names = new Set([...this.host.nodeNames(), ...this.baseNodes.keys(), ...this.nodes.keys()]);
    for (const n of names) {
      const row = this.node(n);
      if (row && row.value.id === id) return row;
    }
    return undefined;
  }

  /** The service before this transaction's own changes (base applied). */
  private priorService(node: string, id: string): ServiceView | undefined {
    const b = this.baseServices.get(slotKey(node, id));
    if (b) return b.value?.view;
    return this.host.findService(id, node);
  }

  service(node: string, id: string): ServiceView | undefined {
    const s = this.services.get(slotKey(node, id));
    if (s) return s.value?.view;
    return this.priorService(node, id);
  }

  servicesOn(node: string): ServiceView[] {
    const out = new Map<string, ServiceView>();
    for (const v of this.host.committedServices(node)) out.set(v.id, v);
    for (const layer of [this.baseServices, this.services])
      for (const s of layer.values())
        if (s.node === node) {
          if (s.value) out.set(s.id, s.value.view);
          else out.delete(s.id);
        }
    return [...out.values()];
  }

  /** The check before this transaction's own changes (base applied). */
  private priorCheck(node: string, id: string): Indexed<CheckEntry> | undefined {
    const b = this.baseChecks.get(slotKey(node, id));
    if (b) return b.value ?? undefined;
    const e = this.host.committedChecks(node).find((x) => x.value.checkId === id);
    return e && indexed(e);
  }

  check(node: string, id: string): Indexed<CheckEntry> | undefined {
    const s = this.checks.get(slotKey(node, id));
    if (s) return s.value ?? undefined;
    return this.priorCheck(node, id);
  }

  checksOn(node: string): Array<Indexed<CheckEntry>> {
    const out = new Map<string, Indexed<CheckEntry>>();
    for (const e of this.host.committedChecks(node)) out.set(e.value.checkId, indexed(e));
    for (const layer of [this.baseChecks, this.checks])
      for (const s of layer.values())
        if (s.node === node) {
          if (s.value) out.set(s.id, s.value);
          else out.delete(s.id);
        }
    return [...out.values()];
  }

  // ── writes ──

  /** Upserts a node (by name); a server's own node entry is left as it is (see `setServerNode`). */
  setNode(n: NodeEntry): Indexed<NodeEntry> {
    const prev = this.node(n.node);
    if (prev && (n.node === this.host.localNode || prev.value.server)) return prev;
    return this.putNode(n, prev);
  }

  /** This server's own node entry (written by this server only, at boot). */
  setServerNode(n: NodeEntry): Indexed<NodeEntry> {
    return this.putNode(n, this.node(n.node));
  }

  private putNode(n: NodeEntry, prev: Indexed<NodeEntry> | undefined): Indexed<NodeEntry> {
    if (prev && same(prev.value, n)) return prev;
    const row = { value: n, createIndex: prev?.createIndex ?? this.index, modifyIndex: this.index };
    this.nodes.set(n.node, row);
    return row;
  }

  /**
   * Removes a node with its services and checks (a missing node is a no-op). A server's node entry
   * stays (its services and checks go) unless `server` (force-leave of another server).
   */
  deleteNode(name: string, server = false): void {
    for (const v of this.servicesOn(name)) if (!this.readOnly(v)) this.deleteService(name, v.id);
    for (const c of this.checksOn(name)) this.deleteCheck(name, c.value.checkId);
    const n = this.node(name);
    if (!n || name === this.host.localNode) return;
    if (!n.value.server || server) this.nodes.set(name, null);
  }

  /** Upserts a service on a registered node; an agent service stays an agent service. */
  setService(node: string, def: ServiceDef): ServiceView {
    const n = this.node(node);
    if (!n) throw new CatalogOpError('Missing node registration');
    const prev = this.service(node, def.id);
    if (prev && this.readOnly(prev))
      throw new CatalogOpError(`service "${def.id}" on node "${node}" is read-only (${prev.source})`);
    const source = prev?.source === 'agent' ? 'agent' : 'catalog';
    const { svc, input, clientId } = this.host.serviceInput(def, n.value, source);
    const rec = this.host.naming().prepareInstance(svc, input, clientId);
    if (prev && sameInstance(prev.instance, rec)) return prev;
    const view = serviceView(rec, this.host.localNode, prev?.createIndex ?? this.index, this.index);
    this.services.set(slotKey(node, def.id), {
      node,
      id: def.id,
      value: { view, def: source === 'catalog' ? { ...def, checks: [] } : undefined },
    });
    // compat(consul): a service write leaves its checks (and their ServiceTags) as they are.
    return view;
  }

  /** Removes a service and its checks (missing: no-op; read-only services are left alone). */
  deleteService(node: string, id: string): void {
    const v = this.service(node, id);
    if (!v || this.readOnly(v)) return;
    for (const c of this.checksOn(node))
      if (c.value.serviceId === id) this.deleteCheck(node, c.value.checkId);
    this.services.set(slotKey(node, id), { node, id, value: null });
  }

  /**
   * Upserts a check; a service check takes its service's name and tags. On an agent check only
   * the status, output, notes and name change (the agent keeps running it, like Consul's
   * anti-entropy would restore it).
   */
  setCheck(c: CheckEntry, createIndex?: number): Indexed<CheckEntry> {
    if (!this.node(c.node)) throw new CatalogOpError('Missing node registration');
    let entry: CheckEntry = { ...c, serviceName: '', serviceTags: [] };
    if (c.serviceId) {
      const v = this.service(c.node, c.serviceId);
      if (!v) throw new CatalogOpError('Missing service registration');
      entry = { ...c, serviceName: v.service, serviceTags: v.tags };
    }
    const prev = this.check(c.node, c.checkId);
    if (prev?.value.source === 'agent')
      entry = {
        ...prev.value,
        name: entry.name || prev.value.name,
        status: entry.status,
        output: entry.output,
        notes: entry.notes,
      };
    return this.putCheck(c.node, entry, createIndex);
  }

  /** A standalone agent check of this server (`/v1/agent/check/register`, maintenance): stored, run here. */
  setAgentCheck(entry: CheckEntry): Indexed<CheckEntry> {
    this.storedAgentChecks.add(slotKey(entry.node, entry.checkId));
    return this.putCheck(entry.node, entry);
  }

  deleteCheck(node: string, id: string): void {
    if (this.check(node, id)) this.checks.set(slotKey(node, id), { node, id, value: null });
  }

  private putCheck(node: string, entry: CheckEntry, createIndex?: number): Indexed<CheckEntry> {
    const prev = this.check(node, entry.checkId);
    if (prev && same(prev.value, entry)) return prev;
    const row = {
      value: entry,
      createIndex: createIndex ?? prev?.createIndex ?? this.index,
      modifyIndex: this.index,
    };
    this.checks.set(slotKey(node, entry.checkId), { node, id: entry.checkId, value: row });
    return row;
  }

  // ── commit (TxParticipant) ──

  /** Own changes only (the base is stored already); deletes only of rows that are stored. */
  persist(batch: ConsulBatch): void {
    const put: CatalogRow[] = (batch.catalogPut ??= []);
    const del = (batch.catalogDelete ??= []);
    const stored = (kind: CatalogRow['kind'], node: string, id: string) =>
      this.tx.storedRow({ kind, node, id }) !== undefined;
    const remove = (kind: CatalogRow['kind'], node: string, id: string) => {
      if (stored(kind, node, id)) del.push({ kind, node, id });
    };
    for (const [name, row] of this.nodes) {
      if (!row) remove('node', name, '');
      else put.push({ kind: 'node', node: name, id: '', body: JSON.stringify(row.value), ...indexes(row) });
    }
    for (const s of this.services.values()) {
      if (!s.value) remove('service', s.node, s.id);
      else if (s.value.def)
        put.push({
          kind: 'service',
          node: s.node,
          id: s.id,
          body: JSON.stringify(s.value.def),
          ...indexes(s.value.view),
        });
    }
    // Agent checks are stored when standalone (stored before): a change made here is stored too.
    for (const s of this.checks.values()) {
      if (!s.value) remove('check', s.node, s.id);
      else if (
        s.value.value.source === 'catalog' ||
        this.storedAgentChecks.has(slotKey(s.node, s.id)) ||
        stored('check', s.node, s.id)
      )
        put.push({
          kind: 'check',
          node: s.node,
          id: s.id,
          body: JSON.stringify(s.value.value),
          ...indexes(s.value),
        });
    }
  }

  stage(w: WriteContext): void {
    const effects: CatalogEffects = {
      removedChecks: [],
      failedChecks: [],
      removedNodes: [],
      forgottenChecks: [],
      localNodeOverwritten: this.localNodeOverwritten,
    };
    const touched = new Set<string>();
    for (const [name, b] of this.baseNodes) {
      touched.add(name);
      if (b.value)
        w.put(NODES_TABLE, name, b.value.value, {
          createIndex: b.value.createIndex,
          modifyIndex: b.index,
          replica: true,
        });
      else w.delete(NODES_TABLE, name, { index: b.index, replica: true });
    }
    for (const b of this.baseChecks.values()) {
      touched.add(b.node);
      const key = checkKey(b.node, b.id);
      if (b.value)
        w.put(CHECKS_TABLE, key, b.value.value, {
          createIndex: b.value.createIndex,
          modifyIndex: b.index,
          replica: true,
        });
      else {
        const before = this.host.committedChecks(b.node).find((e) => e.value.checkId === b.id)?.value;
        w.delete(CHECKS_TABLE, key, { index: b.index, replica: true });
        if (before) effects.forgottenChecks.push(before);
      }
    }
    for (const [name, row] of this.nodes) {
      touched.add(name);
      if (row) w.put(NODES_TABLE, name, row.value, { createIndex: row.createIndex });
      else {
        w.delete(NODES_TABLE, name);
        effects.removedNodes.push(name);
      }
    }
    for (const s of this.checks.values()) {
      touched.add(s.node);
      const before = this.priorCheck(s.node, s.id)?.value;
      if (s.value) {
        w.put(CHECKS_TABLE, checkKey(s.node, s.id), s.value.value, { createIndex: s.value.createIndex });
        if (s.value.value.status === 'critical' && before?.status !== 'critical')
          effects.failedChecks.push(s.value.value);
      } else {
        w.delete(CHECKS_TABLE, checkKey(s.node, s.id));
        if (before) effects.removedChecks.push(before);
      }
    }
    this.stageInstances(w, touched);
    this.effects = effects;
  }

  /** Naming instances of the services this write changed, and health of every service on a touched node. */
  private stageInstances(w: WriteContext, touched: Set<string>) {
    const puts: StagedInstance[] = [];
    const removes: StagedRemoval[] = [];
    const final = new Map<string, { s: Slot<StagedService>; base?: number }>();
    for (const [k, s] of this.baseServices) final.set(k, { s, base: s.index });
    for (const [k, s] of this.services) final.set(k, { s });
    for (const { s, base } of final.values()) {
      touched.add(s.node);
      const before = this.host.findService(s.id, s.node);
      if (!before || this.readOnly(before)) continue;
      if (!s.value || before.service !== s.value.view.service)
        removes.push({ rec: before.instance, index: base, replica: base !== undefined });
    }
    for (const node of touched)
      for (const v of this.servicesOn(node)) {
        if (this.readOnly(v)) continue;
        const healthy = this.healthy(v);
        const f = final.get(slotKey(node, v.id));
        if (f?.s.value) {
          const { view } = f.s.value;
          puts.push({
            rec: { ...view.instance, healthy },
            createIndex: view.createIndex,
            modifyIndex: view.modifyIndex,
            replica: f.base !== undefined,
          });
        } else if (v.instance.healthy !== healthy)
          // A catalog service keeps its row's indexes (the same on every node); health lives in its checks.
          puts.push({
            rec: { ...v.instance, healthy, modifyTime: this.host.now() },
            ...(v.source === 'catalog' ? { createIndex: v.createIndex, modifyIndex: v.modifyIndex } : {}),
          });
      }
    if (puts.length || removes.length) this.host.naming().stageInstances(w, puts, removes);
  }

  afterApply(): void {
    const e = this.effects;
    if (!e) return;
    this.host.afterCatalogWrite(
      this.quiet
        ? {
            ...e,
            forgottenChecks: [...e.forgottenChecks, ...e.removedChecks],
            removedChecks: [],
            failedChecks: [],
            removedNodes: [],
          }
        : e,
    );
  }

  /** Drops this transaction's own changes; the base stays (it is applied whatever the transaction does). */
  discard(): void {
    this.nodes.clear();
    this.services.clear();
    this.checks.clear();
    this.storedAgentChecks.clear();
  }

  /** A service is healthy when none of its checks and none of its node's checks is critical. */
  private healthy(v: ServiceView): boolean {
    return !this.checksOn(v.node).some(
      (c) => (c.value.serviceId === v.id || !c.value.serviceId) && c.value.status === 'critical',
    );
  }
}

const indexes = (r: { createIndex: number; modifyIndex: number }) => ({
  createIndex: r.createIndex,
  modifyIndex: r.modifyIndex,
});
