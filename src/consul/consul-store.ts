import type { StateStore, WriteContext } from '../state';
import type { ConsulDelta, ConsulRepo } from './consul-repo';
import { ConsulTx, type TxParticipant } from './consul-tx';

/**
 * Consul KV, sessions and catalog: the state tables `KV_TABLE` / `SESSION_TABLE` / `CATALOG_TABLE`
 * kept equal to ConsulRepo, which every node of a cluster shares. Durable catalog writes (the
 * catalog part of a ConsulTx) go through `write` too, so they are serialized with KV and session
 * writes and stored at the index they are applied at; other nodes' catalog rows are applied by
 * the catalog participant (`attachCatalog`) wherever this node finds them (load, write, catch-up).
 *
 * Indexes come from storage: a write is committed at an index above both the storage index and
 * this node's state index, and every node records each row (and each tombstone) at that index. So
 * CreateIndex/ModifyIndex, and the KV/session X-Consul-Index derived from them, are the same on
 * every node that has applied the same writes, and a node's state index is never below an index
 * it has applied.
 *
 * `synced` is the storage index this node's tables reflect. `write` evaluates `fn` inside the
 * storage's exclusive write transaction after adding what others committed since `synced`, so a
 * condition (cas, acquire, release, delete-cas, txn checks, session invalidation) is checked
 * against current storage: of two nodes racing, exactly one wins.
 */
export class ConsulStore {
  private synced = 0;
  private queued?: { promise?: Promise<number> };
  private catalog?: (tx: ConsulTx) => TxParticipant;

  constructor(
    private readonly state: StateStore,
    private readonly repo: ConsulRepo,
  ) {}

  /** The participant that applies stored catalog rows (set before `load`; without it they are only mirrored). */
  attachCatalog(make: (tx: ConsulTx) => TxParticipant) {
    this.catalog = make;
  }

  private tx(w: WriteContext, base?: ConsulDelta) {
    return new ConsulTx(this.state, w, base, this.catalog);
  }

  /** Boot: loads everything from storage, tombstones included (before any listener opens). */
  async load(): Promise<{ kv: number; sessions: number; catalog: number }> {
    const snap = await this.repo.snapshot();
    let tx!: ConsulTx;
    this.state.applyNow((w) => {
      tx = this.tx(w, snap);
      tx.stage();
    });
    tx.afterApply();
    this.synced = snap.index;
    return { kv: snap.kv.length, sessions: snap.sessions.length, catalog: snap.catalog.length };
  }

  /**
   * Runs `fn` against a ConsulTx that sees current storage and commits what it staged, KV,
   * sessions and catalog rows alike (one storage transaction, one index for storage and state).
   * Others' writes found on the way are applied too. Participants' side effects run once the state
   * write is applied. If storage fails, nothing is applied and the promise rejects.
   */
  async write<T>(fn: (tx: ConsulTx) => T): Promise<T> {
    let tx!: ConsulTx;
    const result = await this.state.write(async (w) => {
      let result!: T;
      let reached = this.synced;
      await this.repo.write(this.synced, (delta) => {
        tx = this.tx(w, delta);
        w.atLeast(delta.index + 1);
        reached = delta.index;
        result = fn(tx);
        const batch = tx.batch();
        if (!batch) return undefined;
        reached = w.index;
        return { batch, index: w.index };
      });
      tx.stage();
      this.synced = Math.max(this.synced, reached);
      return result;
    });
    tx.afterApply();
    return result;
  }

  /**
   * Applies what other nodes committed since `synced` (a peer's sync message, reconciliation).
   * Calls made while one is waiting share it. Returns how many rows changed here.
   */
  catchUp(): Promise<number> {
    if (this.queued?.promise) return this.queued.promise;
    const queued: { promise?: Promise<number> } = {};
    this.queued = queued;
    let tx: ConsulTx | undefined;
    const promise = this.state
      .write(async (w) => {
        // Started: a call from now on must read storage again.
        if (this.queued === queued) this.queued = undefined;
        const delta = await this.repo.changesSince(this.synced);
        tx = this.tx(w, delta);
        const n = tx.stage();
        this.synced = Math.max(this.synced, delta.index);
        return n;
      })
      .then((n) => {
        tx?.afterApply();
        return n;
      });
    if (this.queued === queued) queued.promise = promise;
    return promise;
  }

  /** Records a TTL renewal in storage (seen by the node whose expiry timer fires); false = no such session. */
  renewSession(id: string, at: number): Promise<boolean> {
    return this.repo.renewSession(id, at);
  }

  /** Last stored renewal of a session (null = never renewed, undefined = not stored). */
  sessionRenewedAt(id: string): Promise<number | null | undefined> {
    return this.repo.sessionRenewedAt(id);
  }

  /** Drops storage tombstones up to `upTo` (an index every live node has passed long ago). */
  reapTombstones(upTo: number): Promise<number> {
    return this.repo.reapTombstones(upTo);
  }

  /**
   * Reaps storage tombstones every `intervalMs`, up to the index this node had reached one period
   * earlier: a node that fell further behind than that reloads everything on its next catch-up.
   * Returns a stop function.
   */
  startReaper(intervalMs: number, onError: (e: unknown) => void): () => void {
    let horizon = 0;
    const timer = setInterval(() => {
      const upTo = horizon;
      horizon = this.synced;
      if (upTo) this.repo.reapTombstones(upTo).catch(onError);
    }, intervalMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }
}
