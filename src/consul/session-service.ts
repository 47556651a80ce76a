import type { Clock, TimerHandle } from '../core/clock';
import type { Logger } from '../core/log';
import type { QueryResult, StateStore, WatchSet } from '../state';
import { parseGoDuration, serverError } from './consul-errors';
import { SESSION_TABLE, type SessionBehavior, type SessionEntry } from './consul-model';
import type { ConsulStore } from './consul-store';
import type { LockDelays } from './consul-tx';

export interface SessionRequest {
  name?: string;
  node?: string;
  /** Go duration string or nanoseconds; under 1000 means seconds (Consul's quirk). */
  lockDelay?: string | number;
  behavior?: string;
  ttl?: string;
  /** Node checks; `undefined` = default `["serfHealth"]`, `[]` = none. */
  checks?: string[];
  serviceChecks?: Array<{ ID: string; Namespace?: string }>;
}

/** What sessions need to know about nodes and checks (the catalog answers once it exists). */
export interface SessionHealth {
  nodeExists(node: string): boolean;
  /** Status of a check on `node`, or undefined when it is not registered. */
  checkStatus(node: string, checkId: string): string | undefined;
}

const MIN_TTL_NS = 10e9;
const MAX_TTL_NS = 86400e9;
const DEFAULT_LOCK_DELAY_NS = 15e9;

/** A session lapses 2 × TTL after its last renewal (Consul's `structs.SessionTTLMultiplier`). */
const lapseMs = (s: SessionEntry) => (parseGoDuration(s.ttl) / 1e6) * 2;

/**
 * Consul sessions: durable in ConsulRepo, TTL timers in memory (restarted on boot, as a Consul
 * leader does). A session lapses at 2 × TTL after its last renewal. Invalidation (destroy, TTL
 * expiry, failing check) releases or deletes the keys it holds and puts them in lock-delay.
 *
 * In a cluster every node keeps a timer for every TTL session (also those created elsewhere), and
 * a renewal on any node is recorded in storage: a node whose timer fires first reads the stored
 * renewal time and only invalidates when the session really lapsed, else waits the rest.
 */
