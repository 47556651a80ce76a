import type { CatalogRow, ConsulBatch, KvEntry, SessionEntry } from './consul-model';

/**
 * Durable storage of Consul KV entries, sessions and catalog rows (registrations of other nodes,
 * catalog and standalone agent checks).
 *
 * Contract:
 * - `commit` applies the whole batch in ONE storage transaction: all of it or nothing. Puts are
 *   upserts keyed by KV key / session id / (kind, node, id), stored with every field (indexes,
 *   lock index, flags as an exact uint64, session, value bytes, row body); deletes of absent rows
 *   are no-ops.
 * - `loadKv` / `loadSessions` / `loadCatalog` return exactly what was committed, in key / id /
 *   (kind, node, id) order.
 */
export interface ConsulRepo {
  loadKv(): Promise<KvEntry[]>;
  loadSessions(): Promise<SessionEntry[]>;
  loadCatalog(): Promise<CatalogRow[]>;
  commit(batch: ConsulBatch): Promise<void>;
}

/**
 * Definitions of agent-registered services (JSON bodies by service ID), so they survive restarts.
 * `saveAgentService` upserts, `removeAgentService` of an unknown ID is a no-op.
 */
export interface AgentServiceStore {
  loadAgentServices(): Promise<Array<{ id: string; body: string }>>;
  saveAgentService(id: string, body: string): Promise<void>;
  removeAgentService(id: string): Promise<void>;
}
