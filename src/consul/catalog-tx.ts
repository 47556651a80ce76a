import type { InstanceInput, InstanceRecord, ServiceId } from '../naming';
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
  naming(): ConsulRegistry;
  now(): number;
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
  removedChecks: CheckEntry[];
  failedChecks: CheckEntry[];
  removedNodes: string[];
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

interface StagedService {
  view: ServiceView;
  /** The definition to persist (catalog services); agent services keep their agent definition. */
  def?: ServiceDef;
}

/** Services a catalog write leaves alone: Nacos instances and this server's `consul` service. */
const readOnly = (v: ServiceView) => v.source === 'nacos' || v.source === 'server';

const slotKey = (node: string, id: string) => `${node}\u0000${id}`;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sameInstance = (a: InstanceRecord, b: InstanceRecord) =>
  a.serviceName === b.serviceName &&
  a.ip === b.ip &&
  a.port === b.port &&
  a.weight === b.weight &&
  same(a.metadata, b.metadata);

/**
 * Catalog writes (nodes, services, checks) staged on a ConsulTx, as Consul's state store applies
 * catalog and txn operations: reads see the transaction's own changes; at commit the rows of
 * catalog registrations join the ConsulTx storage commit (with KV and sessions), and nodes, checks
 * and the naming instances of services (with `healthy` recomputed from the checks) are staged on
 * the same state write. Writes that change nothing keep their ModifyIndex.
 *
 * Semantics follow `agent/consul/state/catalog.go`: a service needs its node ("Missing node
 * registration"), a service check its service ("Missing service registration"); deleting a node
 * deletes its services and checks, deleting a service its checks. This server's own node entry is
 * not changed or removed (as Consul's anti-entropy would restore it), and Nacos instances shown on
 * it are read-only here.
 */
export class CatalogTx implements TxParticipant {
  private readonly nodes = new Map<string, Indexed<NodeEntry> | null>();
  private readonly services = new Map<string, Slot<StagedService>>();
  private readonly checks = new Map<string, Slot<Indexed<CheckEntry>>>();
  private effects?: CatalogEffects;

  constructor(
    private readonly host: CatalogTxHost,
    private readonly tx: ConsulTx,
    /** False when loading rows that are already stored (boot). */
    private readonly durable = true,
  ) {}

  get dirty(): boolean {
    return this.nodes.size + this.services.size + this.checks.size > 0;
  }

  private get index(): number {
    return this.tx.w.index;
  }

  // ── reads ──

  node(name: string): Indexed<NodeEntry> | undefined {
    if (this.nodes.has(name)) return this.nodes.get(name) ?? undefined;
    const e = this.host.nodeEntry(name);
    return e && { value: e.value, createIndex: e.createIndex, modifyIndex: e.modifyIndex };
  }

  nodeById(id: string): Indexed<NodeEntry> | undefined {
    const names = new Set([...this.host.nodeNames(), ...this.nodes.keys()]);
    for (const n of names) {
      const row = this.node(n);
      if (row && row.value.id === id) return row;
    }
    return undefined;
  }

  service(node: string, id: string): ServiceView | undefined {
    const s = this.services.get(slotKey(node, id));
    if (s) return s.value?.view;
    return this.host.findService(id, node);
  }

  servicesOn(node: string): ServiceView[] {
    const out = new Map<string, ServiceView>();
    for (const v of this.host.committedServices(node)) out.set(v.id, v);
    for (const s of this.services.values())
      if (s.node === node) {
        if (s.value) out.set(s.id, s.value.view);
        else out.delete(s.id);
      }
    return [...out.values()];
  }

  check(node: string, id: string): Indexed<CheckEntry> | undefined {
    const s = this.checks.get(slotKey(node, id));
    if (s) return s.value ?? undefined;
    const e = this.host.committedChecks(node).find((x) => x.value.checkId === id);
    return e && { value: e.value, createIndex: e.createIndex, modifyIndex: e.modifyIndex };
  }

  checksOn(node: string): Array<Indexed<CheckEntry>> {
    const out = new Map<string, Indexed<CheckEntry>>();
    for (const e of this.host.committedChecks(node))
      out.set(e.value.checkId, { value: e.value, createIndex: e.createIndex, modifyIndex: e.modifyIndex });
    for (const s of this.checks.values())
      if (s.node === node) {
        if (s.value) out.set(s.id, s.value);
        else out.delete(s.id);
      }
    return [...out.values()];
  }

