import type { ConsulBatch, KvEntry, SessionEntry } from './consul-model';

/**
 * Durable storage of Consul KV entries and sessions.
 *
 * Contract:
 * - `commit` applies the whole batch in ONE storage transaction: all of it or nothing. Puts are
 *   upserts keyed by KV key / session id, stored with every field (indexes, lock index, flags as
 *   an exact uint64, session, value bytes); deletes of absent rows are no-ops.
 * - `loadKv` / `loadSessions` return exactly what was committed, in key / id order.
 */
export interface ConsulRepo {
  loadKv(): Promise<KvEntry[]>;
  loadSessions(): Promise<SessionEntry[]>;
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
