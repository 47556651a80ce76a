import { InvalidArgument } from '../core/errors';
import type { Logger } from '../core/log';
import type { Connection } from './connection';
import { matchesPattern, PATTERN_SPLITTER, patternNamespace } from './fuzzy-pattern';
import type { GrpcHandler } from './handler-registry';
import type { PushOptions } from './push';
import { Subscriptions } from './subscriptions';

/** The wire names that differ between config and naming fuzzy watch (spec §B.7, §C.9). */
export interface FuzzyWatchKind {
  module: 'config' | 'naming';
  syncRequest: string;
  changeRequest: string;
  /** Key field in sync contexts and change notifies: `groupKey` / `serviceKey`. */
  keyField: string;
  /** Change-type field in change notifies: config `changeType`, naming `changedType`. */
  changeField: string;
  addType: string;
  deleteType: string;
  /** Contexts per sync push (Nacos: config 20, naming 10). */
  batchSize: number;
  /** Extra fields of change notifies (naming: `syncType`). */
  changeExtra?: Record<string, unknown>;
}

/**
 * Pattern subscriptions of connections (3.x fuzzy watch). On WATCH the server sends the diff
 * between what matches now and what the client says it knows, in batches, and (when the client
 * is initializing) a final FINISH_FUZZY_WATCH_INIT_NOTIFY once every batch is acknowledged. Later
 * changes of matching resources are pushed as change notifies.
 */
export class FuzzyWatch {
  private readonly patterns = new Subscriptions<true>();

  constructor(
    private readonly kind: FuzzyWatchKind,
    private readonly push: PushOptions,
    private readonly log: Logger,
  ) {}

  watch(conn: Connection, pattern: string, matched: string[], received: string[], initializing: boolean) {
    this.patterns.add(pattern, conn, true);
    const now = new Set(matched);
    const known = new Set(received);
    const contexts: Array<Record<string, string>> = [];
    for (const k of now)
      if (!known.has(k)) contexts.push({ [this.kind.keyField]: k, changedType: this.kind.addType });
    for (const k of known)
      if (!now.has(k)) contexts.push({ [this.kind.keyField]: k, changedType: this.kind.deleteType });
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

  cancel(conn: Connection, pattern: string) {
    this.patterns.remove(pattern, conn.id);
  }

  removeConnection(connId: string) {
    this.patterns.removeConnection(connId);
  }

  /** Pushes a change of one resource to every connection with a matching pattern. */
  changed(namespaceId: string, group: string, name: string, key: string, changeType: string) {
    const targets = new Map<string, Connection>();
    for (const pattern of this.patterns.keys())
      if (matchesPattern(pattern, namespaceId, group, name))
        for (const { conn } of this.patterns.watchers(pattern)) targets.set(conn.id, conn);
    for (const conn of targets.values())
      conn.push
        .push(
          this.kind.changeRequest,
          this.kind.module,
          { [this.kind.keyField]: key, [this.kind.changeField]: changeType, ...this.kind.changeExtra },
          this.push,
        )
        .catch((e) =>
          this.log.debug('fuzzy watch notify failed', { connectionId: conn.id, key, err: e.message }),
        );
  }
}

/**
 * The `ConfigFuzzyWatchRequest` / `NamingFuzzyWatchRequest` handler: WATCH registers the pattern
 * and syncs the diff against `receivedGroupKeys`; CANCEL_WATCH drops it; anything else is 400.
 */
export function fuzzyWatchHandler(opts: {
  type: string;
  responseType: string;
  resource: 'config' | 'naming';
  fuzzy: FuzzyWatch;
  normalizeNamespace: (ns: string) => string;
  /** Keys of the resources matching `pattern` in namespace `namespaceId` now. */
  matched: (namespaceId: string, pattern: string) => string[];
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
      const watchType = typeof req.watchType === 'string' && req.watchType ? req.watchType : 'WATCH';
      if (watchType === 'CANCEL_WATCH') opts.fuzzy.cancel(conn, pattern);
      else if (watchType === 'WATCH') {
        const received = Array.isArray(req.receivedGroupKeys) ? req.receivedGroupKeys.map(String) : [];
        const matched = opts.matched(opts.normalizeNamespace(patternNamespace(pattern)), pattern);
        opts.fuzzy.watch(conn, pattern, matched, received, req.initializing === true);
      } else throw new InvalidArgument(`Unsupported watchType ${watchType}`);
      return {};
    },
  };
}