  // ── writes ──

  /** Upserts a node (by name); `createIndex` only when loading stored rows. */
  setNode(n: NodeEntry, createIndex?: number): Indexed<NodeEntry> {
    const prev = this.node(n.node);
    if (n.node === this.host.localNode && prev) return prev;
    if (prev && same(prev.value, n)) return prev;
    const row = {
      value: n,
      createIndex: createIndex ?? prev?.createIndex ?? this.index,
      modifyIndex: this.index,
    };
    this.nodes.set(n.node, row);
    return row;
  }

  /** Removes a node with its services and checks (a missing node is a no-op). */
  deleteNode(name: string): void {
    for (const v of this.servicesOn(name)) if (!readOnly(v)) this.deleteService(name, v.id);
    for (const c of this.checksOn(name)) this.deleteCheck(name, c.value.checkId);
    if (name !== this.host.localNode && this.node(name)) this.nodes.set(name, null);
  }

  /** Upserts a service on a registered node; an agent service stays an agent service. */
  setService(node: string, def: ServiceDef): ServiceView {
    const n = this.node(node);
    if (!n) throw new CatalogOpError('Missing node registration');
    const prev = this.service(node, def.id);
    if (prev && readOnly(prev))
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

  /** Removes a service and its checks (missing: no-op; Nacos instances are left alone). */
  deleteService(node: string, id: string): void {
    const v = this.service(node, id);
    if (!v || readOnly(v)) return;
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

  persist(batch: ConsulBatch): void {
    if (!this.durable) return;
    const put: CatalogRow[] = (batch.catalogPut ??= []);
    const del = (batch.catalogDelete ??= []);
    for (const [name, row] of this.nodes) {
      if (name === this.host.localNode) continue;
      if (!row) del.push({ kind: 'node', node: name, id: '' });
      else put.push({ kind: 'node', node: name, id: '', body: JSON.stringify(row.value), ...indexes(row) });
    }
    for (const s of this.services.values()) {
      if (!s.value) del.push({ kind: 'service', node: s.node, id: s.id });
      else if (s.value.def)
        put.push({
          kind: 'service',
          node: s.node,
          id: s.id,
          body: JSON.stringify(s.value.def),
          ...indexes(s.value.view),
        });
    }
    for (const s of this.checks.values()) {
      if (!s.value) del.push({ kind: 'check', node: s.node, id: s.id });
      else if (s.value.value.source === 'catalog')
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
    const effects: CatalogEffects = { removedChecks: [], failedChecks: [], removedNodes: [] };
    const touched = new Set<string>();
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
      const before = this.host.committedChecks(s.node).find((e) => e.value.checkId === s.id)?.value;
      if (s.value) {
        w.put(CHECKS_TABLE, checkKey(s.node, s.id), s.value.value, { createIndex: s.value.createIndex });
        if (s.value.value.status === 'critical' && before?.status !== 'critical')
          effects.failedChecks.push(s.value.value);
      } else {
        w.delete(CHECKS_TABLE, checkKey(s.node, s.id));
        if (before) effects.removedChecks.push(before);
      }
    }
    const puts: InstanceRecord[] = [];
    const removes: InstanceRecord[] = [];
    for (const s of this.services.values()) {
      touched.add(s.node);
      const before = this.host.findService(s.id, s.node);
      if (!before || readOnly(before)) continue;
      if (!s.value || before.service !== s.value.view.service) removes.push(before.instance);
    }
    for (const node of touched)
      for (const v of this.servicesOn(node)) {
        if (readOnly(v)) continue;
        const healthy = this.healthy(v);
        const staged = this.services.get(slotKey(node, v.id))?.value;
        if (staged) puts.push({ ...staged.view.instance, healthy });
        else if (v.instance.healthy !== healthy)
          puts.push({ ...v.instance, healthy, modifyTime: this.host.now() });
      }
    if (puts.length || removes.length) this.host.naming().stageInstances(w, puts, removes);
    this.effects = effects;
  }

  afterApply(): void {
    if (this.effects) this.host.afterCatalogWrite(this.effects);
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
