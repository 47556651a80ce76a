import type { CatalogRow, CatalogRowKey, ConsulBatch, KvEntry, SessionEntry } from './consul-model';

/**
 * What storage holds after a Consul index: the rows written after it and the keys deleted after
 * it (from tombstones), or, when `full`, every row (anything else is deleted).
 */
export interface ConsulDelta {
  /** The highest Consul index committed in storage: a reader that applies the delta is up to date to it. */
  index: number;
  full: boolean;
  kv: KvEntry[];
  sessions: SessionEntry[];
  kvDeleted: Array<{ key: string; index: number }>;
  sessionsDeleted: Array<{ id: string; index: number }>;
  catalog: CatalogRow[];
  catalogDeleted: Array<CatalogRowKey & { index: number }>;
}

/** A batch to commit and the Consul index it is committed at (every put row carries it). */
export interface ConsulCommit {
  batch: ConsulBatch;
  index: number;
}

/**
 * Durable storage of Consul KV entries, sessions and catalog rows (server and registered nodes,
 * catalog services, catalog and standalone agent checks), shared by every node of a cluster.
 *
 * Contract:
 * - Storage keeps one Consul index: the index of the last committed write. Indexes of committed
 *   writes only go up, so "rows with an index above N" are exactly the writes after N.
 * - `write(since, decide)` is the only way to change data. It runs in ONE storage transaction that
 *   excludes every other `write` on the same storage (on MySQL: a row lock on the index row, held
 *   to commit, so all nodes' Consul writes are serialized and commit in index order). Inside it,
 *   `decide` gets the changes committed after `since` and returns what to commit at an index above
 *   `delta.index`, or undefined to commit nothing. Conditions checked by `decide` against the
 *   delta plus what the caller already had are therefore checked against current storage.
 *   Puts are upserts keyed by KV key / session id / (kind, node, id), with every field (indexes,
 *   lock index, uint64 flags, session, value bytes, row body); deletes of absent rows are no-ops;
 *   each KV/session/catalog delete leaves a tombstone at the batch index. All of it or nothing.
 * - `snapshot()` / `changesSince(since)` read at one consistent point; catalog rows are in
 *   (kind, node, id) order. `changesSince` is `full` when tombstones after `since` may already be
 *   reaped.
 * - `reapTombstones(upTo)` drops tombstones (KV, session, catalog) with an index ≤ `upTo`.
 * - `renewSession(id, at)` records a TTL renewal (epoch ms) outside the indexes: false when the
 *   session is not stored; `sessionRenewedAt(id)` reads it back: null = never renewed, undefined =
 *   no such session.
 */
export interface ConsulRepo {
  snapshot(): Promise<ConsulDelta>;
  changesSince(since: number): Promise<ConsulDelta>;
  write(since: number, decide: (delta: ConsulDelta) => ConsulCommit | undefined): Promise<void>;
  reapTombstones(upTo: number): Promise<number>;
  renewSession(id: string, at: number): Promise<boolean>;
  sessionRenewedAt(id: string): Promise<number | null | undefined>;
}

/** A delta with nothing in it, up to date at `index`. */
export function emptyDelta(index: number): ConsulDelta {
  return {
    index,
    full: false,
    kv: [],
    sessions: [],
    kvDeleted: [],
    sessionsDeleted: [],
    catalog: [],
    catalogDeleted: [],
  };
}

/**
 * Definitions of agent-registered services (JSON bodies by service ID, with the Consul node of the
 * server that owns them), so they survive restarts. `loadAgentServices(node)` returns that node's
 * definitions, after giving it those stored without a node (before the column existed: the first
 * server to ask gets them), or with `adoptAll` every definition (a server alone on its storage
 * whose node name changed); `saveAgentService` upserts (and moves the ID to `node`),
 * `removeAgentService` of an unknown ID is a no-op.
 */
export interface AgentServiceStore {
  loadAgentServices(node: string, adoptAll?: boolean): Promise<Array<{ id: string; body: string }>>;
  saveAgentService(node: string, id: string, body: string): Promise<void>;
  removeAgentService(id: string): Promise<void>;
}