export class SessionService {
  private readonly timers = new Map<string, TimerHandle>();
  private disposed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly state: StateStore,
    private readonly store: ConsulStore,
    private readonly lockDelays: LockDelays,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly localNode: string,
    private readonly health: SessionHealth,
  ) {
    // Sessions arriving from storage (other nodes' creates) get a timer; removed ones lose it.
    this.unsubscribe = state.subscribe((changes) => {
      for (const c of changes) {
        if (c.table !== SESSION_TABLE) continue;
        if (c.op === 'delete') this.disarm(c.key);
        else if (!this.timers.has(c.key)) this.arm(c.value as SessionEntry);
      }
    });
  }

  private get table() {
    return this.state.table<SessionEntry>(SESSION_TABLE);
  }

  /** Starts TTL timers for sessions loaded from storage. */
  startTimers() {
    for (const e of this.table.values()) this.arm(e.value);
  }

  async create(req: SessionRequest): Promise<SessionEntry> {
    const node = req.node || this.localNode;
    const behavior = (req.behavior || 'release') as SessionBehavior;
    if (behavior !== 'release' && behavior !== 'delete')
      throw serverError(`Invalid Behavior setting '${req.behavior}'`);
    let ttl = '';
    if (req.ttl) {
      let ns: number;
      try {
        ns = parseGoDuration(req.ttl);
      } catch (e) {
        throw serverError(`Session TTL '${req.ttl}' invalid: ${(e as Error).message}`);
      }
      if (ns !== 0 && (ns < MIN_TTL_NS || ns > MAX_TTL_NS))
        throw serverError(`Invalid Session TTL '${ns}', must be between [10s=24h0m0s]`);
      if (ns !== 0) ttl = req.ttl;
    }
    let lockDelayNs = DEFAULT_LOCK_DELAY_NS;
    if (req.lockDelay !== undefined && req.lockDelay !== '') {
      try {
        lockDelayNs = typeof req.lockDelay === 'number' ? req.lockDelay : parseGoDuration(req.lockDelay);
      } catch (e) {
        throw serverError(`Request decode failed: ${(e as Error).message}`);
      }
      // compat(consul): a lock delay under 1000 is taken as seconds (structs.Session.UnmarshalJSON).
      if (lockDelayNs < 1000) lockDelayNs *= 1e9;
      if (lockDelayNs > 60e9) lockDelayNs = 60e9;
    }
    if (!this.health.nodeExists(node)) throw serverError('Missing node registration');
    const checks = req.checks ?? ['serfHealth'];
    for (const id of [...checks, ...(req.serviceChecks ?? []).map((c) => c.ID)]) {
      const st = this.health.checkStatus(node, id);
      if (st === undefined) throw serverError(`Missing check '${id}' registration`);
      if (st === 'critical') throw serverError(`Check '${id}' is in critical state`);
    }
    const id = crypto.randomUUID();
    const created = await this.store.write((tx) =>
      tx.putSession({
        id,
        name: req.name ?? '',
        node,
        lockDelayNs,
        behavior,
        ttl,
        nodeChecks: checks,
        serviceChecks: (req.serviceChecks ?? []).map((c) => ({ ID: c.ID, Namespace: c.Namespace ?? '' })),
      }),
    );
    this.arm(created);
    return created;
  }

  /** Destroys (invalidates) a session; unknown ids are fine. */
  async destroy(id: string): Promise<void> {
    await this.invalidate([id]);
  }

  /** Resets the TTL timer here and records the renewal in storage; undefined when the session does not exist. */
  async renew(id: string): Promise<SessionEntry | undefined> {
    const s = this.table.get(id)?.value;
    if (!s) return undefined;
    if (s.ttl && !(await this.store.renewSession(id, this.clock.now()))) return undefined;
    this.arm(s);
    return s;
  }

  info(ws: WatchSet, id: string): QueryResult<SessionEntry[]> {
    ws.table(SESSION_TABLE);
    const s = this.table.get(id)?.value;
    return { index: this.table.index(), value: s ? [s] : [] };
  }

  list(ws: WatchSet, node?: string): QueryResult<SessionEntry[]> {
    ws.table(SESSION_TABLE);
    const all = [...this.table.values()]
      .map((e) => e.value)
      .filter((s) => node === undefined || s.node === node);
    all.sort((a, b) => a.createIndex - b.createIndex);
    return { index: this.table.index(), value: all };
  }

  /** Sessions that depend on `checkId` of `node` (called when it goes critical or is removed). */
  async invalidateForCheck(node: string, checkId: string): Promise<void> {
    const ids = [...this.table.values()]
      .map((e) => e.value)
      .filter(
        (s) =>
          s.node === node &&
          (s.nodeChecks.includes(checkId) || s.serviceChecks.some((c) => c.ID === checkId)),
      )
      .map((s) => s.id);
    if (ids.length) await this.invalidate(ids);
  }

  /** Sessions of a deregistered node. */
  async invalidateForNode(node: string): Promise<void> {
    const ids = [...this.table.values()].filter((e) => e.value.node === node).map((e) => e.key);
    if (ids.length) await this.invalidate(ids);
  }

  private async invalidate(ids: string[]): Promise<void> {
    const delays: Array<[string, number]> = [];
    await this.store.write((tx) => {
      for (const id of ids) {
        const s = tx.getSession(id);
        if (!s) continue;
        for (const e of tx.heldBy(id)) {
          if (s.behavior === 'delete') tx.deleteKv(e.key);
          else
            tx.setKv({
              key: e.key,
              value: e.value,
              flags: e.flags,
              lockIndex: e.lockIndex,
              session: undefined,
            });
          delays.push([e.key, s.lockDelayNs / 1e6]);
        }
        tx.deleteSession(id);
      }
    });
    for (const [k, ms] of delays) this.lockDelays.set(k, ms);
    for (const id of ids) this.disarm(id);
  }

  /** (Re)starts the expiry timer: `ms` from now, default 2 × TTL. */
  private arm(s: SessionEntry, ms?: number) {
    this.disarm(s.id);
    if (!s.ttl || this.disposed) return;
    this.timers.set(
      s.id,
      this.clock.setTimeout(() => {
        this.timers.delete(s.id);
        this.expire(s).catch((e) => this.log.warn('session expiry failed', { id: s.id, err: e }));
      }, ms ?? lapseMs(s)),
    );
  }

  /** A timer fired: invalidate unless a renewal (on any node) is stored that keeps it alive. */
  private async expire(s: SessionEntry) {
    const renewedAt = await this.store.sessionRenewedAt(s.id);
    if (renewedAt === undefined) return; // already gone from storage
    const left = renewedAt === null ? 0 : renewedAt + lapseMs(s) - this.clock.now();
    if (left > 0) {
      if (!this.timers.has(s.id)) this.arm(s, left);
      return;
    }
    await this.invalidate([s.id]);
  }

  private disarm(id: string) {
    const t = this.timers.get(id);
    if (t) this.clock.clearTimeout(t);
    this.timers.delete(id);
  }

  dispose() {
    this.disposed = true;
    this.unsubscribe();
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }
}
