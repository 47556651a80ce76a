import type { StateStore } from '../state';
import type { ConsulRepo } from './consul-repo';
import { ConsulTx } from './consul-tx';

/**
 * Consul KV and sessions: the state tables `KV_TABLE` / `SESSION_TABLE` kept equal to ConsulRepo,
 * which every node of a cluster shares. Durable catalog writes (the catalog part of a ConsulTx)
 * go through `write` too, so they are serialized with KV and session writes and stored at the
 * index they are applied at; the catalog state itself is per node (not caught up from storage).
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

  constructor(
    private readonly state: StateStore,
    private readonly repo: ConsulRepo,
  ) {}

  /** Boot: loads everything from storage, tombstones included (before any listener opens). */
  async load(): Promise<{ kv: number; sessions: number }> {
    const snap = await this.repo.snapshot();
    this.state.applyNow((w) => new ConsulTx(this.state, w, snap).stage());
    this.synced = snap.index;
    return { kv: snap.kv.length, sessions: snap.sessions.length };
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
        tx = new ConsulTx(this.state, w, delta);
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
   * Applies `fn`'s ConsulTx to this node's state only, without storage: for rows that are already
   * stored (boot restore of the catalog). `fn` must not stage KV or session changes.
   */
  async applyLocal<T>(fn: (tx: ConsulTx) => T): Promise<T> {
    let tx!: ConsulTx;
    const result = await this.state.write((w) => {
      tx = new ConsulTx(this.state, w);
      const r = fn(tx);
      tx.stage();
      return r;
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
    const promise = this.state.write(async (w) => {
      // Started: a call from now on must read storage again.
      if (this.queued === queued) this.queued = undefined;
      const delta = await this.repo.changesSince(this.synced);
      const n = new ConsulTx(this.state, w, delta).stage();
      this.synced = Math.max(this.synced, delta.index);
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
