import type { Clock } from '../core/clock';
import type { StateStore, WriteContext } from '../state';
import {
  batchSize,
  bytesEqual,
  CATALOG_TABLE,
  type CatalogRow,
  type CatalogRowKey,
  type ConsulBatch,
  catalogKey,
  KV_TABLE,
  type KvEntry,
  SESSION_TABLE,
  type SessionEntry,
} from './consul-model';
import type { ConsulDelta } from './consul-repo';

export type KvDraft = Omit<KvEntry, 'createIndex' | 'modifyIndex'>;

/**
 * Another part of the Consul state (the catalog) taking part in a ConsulTx: its rows join the one
 * storage commit, its changes the one state write, its side effects run once that write applied.
 */
export interface TxParticipant {
  readonly dirty: boolean;
  /** Adds durable rows to the batch (before the storage commit). */
  persist(batch: ConsulBatch): void;
  /** Stages state changes on the write (after the storage commit succeeded). */
  stage(w: WriteContext): void;
  /** Side effects (timers, hooks) once the write is applied. */
  afterApply(): void;
  /** Drops the participant's own changes but keeps what it applies of the base (else it is dropped). */
  discard?(): void;
}

/** Key of the catalog participant: the one that also applies other nodes' catalog rows (the base). */
export const CATALOG_PART = 'catalog';

/** A stored catalog row (or its deletion) that this node has not applied yet, at its storage index. */
export interface CatalogBaseChange {
  key: CatalogRowKey;
  row: CatalogRow | null;
  index: number;
}
export type SessionDraft = Omit<SessionEntry, 'createIndex' | 'modifyIndex'>;

/**
 * A staged Consul write over the shared state, evaluated inside `ConsulRepo.write` (see
 * ConsulStore). Reads see, in order of precedence: the transaction's own changes, the `base` delta
 * (what storage holds that this node's state does not have yet: other nodes' writes), then the
 * state. Nothing is visible to others until the storage commit; `stage` then puts both the base
 * (as replica changes with their storage indexes) and the own changes on the state write.
 * Participants (the catalog) add their rows to the same storage commit and their changes to the
 * same state write, so one Consul write is one commit at one index, whatever it touches.
 * Unchanged puts are dropped, so they do not bump ModifyIndex (Consul's idempotent writes).
 *
 * Catalog rows are mirrored in `CATALOG_TABLE` like KV entries (base rows as replica changes at
 * their indexes, own rows at theirs); what they mean for the catalog (nodes, checks, services) is
 * staged by the participant `CATALOG_PART`, created by `catalog` whenever the base has catalog
 * changes, so a write or catch-up that finds other nodes' catalog rows always applies them.
 */
export class ConsulTx {
  private readonly kv = new Map<string, KvEntry | null>();
  private readonly sessions = new Map<string, SessionEntry | null>();
  private readonly baseKv = new Map<string, { e: KvEntry | null; index: number }>();
  private readonly baseSessions = new Map<string, { s: SessionEntry | null; index: number }>();
  private readonly baseCatalog = new Map<string, CatalogBaseChange>();
  private readonly parts = new Map<string, TxParticipant>();
  private committed?: ConsulBatch;
  private staged = false;

  constructor(
    private readonly state: StateStore,
    readonly w: WriteContext,
    base?: ConsulDelta,
    private readonly catalog?: (tx: ConsulTx) => TxParticipant,
  ) {
    if (base) this.rebase(base);
    this.ensureCatalogPart();
  }

  private ensureCatalogPart() {
    const make = this.catalog;
    if (make && this.baseCatalog.size) this.part(CATALOG_PART, () => make(this));
  }

  private get kvTable() {
    return this.state.table<KvEntry>(KV_TABLE);
  }
  private get sessionTable() {
    return this.state.table<SessionEntry>(SESSION_TABLE);
  }
  private get catalogTable() {
    return this.state.table<CatalogRow>(CATALOG_TABLE);
  }

