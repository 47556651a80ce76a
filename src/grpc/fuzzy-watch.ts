import { InvalidArgument } from '../core/errors';
import type { Logger } from '../core/log';
import type { Connection } from './connection';
import { matchesPattern, PATTERN_SPLITTER, patternNamespace } from './fuzzy-pattern';
import type { GrpcHandler } from './handler-registry';
import type { ResponseFields } from './payload-codec';
import type { PushOptions } from './push';

/** The wire names that differ between config and naming fuzzy watch (spec §B.7, §C.9). */
export interface FuzzyWatchKind {
  module: 'config' | 'naming';
  syncRequest: string;
  changeRequest: string;
  /** Key field in sync contexts and change notifies: `groupKey` / `serviceKey`. */
  keyField: string;
  /** Change-type field in change notifies: config `changeType`, naming `changedType`. */
  changeField: string;
  /** `changedType` of sync contexts for a resource the client lacks / has but should not. */
  addType: string;
  deleteType: string;
  /**
   * Change-notify type for a resource that exists after the change. Config sends CONFIG_CHANGED
   * (Nacos cannot tell an add from an update there); naming ADD_SERVICE.
   */
  existsType: string;
  /** Contexts per sync push (Nacos: config 20, naming 10). */
  batchSize: number;
  /** Extra fields of change notifies (naming: `syncType`). */
  changeExtra?: Record<string, unknown>;
}

/**
 * Limits of fuzzy watch, counted like Nacos 3 (ConfigFuzzyWatchContextService,
 * NamingFuzzyWatchContextService): `maxPatterns` distinct patterns on this server, whoever
 * watches them (not per connection); `maxMatched` keys remembered per pattern.
 */
export interface FuzzyWatchLimits {
  maxPatterns: number;
  maxMatched: number;
}

/** api/…/model/v2/ErrorCode.java */
export const FUZZY_WATCH_PATTERN_OVER_LIMIT = { code: 50310, msg: 'fuzzy watch pattern over limit' };
export const FUZZY_WATCH_PATTERN_MATCH_COUNT_OVER_LIMIT = {
  code: 50311,
  msg: 'fuzzy watch pattern matched count over limit',
};

export type WatchOutcome = 'ok' | 'pattern_over_limit' | 'match_over_limit';

interface PatternState {
  watchers: Map<string, Connection>;
  /** Keys known to match, at most `maxMatched`: the set synced to clients and diffed on change. */
  matched: Set<string>;
}

/**
 * Pattern subscriptions of connections (3.x fuzzy watch).
 *
 * Contract (Nacos 3 semantics):
 * - WATCH of a pattern nobody watches yet fails with `pattern_over_limit` when `maxPatterns`
 *   patterns are already watched; nothing is registered then.
 * - Otherwise the pattern's matched set is filled from `scan` up to `maxMatched` keys, the
 *   connection is registered, and the diff against the client's keys is pushed in batches (plus
 *   FINISH_FUZZY_WATCH_INIT_NOTIFY when initializing). If the set is full the outcome is
 *   `match_over_limit` although the watch stays registered, and the diff carries no deletes
 *   (the set may be incomplete).
 * - `changed` adds an existing resource to, or drops a gone one from, every matching pattern's set
 *   (a full set ignores new keys; a delete from a full set refills it from `scan`). Only when some
 *   set changed are the watchers of all matching patterns notified.
 * - A pattern is forgotten as soon as its last watcher cancels or disconnects (Nacos trims them on
 *   a 30 s timer).
 */
export class FuzzyWatch {
  private readonly patterns = new Map<string, PatternState>();
  private readonly byConn = new Map<string, Set<string>>();

  constructor(
    private readonly kind: FuzzyWatchKind,
    private readonly limits: FuzzyWatchLimits,
    /** Keys of every existing resource matching `pattern`. */
    private readonly scan: (pattern: string) => Iterable<string>,
    private readonly push: PushOptions,
    private readonly log: Logger,
  ) {}

  watch(conn: Connection, pattern: string, received: string[], initializing: boolean): WatchOutcome {
    let st = this.patterns.get(pattern);
    if (!st) {
      if (this.patterns.size >= this.limits.maxPatterns) {
        this.log.warn('fuzzy watch pattern count over limit', { pattern, count: this.patterns.size });
        return 'pattern_over_limit';
      }
      st = { watchers: new Map(), matched: new Set() };
      this.fill(pattern, st);
      this.patterns.set(pattern, st);
    }
    st.watchers.set(conn.id, conn);
    let mine = this.byConn.get(conn.id);
    if (!mine) this.byConn.set(conn.id, (mine = new Set()));
    mine.add(pattern);
    const full = this.isFull(st);
    this.sync(conn, pattern, st.matched, received, initializing, full);
    return full ? 'match_over_limit' : 'ok';
  }

  cancel(connId: string, pattern: string) {
    const st = this.patterns.get(pattern);
    if (st?.watchers.delete(connId) && st.watchers.size === 0) this.patterns.delete(pattern);
    const mine = this.byConn.get(connId);
    if (mine?.delete(pattern) && mine.size === 0) this.byConn.delete(connId);
  }

  removeConnection(connId: string) {
    for (const p of [...(this.byConn.get(connId) ?? [])]) this.cancel(connId, p);
  }

  /** Patterns watched on this server (what `maxPatterns` counts). */
  get patternCount(): number {
    return this.patterns.size;
  }

