/** A Consul KV entry (DirEntry). Indexes are state indexes; `flags` is a uint64. */
export interface KvEntry {
  readonly key: string;
  /** null for an empty value (Consul renders it as JSON null). */
  readonly value: Uint8Array | null;
  readonly flags: bigint;
  readonly lockIndex: number;
  /** Holder of the lock, if any. */
  readonly session?: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export type SessionBehavior = 'release' | 'delete';

/** A Consul session. `lockDelayNs` and `ttl` are kept in Consul's own units. */
export interface SessionEntry {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  readonly lockDelayNs: number;
  readonly behavior: SessionBehavior;
  /** Go duration string as given ('' = no TTL). */
  readonly ttl: string;
  readonly nodeChecks: string[];
  readonly serviceChecks: Array<{ ID: string; Namespace: string }>;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** A user event (`/v1/event/fire`). Kept in memory only, as Consul's agent does. */
export interface UserEvent {
  readonly id: string;
  readonly name: string;
  readonly payload: Uint8Array | null;
  readonly nodeFilter: string;
  readonly serviceFilter: string;
  readonly tagFilter: string;
  readonly version: number;
  readonly ltime: number;
}

/** State table names owned by the Consul domain. */
export const KV_TABLE = 'consul.kv';
export const SESSION_TABLE = 'consul.sessions';
export const EVENT_TABLE = 'consul.events';

/** What a durable catalog row holds: a node (id ''), a service or a check of `node`. */
export type CatalogKind = 'node' | 'service' | 'check';

/** A durable catalog row: `body` is the JSON of the NodeEntry / ServiceDef / CheckEntry. */
export interface CatalogRow {
  readonly kind: CatalogKind;
  readonly node: string;
  readonly id: string;
  readonly body: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export type CatalogRowKey = Pick<CatalogRow, 'kind' | 'node' | 'id'>;

/**
 * State table mirroring the stored catalog rows (key `catalogKey`), at their storage indexes and
 * with their tombstones: what this node has applied of `consul_catalog`. The catalog's own tables
 * (nodes, checks, naming instances) are derived from it.
 */
export const CATALOG_TABLE = 'consul.catalog';

export const catalogKey = (r: CatalogRowKey) => `${r.kind}\u0000${r.node}\u0000${r.id}`;

/** One atomic batch of durable changes. */
export interface ConsulBatch {
  kvPut: KvEntry[];
  kvDelete: string[];
  sessionPut: SessionEntry[];
  sessionDelete: string[];
  /** Catalog registrations of other nodes, catalog/agent standalone checks (upserts by kind+node+id). */
  catalogPut?: CatalogRow[];
  catalogDelete?: CatalogRowKey[];
}

/** Number of rows a batch writes or deletes. */
export function batchSize(b: ConsulBatch): number {
  return (
    b.kvPut.length +
    b.kvDelete.length +
    b.sessionPut.length +
    b.sessionDelete.length +
    (b.catalogPut?.length ?? 0) +
    (b.catalogDelete?.length ?? 0)
  );
}

export function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  const la = a?.length ?? 0;
  const lb = b?.length ?? 0;
  if (la !== lb) return false;
  for (let i = 0; i < la; i++) if (a![i] !== b![i]) return false;
  return true;
}
