import { GroupCommit, type Outcome, type QueryResult, type StateStore, type WatchSet } from '../state';
import { badRequest, serverError } from './consul-errors';
import { KV_TABLE, type KvEntry } from './consul-model';
import type { ConsulRepo } from './consul-repo';
import { ConsulTx, type LockDelays } from './consul-tx';

export interface KvWriteOptions {
  flags?: bigint;
  cas?: number;
  acquire?: string;
  release?: string;
}

/** One KV operation of `PUT /v1/txn` (already decoded from the wire). */
export interface KvTxnOp {
  verb: string;
  key: string;
  value: Uint8Array | null;
  flags: bigint;
  index: number;
  session: string;
}

/** One result of a txn op: an entry, `withValue` false for write verbs (Consul drops the value). */
export interface KvTxnResult {
  opIndex: number;
  entry: KvEntry;
  withValue: boolean;
}

export interface TxnOutcome {
  results: KvTxnResult[];
  errors: Array<{ opIndex: number; what: string }>;
}

const WRITE_VERBS = new Set(['set', 'cas', 'lock', 'unlock', 'delete', 'delete-tree', 'delete-cas']);

export function isKvWriteVerb(verb: string): boolean {
  return WRITE_VERBS.has(verb);
}

/**
 * Consul KV on the shared state: durable writes through ConsulRepo, reads from memory.
 * Semantics follow spec §6/§7/§8.7 (plain set resets flags and keeps the lock; cas; acquire/release
 * with lock-delay; delete-cas on a missing key succeeds).
 */
export class KvService {
  constructor(
    private readonly state: StateStore,
    private readonly repo: ConsulRepo,
    private readonly lockDelays: LockDelays,
  ) {}

  private get table() {
    return this.state.table<KvEntry>(KV_TABLE);
  }

  /** Single key; index = its ModifyIndex, or the KV table index when missing (so a wait blocks until created). */
  get(ws: WatchSet, key: string): QueryResult<KvEntry | undefined> {
    ws.key(KV_TABLE, key);
    const e = this.table.get(key)?.value;
    return { index: e ? e.modifyIndex : this.table.index(), value: e };
  }

  /** Every entry with the byte prefix; index = highest write under it (tombstones included). */
  list(ws: WatchSet, prefix: string): QueryResult<KvEntry[]> {
    if (prefix === '') ws.table(KV_TABLE);
    else ws.prefix(KV_TABLE, prefix);
    const rows = this.table.scan(prefix).map((e) => e.value);
    const index = prefix === '' ? this.table.index() : this.table.prefixIndex(prefix) || this.table.index();
    return { index, value: rows };
  }

  /** Keys under `prefix`, cut after the first `separator` following the prefix (deduplicated). */
  keys(ws: WatchSet, prefix: string, separator: string): QueryResult<string[]> {
    const r = this.list(ws, prefix);
    const out: string[] = [];
    let last = '';
    for (const e of r.value) {
      let k = e.key;
      if (separator) {
        const at = k.indexOf(separator, prefix.length);
        if (at >= 0) k = k.slice(0, at + separator.length);
      }
      if (k !== last) out.push(k);
      last = k;
    }
    return { index: r.index, value: out };
  }

  /** PUT /v1/kv/:key. Returns Consul's `true`/`false`. */
  put(key: string, value: Uint8Array | null, o: KvWriteOptions): Promise<boolean> {
    const flags = o.flags ?? 0n;
    return this.batched((tx) => {
      if (o.acquire !== undefined) return this.lock(tx, key, value, flags, o.acquire, true);
      if (o.release !== undefined) return this.unlock(tx, key, value, flags, o.release);
      if (o.cas !== undefined) return this.cas(tx, key, value, flags, o.cas);
      this.set(tx, key, value, flags);
      return true;
    });
  }

  /** DELETE /v1/kv/:key. */
  delete(key: string, o: { recurse?: boolean; cas?: number }): Promise<boolean> {
    return this.batched((tx) => {
      if (o.recurse) for (const e of tx.scanKv(key)) tx.deleteKv(e.key);
      else if (o.cas !== undefined) return this.deleteCas(tx, key, o.cas);
      else tx.deleteKv(key);
      return true;
    });
  }

  /**
   * Single-key writes are group-committed: concurrent requests are applied in arrival order to one
   * staged transaction, persisted in ONE storage transaction and applied at one index. Each op sees
   * the effects of the ops before it, exactly as if serialized; an op that throws (bad session)
   * stages nothing and fails alone; a storage failure fails the whole group and changes nothing.
   */
  private readonly writes = new GroupCommit<(tx: ConsulTx) => boolean, boolean>((ops) =>
    this.state.write(async (w) => {
      const tx = new ConsulTx(this.state, w);
      const outcomes: Array<Outcome<boolean>> = ops.map((op) => {
        try {
          return { value: op(tx) };
        } catch (error) {
          return { error };
        }
      });
      await tx.commit(this.repo);
      return outcomes;
    }),
  );

  private batched(op: (tx: ConsulTx) => boolean): Promise<boolean> {
    return this.writes.submit(op);
  }

