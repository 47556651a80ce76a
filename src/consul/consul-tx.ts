import type { Clock } from '../core/clock';
import type { StateStore, WriteContext } from '../state';
import {
  batchSize,
  bytesEqual,
  type ConsulBatch,
  KV_TABLE,
  type KvEntry,
  SESSION_TABLE,
  type SessionEntry,
} from './consul-model';
import type { ConsulRepo } from './consul-repo';

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
}
export type SessionDraft = Omit<SessionEntry, 'createIndex' | 'modifyIndex'>;

/**
 * A staged Consul write over the shared state: reads see the transaction's own changes, nothing is
 * visible to others until `commit`, which persists the whole batch in ONE storage transaction and
 * then stages it on the state write (so it is applied at one index, or not at all).
 * Unchanged puts are dropped, so they do not bump ModifyIndex (Consul's idempotent writes).
 */
export class ConsulTx {
  private readonly kv = new Map<string, KvEntry | null>();
  private readonly sessions = new Map<string, SessionEntry | null>();
  private readonly parts = new Map<string, TxParticipant>();
  private committed = false;

  constructor(
    private readonly state: StateStore,
    readonly w: WriteContext,
  ) {}

  getKv(key: string): KvEntry | undefined {
    if (this.kv.has(key)) return this.kv.get(key) ?? undefined;
    return this.state.table<KvEntry>(KV_TABLE).get(key)?.value;
  }

  /** Entries under `prefix` in key order, including this transaction's changes. */
  scanKv(prefix: string): KvEntry[] {
    const out = new Map<string, KvEntry>();
    for (const e of this.state.table<KvEntry>(KV_TABLE).scan(prefix)) out.set(e.key, e.value);
    for (const [k, v] of this.kv)
      if (k.startsWith(prefix)) {
        if (v) out.set(k, v);
        else out.delete(k);
      }
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
    return this.state.table<SessionEntry>(SESSION_TABLE).get(id)?.value;
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

  get dirty(): boolean {
    if (this.kv.size > 0 || this.sessions.size > 0) return true;
    for (const p of this.parts.values()) if (p.dirty) return true;
    return false;
  }

  /** Persists everything staged (one storage transaction), then stages it on the state write. */
  async commit(repo: ConsulRepo): Promise<void> {
    if (!this.dirty) return;
    const batch: ConsulBatch = { kvPut: [], kvDelete: [], sessionPut: [], sessionDelete: [] };
    for (const [k, v] of this.kv) v ? batch.kvPut.push(v) : batch.kvDelete.push(k);
    for (const [k, v] of this.sessions) v ? batch.sessionPut.push(v) : batch.sessionDelete.push(k);
    for (const p of this.parts.values()) if (p.dirty) p.persist(batch);
    if (batchSize(batch)) await repo.commit(batch);
    for (const e of batch.kvPut) this.w.put(KV_TABLE, e.key, e, e.createIndex);
    for (const k of batch.kvDelete) this.w.delete(KV_TABLE, k);
    for (const s of batch.sessionPut) this.w.put(SESSION_TABLE, s.id, s, s.createIndex);
    for (const k of batch.sessionDelete) this.w.delete(SESSION_TABLE, k);
    for (const p of this.parts.values()) if (p.dirty) p.stage(this.w);
    this.committed = true;
  }

  /** Runs the participants' side effects; call after the state write resolved (no-op unless committed). */
  afterApply(): void {
    if (!this.committed) return;
    for (const p of this.parts.values()) if (p.dirty) p.afterApply();
  }
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