  /** A resource now exists (`exists`) or is gone; notifies the watchers if a matched set changed. */
  changed(namespaceId: string, group: string, name: string, key: string, exists: boolean) {
    const hit: PatternState[] = [];
    let setChanged = false;
    for (const [pattern, st] of this.patterns) {
      if (!matchesPattern(pattern, namespaceId, group, name)) continue;
      hit.push(st);
      const full = this.isFull(st);
      if (exists && !st.matched.has(key)) {
        if (full) continue;
        st.matched.add(key);
        setChanged = true;
      } else if (!exists && st.matched.delete(key)) {
        setChanged = true;
        if (full) this.fill(pattern, st);
      }
    }
    if (!setChanged) return;
    const targets = new Map<string, Connection>();
    for (const st of hit) for (const [id, conn] of st.watchers) targets.set(id, conn);
    const type = exists ? this.kind.existsType : this.kind.deleteType;
    for (const conn of targets.values())
      conn.push
        .push(
          this.kind.changeRequest,
          this.kind.module,
          { [this.kind.keyField]: key, [this.kind.changeField]: type, ...this.kind.changeExtra },
          this.push,
        )
        .catch((e) =>
          this.log.debug('fuzzy watch notify failed', { connectionId: conn.id, key, err: e.message }),
        );
  }

  private isFull(st: PatternState) {
    return st.matched.size >= this.limits.maxMatched;
  }

  private fill(pattern: string, st: PatternState) {
    for (const k of this.scan(pattern)) {
      if (this.isFull(st)) {
        this.log.warn('fuzzy watch pattern matched count over limit', { pattern, count: st.matched.size });
        return;
      }
      st.matched.add(k);
    }
  }

  private sync(
    conn: Connection,
    pattern: string,
    matched: Set<string>,
    received: string[],
    initializing: boolean,
    full: boolean,
  ) {
    const known = new Set(received);
    const contexts: Array<Record<string, string>> = [];
    for (const k of matched)
      if (!known.has(k)) contexts.push({ [this.kind.keyField]: k, changedType: this.kind.addType });
    // A full set may miss keys the client rightly has: never tell it to delete them.
    if (!full)
      for (const k of known)
        if (!matched.has(k)) contexts.push({ [this.kind.keyField]: k, changedType: this.kind.deleteType });
    const send = (fields: Record<string, unknown>) =>
      conn.push.push(
        this.kind.syncRequest,
        this.kind.module,
        { groupKeyPattern: pattern, ...fields },
        this.push,
      );
    const batches: Array<typeof contexts> = [];
    for (let i = 0; i < contexts.length; i += this.kind.batchSize)
      batches.push(contexts.slice(i, i + this.kind.batchSize));
    const syncType = initializing ? 'FUZZY_WATCH_INIT_NOTIFY' : 'FUZZY_WATCH_DIFF_SYNC_NOTIFY';
    const acks = batches.map((contexts, i) =>
      send({ syncType, contexts, totalBatch: batches.length, currentBatch: i + 1 }),
    );
    Promise.all(acks)
      .then(() => {
        if (initializing) return send({ syncType: 'FINISH_FUZZY_WATCH_INIT_NOTIFY', contexts: [] });
      })
      .catch((e) =>
        this.log.debug('fuzzy watch sync failed', { connectionId: conn.id, pattern, err: e.message }),
      );
  }
}

const overLimit = (e: { code: number; msg: string }): ResponseFields => ({
  resultCode: 500,
  errorCode: e.code,
  message: e.msg,
});

/**
 * The `ConfigFuzzyWatchRequest` / `NamingFuzzyWatchRequest` handler: WATCH registers the pattern
 * and syncs the diff against `receivedGroupKeys` (over a limit: errorCode 50310 / 50311);
 * CANCEL_WATCH drops it. Another watchType is ignored by config and a 400 for naming, as in Nacos.
 */
export function fuzzyWatchHandler(opts: {
  type: string;
  responseType: string;
  resource: 'config' | 'naming';
  fuzzy: FuzzyWatch;
  normalizeNamespace: (ns: string) => string;
  rejectUnknownWatchType: boolean;
}): GrpcHandler {
  const patternOf = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    type: opts.type,
    responseType: opts.responseType,
    secured: { resource: opts.resource, action: 'r' },
    resource: (req) => ({
      namespaceId: opts.normalizeNamespace(patternNamespace(patternOf(req.groupKeyPattern))),
    }),
    handle(req, conn) {
      const pattern = patternOf(req.groupKeyPattern);
      if (pattern.split(PATTERN_SPLITTER).length !== 3)
        throw new InvalidArgument(`invalid groupKeyPattern ${pattern}`);
      const watchType = typeof req.watchType === 'string' ? req.watchType : null;
      if (watchType === 'WATCH') {
        const received = Array.isArray(req.receivedGroupKeys) ? req.receivedGroupKeys.map(String) : [];
        const outcome = opts.fuzzy.watch(conn, pattern, received, req.initializing === true);
        if (outcome === 'pattern_over_limit') return overLimit(FUZZY_WATCH_PATTERN_OVER_LIMIT);
        if (outcome === 'match_over_limit') return overLimit(FUZZY_WATCH_PATTERN_MATCH_COUNT_OVER_LIMIT);
      } else if (watchType === 'CANCEL_WATCH') opts.fuzzy.cancel(conn.id, pattern);
      else if (opts.rejectUnknownWatchType)
        throw new InvalidArgument(`Unsupported request type ${watchType}`);
      return {};
    },
  };
}