  /**
   * Runs txn ops in order against one staged transaction. Every op is evaluated and every failure
   * reported; the batch is committed (one storage transaction, one state index) only if none failed.
   * `extra` lets the caller evaluate non-KV ops in the same transaction.
   */
  async txn(
    ops: Array<KvTxnOp | null>,
    extra?: (tx: ConsulTx, i: number) => string | undefined,
  ): Promise<TxnOutcome> {
    let staged: ConsulTx | undefined;
    const out = await this.state.write(async (w) => {
      const tx = new ConsulTx(this.state, w);
      staged = tx;
      const out: TxnOutcome = { results: [], errors: [] };
      ops.forEach((op, i) => {
        const what = op ? this.txnOp(tx, op, i, out.results) : extra?.(tx, i);
        if (what) out.errors.push({ opIndex: i, what });
      });
      if (!out.errors.length) await tx.commit(this.repo);
      return out;
    });
    staged?.afterApply();
    return out;
  }

  private txnOp(tx: ConsulTx, op: KvTxnOp, opIndex: number, results: KvTxnResult[]): string | undefined {
    const { key } = op;
    const push = (entry: KvEntry | undefined, withValue = false) => {
      if (entry) results.push({ opIndex, entry, withValue });
    };
    switch (op.verb) {
      case 'set':
        push(this.set(tx, key, op.value, op.flags));
        return;
      case 'cas':
        if (!this.cas(tx, key, op.value, op.flags, op.index))
          return `failed to set key "${key}", index is stale`;
        push(tx.getKv(key));
        return;
      case 'lock': {
        if (!op.session) return 'missing session';
        if (!tx.getSession(op.session)) return `invalid session "${op.session}"`;
        if (!this.lock(tx, key, op.value, op.flags, op.session, false))
          return `failed to lock key "${key}", lock is already held`;
        push(tx.getKv(key));
        return;
      }
      case 'unlock':
        if (!this.unlock(tx, key, op.value, op.flags, op.session))
          return `failed to unlock key "${key}", lock isn't held, or is held by another session`;
        push(tx.getKv(key));
        return;
      case 'get': {
        const e = tx.getKv(key);
        if (!e) return `key "${key}" doesn't exist`;
        push(e, true);
        return;
      }
      case 'get-tree':
        for (const e of tx.scanKv(key)) push(e, true);
        return;
      case 'check-index': {
        const e = tx.getKv(key);
        if (!e) return `failed to check index, key "${key}" doesn't exist`;
        if (e.modifyIndex !== op.index)
          return `failed index check for key "${key}", current modify index ${e.modifyIndex} != ${op.index}`;
        push(e);
        return;
      }
      case 'check-session': {
        const e = tx.getKv(key);
        if (!e) return `failed to check session, key "${key}" doesn't exist`;
        if ((e.session ?? '') !== op.session)
          return `failed session check for key "${key}", current session "${e.session ?? ''}" != "${op.session}"`;
        push(e);
        return;
      }
      case 'check-not-exists':
        if (tx.getKv(key)) return `key "${key}" exists`;
        return;
      case 'delete':
        tx.deleteKv(key);
        return;
      case 'delete-tree':
        for (const e of tx.scanKv(key)) tx.deleteKv(e.key);
        return;
      case 'delete-cas':
        if (!this.deleteCas(tx, key, op.index)) return `failed to delete key "${key}", index is stale`;
        return;
      default:
        return `unknown KV verb "${op.verb}"`;
    }
  }

  private set(tx: ConsulTx, key: string, value: Uint8Array | null, flags: bigint): KvEntry {
    const prev = tx.getKv(key);
    return tx.setKv({ key, value, flags, lockIndex: prev?.lockIndex ?? 0, session: prev?.session });
  }

  private cas(tx: ConsulTx, key: string, value: Uint8Array | null, flags: bigint, index: number): boolean {
    const prev = tx.getKv(key);
    if (index === 0 ? prev !== undefined : !prev || prev.modifyIndex !== index) return false;
    this.set(tx, key, value, flags);
    return true;
  }

  private lock(
    tx: ConsulTx,
    key: string,
    value: Uint8Array | null,
    flags: bigint,
    session: string,
    viaPut: boolean,
  ): boolean {
    if (viaPut && !tx.getSession(session)) throw serverError(`invalid session "${session}"`);
    if (!session) throw badRequest('missing session');
    const prev = tx.getKv(key);
    if (prev?.session === session) {
      tx.setKv({ key, value, flags, lockIndex: prev.lockIndex, session });
      return true;
    }
    if (prev?.session) return false;
    if (this.lockDelays.active(key)) return false;
    tx.setKv({ key, value, flags, lockIndex: (prev?.lockIndex ?? 0) + 1, session });
    return true;
  }

  private unlock(
    tx: ConsulTx,
    key: string,
    value: Uint8Array | null,
    flags: bigint,
    session: string,
  ): boolean {
    const prev = tx.getKv(key);
    if (!prev?.session || prev.session !== session) return false;
    tx.setKv({ key, value, flags, lockIndex: prev.lockIndex, session: undefined });
    return true;
  }

  private deleteCas(tx: ConsulTx, key: string, index: number): boolean {
    const prev = tx.getKv(key);
    if (!prev) return true;
    if (prev.modifyIndex !== index) return false;
    tx.deleteKv(key);
    return true;
  }
}