  /**
   * Records what storage holds beyond the state; only real differences are kept. Deletions are
   * kept even for keys this node never had, so their tombstones (indexes) are recorded too.
   */
  private rebase(d: ConsulDelta) {
    const kv = this.kvTable;
    const ss = this.sessionTable;
    const putKeys = new Set(d.kv.map((e) => e.key));
    const putIds = new Set(d.sessions.map((x) => x.id));
    if (d.full) {
      for (const k of kv.keys()) if (!putKeys.has(k)) this.baseKv.set(k, { e: null, index: d.index });
      for (const id of ss.keys()) if (!putIds.has(id)) this.baseSessions.set(id, { s: null, index: d.index });
    }
    for (const { key, index } of d.kvDeleted)
      if (!putKeys.has(key) && index > kv.keyIndex(key)) this.baseKv.set(key, { e: null, index });
    for (const e of d.kv) {
      const cur = kv.get(e.key)?.value;
      if (!cur || !sameKv(cur, e)) this.baseKv.set(e.key, { e, index: e.modifyIndex });
    }
    for (const { id, index } of d.sessionsDeleted)
      if (!putIds.has(id) && index > ss.keyIndex(id)) this.baseSessions.set(id, { s: null, index });
    for (const x of d.sessions) {
      const cur = ss.get(x.id)?.value;
      if (!cur || cur.modifyIndex !== x.modifyIndex)
        this.baseSessions.set(x.id, { s: x, index: x.modifyIndex });
    }
    const cat = this.catalogTable;
    const putRows = new Set(d.catalog.map(catalogKey));
    if (d.full)
      for (const e of cat.values())
        if (!putRows.has(e.key)) {
          const { kind, node, id } = e.value;
          this.baseCatalog.set(e.key, { key: { kind, node, id }, row: null, index: d.index });
        }
    for (const t of d.catalogDeleted) {
      const k = catalogKey(t);
      if (!putRows.has(k) && t.index > cat.keyIndex(k))
        this.baseCatalog.set(k, { key: { kind: t.kind, node: t.node, id: t.id }, row: null, index: t.index });
    }
    for (const r of d.catalog) {
      const k = catalogKey(r);
      const cur = cat.get(k)?.value;
      if (!cur || cur.modifyIndex !== r.modifyIndex || cur.body !== r.body)
        this.baseCatalog.set(k, {
          key: { kind: r.kind, node: r.node, id: r.id },
          row: r,
          index: r.modifyIndex,
        });
    }
  }

  /** Other nodes' catalog changes this transaction applies (for the catalog participant). */
  catalogBase(): CatalogBaseChange[] {
    return [...this.baseCatalog.values()];
  }

  /** The stored catalog row as this transaction sees storage before its own changes. */
  storedRow(key: CatalogRowKey): CatalogRow | undefined {
    const b = this.baseCatalog.get(catalogKey(key));
    if (b) return b.row ?? undefined;
    return this.catalogTable.get(catalogKey(key))?.value;
  }

  getKv(key: string): KvEntry | undefined {
    if (this.kv.has(key)) return this.kv.get(key) ?? undefined;
    const b = this.baseKv.get(key);
    if (b) return b.e ?? undefined;
    return this.kvTable.get(key)?.value;
  }

