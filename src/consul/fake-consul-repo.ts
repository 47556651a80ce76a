import type { CatalogRow, ConsulBatch, KvEntry, SessionEntry } from './consul-model';
import type { AgentServiceStore, ConsulRepo } from './consul-repo';

/** In-memory ConsulRepo for unit tests; `failNext` makes the next commit throw (atomicity tests). */
export class FakeConsulRepo implements ConsulRepo, AgentServiceStore {
  readonly agentServices = new Map<string, string>();
  readonly kv = new Map<string, KvEntry>();
  readonly sessions = new Map<string, SessionEntry>();
  readonly catalog = new Map<string, CatalogRow>();
  commits = 0;
  failNext = false;

  async loadKv(): Promise<KvEntry[]> {
    return [...this.kv.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  async loadSessions(): Promise<SessionEntry[]> {
    return [...this.sessions.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }
  async loadCatalog(): Promise<CatalogRow[]> {
    return [...this.catalog].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
  }
  async commit(b: ConsulBatch): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('storage down');
    }
    this.commits++;
    for (const k of b.kvDelete) this.kv.delete(k);
    for (const e of b.kvPut) this.kv.set(e.key, e);
    for (const k of b.sessionDelete) this.sessions.delete(k);
    for (const s of b.sessionPut) this.sessions.set(s.id, s);
    const key = (r: { kind: string; node: string; id: string }) => `${r.kind}\u0000${r.node}\u0000${r.id}`;
    for (const r of b.catalogDelete ?? []) this.catalog.delete(key(r));
    for (const r of b.catalogPut ?? []) this.catalog.set(key(r), r);
  }
  async loadAgentServices() {
    return [...this.agentServices].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, body]) => ({ id, body }));
  }
  async saveAgentService(id: string, body: string) {
    this.agentServices.set(id, body);
  }
  async removeAgentService(id: string) {
    this.agentServices.delete(id);
  }
}