  /** Entries under `prefix` in key order, including this transaction's changes. */
  scanKv(prefix: string): KvEntry[] {
    const out = new Map<string, KvEntry>();
    for (const e of this.kvTable.scan(prefix)) out.set(e.key, e.value);
    const overlay = (k: string, v: KvEntry | null) => {
      if (!k.startsWith(prefix)) return;
      if (v) out.set(k, v);
      else out.delete(k);
    };
    for (const [k, b] of this.baseKv) overlay(k, b.e);
    for (const [k, v] of this.kv) overlay(k, v);
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** All entries currently locked by `session`. */
  heldBy(session: string): KvEntry[] {
    return this.scanKv('').filter((e) => e.session === session);
  }

  setKv(d: KvDraft): KvEntry {
    const prev = this.getKv(d.key);
    if (
      prev &&
      prev.flags === d.flags &&
      prev.lockIndex === d.lockIndex &&
      prev.session === d.session &&
      bytesEqual(prev.value, d.value)
    )
      return prev;
    const e: KvEntry = {
      key: d.key,
      value: d.value?.length ? d.value : null,
      flags: d.flags,
      lockIndex: d.lockIndex,
      ...(d.session ? { session: d.session } : {}),
      createIndex: prev?.createIndex ?? this.w.index,
      modifyIndex: this.w.index,
    };
    this.kv.set(d.key, e);
    return e;
  }

  deleteKv(key: string) {
    if (this.getKv(key)) this.kv.set(key, null);
  }

  getSession(id: string): SessionEntry | undefined {
    if (this.sessions.has(id)) return this.sessions.get(id) ?? undefined;
    const b = this.baseSessions.get(id);
    if (b) return b.s ?? undefined;
    return this.sessionTable.get(id)?.value;
  }

  putSession(d: SessionDraft): SessionEntry {
    const prev = this.getSession(d.id);
    const s: SessionEntry = {
      ...d,
      createIndex: prev?.createIndex ?? this.w.index,
      modifyIndex: this.w.index,
    };
    this.sessions.set(d.id, s);
    return s;
  }

  deleteSession(id: string) {
    if (this.getSession(id)) this.sessions.set(id, null);
  }

  /** The participant registered under `key` (created by `make` on first use). */
  part<T extends TxParticipant>(key: string, make: () => T): T {
    let p = this.parts.get(key);
    if (!p) this.parts.set(key, (p = make()));
    return p as T;
  }

  /** Drops this transaction's own changes, participants' included (a txn with a failed op); the base is kept. */
  discard() {
    this.kv.clear();
    this.sessions.clear();
    for (const [k, p] of this.parts)
      if (p.discard) p.discard();
      else this.parts.delete(k);
    this.ensureCatalogPart();
  }

  private *dirtyParts(): Iterable<TxParticipant> {
    for (const p of this.parts.values()) if (p.dirty) yield p;
  }

  /** This transaction's own durable changes (participants' rows included), or undefined when there are none. */
  batch(): ConsulBatch | undefined {
    const batch: ConsulBatch = { kvPut: [], kvDelete: [], sessionPut: [], sessionDelete: [] };
    for (const [k, v] of this.kv) v ? batch.kvPut.push(v) : batch.kvDelete.push(k);
    for (const [k, v] of this.sessions) v ? batch.sessionPut.push(v) : batch.sessionDelete.push(k);
    for (const p of this.dirtyParts()) p.persist(batch);
    this.committed = batch;
    return batchSize(batch) ? batch : undefined;
  }

  /**
   * Stages the base (replica changes at their storage indexes), the own changes and the
   * participants' changes (the catalog part first: it applies the catalog base) on the state write;
   * call only once storage has committed. Returns how many base changes were staged.
   */
  stage(): number {
    const w = this.w;
    let n = 0;
    // The base goes first even for keys this transaction changed again, so those changes apply on
    // top of it (a delete of a key the state never had still leaves its tombstone).
    for (const [k, b] of this.baseKv) {
      if (b.e || this.kvTable.has(k)) n++;
      if (b.e) w.put(KV_TABLE, k, b.e, { createIndex: b.e.createIndex, modifyIndex: b.index, replica: true });
      else w.delete(KV_TABLE, k, { index: b.index, replica: true });
    }
    for (const [id, b] of this.baseSessions) {
      if (b.s || this.sessionTable.has(id)) n++;
      if (b.s)
        w.put(SESSION_TABLE, id, b.s, { createIndex: b.s.createIndex, modifyIndex: b.index, replica: true });
      else w.delete(SESSION_TABLE, id, { index: b.index, replica: true });
    }
    for (const [k, e] of this.kv)
      if (e) w.put(KV_TABLE, k, e, { createIndex: e.createIndex, modifyIndex: e.modifyIndex });
      else w.delete(KV_TABLE, k);
    for (const [id, s] of this.sessions)
      if (s) w.put(SESSION_TABLE, id, s, { createIndex: s.createIndex, modifyIndex: s.modifyIndex });
      else w.delete(SESSION_TABLE, id);
    n += this.stageCatalogMirror(w);
    const catalog = this.parts.get(CATALOG_PART);
    if (catalog?.dirty) catalog.stage(w);
    for (const p of this.dirtyParts()) if (p !== catalog) p.stage(w);
    this.staged = true;
    return n;
  }

  private stageCatalogMirror(w: WriteContext): number {
    let n = 0;
    const cat = this.catalogTable;
    for (const [k, b] of this.baseCatalog) {
      if (b.row || cat.has(k)) n++;
      if (b.row)
        w.put(CATALOG_TABLE, k, b.row, {
          createIndex: b.row.createIndex,
          modifyIndex: b.index,
          replica: true,
        });
      else w.delete(CATALOG_TABLE, k, { index: b.index, replica: true });
    }
    const own = this.committed;
    for (const r of own?.catalogDelete ?? []) w.delete(CATALOG_TABLE, catalogKey(r));
    for (const r of own?.catalogPut ?? [])
      w.put(CATALOG_TABLE, catalogKey(r), r, { createIndex: r.createIndex, modifyIndex: r.modifyIndex });
    return n;
  }

  /** Runs the participants' side effects; call after the state write resolved (no-op unless staged). */
  afterApply(): void {
    if (!this.staged) return;
    for (const p of this.dirtyParts()) p.afterApply();
  }
}

/** Whether two KV entries are the same stored write. */
export function sameKv(a: KvEntry, b: KvEntry): boolean {
  return (
    a.modifyIndex === b.modifyIndex &&
    a.createIndex === b.createIndex &&
    a.lockIndex === b.lockIndex &&
    a.flags === b.flags &&
    a.session === b.session &&
    bytesEqual(a.value, b.value)
  );
}

/** Per-key lock-delay deadlines set when a session holding the key is invalidated (in memory, as Consul). */
export class LockDelays {
  private readonly until = new Map<string, number>();
  constructor(private readonly clock: Clock) {}
  set(key: string, ms: number) {
    if (ms > 0) this.until.set(key, this.clock.now() + ms);
  }
  active(key: string): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t > this.clock.now()) return true;
    this.until.delete(key);
    return false;
  }
}
