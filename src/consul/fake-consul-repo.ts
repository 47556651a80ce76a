import type { CatalogRow, CatalogRowKey, ConsulBatch, KvEntry, SessionEntry } from './consul-model';
import type { AgentServiceStore, ConsulCommit, ConsulDelta, ConsulRepo } from './consul-repo';

/**
 * In-memory ConsulRepo for unit tests. Several services (nodes) may share one instance: writes are
 * serialized as the contract asks. `failNext` makes the next write throw (atomicity tests).
 */
export class FakeConsulRepo implements ConsulRepo, AgentServiceStore {
  readonly agentServices = new Map<string, { node: string; body: string }>();
  readonly kv = new Map<string, KvEntry>();
  readonly sessions = new Map<string, SessionEntry>();
  readonly catalog = new Map<string, CatalogRow>();
  private readonly kvTombs = new Map<string, number>();
  private readonly sessionTombs = new Map<string, number>();
  private readonly catalogTombs = new Map<string, CatalogRowKey & { index: number }>();
  private readonly renewals = new Map<string, number>();
  index = 0;
  private reaped = 0;
  commits = 0;
  failNext = false;
  private lock: Promise<void> = Promise.resolve();

  async snapshot(): Promise<ConsulDelta> {
    return {
      ...this.tombstones(0),
      index: this.index,
      full: true,
      kv: sorted([...this.kv.values()], (e) => e.key),
      sessions: sorted([...this.sessions.values()], (s) => s.id),
      catalog: this.catalogRows(),
    };
  }

  /** Stored catalog rows in (kind, node, id) order. */
  catalogRows(): CatalogRow[] {
    return [...this.catalog].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
  }

  async changesSince(since: number): Promise<ConsulDelta> {
    if (since < this.reaped) return this.snapshot();
    return {
      ...this.tombstones(since),
      index: this.index,
      full: false,
      kv: [...this.kv.values()].filter((e) => e.modifyIndex > since),
      sessions: [...this.sessions.values()].filter((s) => s.modifyIndex > since),
      catalog: this.catalogRows().filter((r) => r.modifyIndex > since),
    };
  }

  private tombstones(since: number) {
    return {
      kvDeleted: [...this.kvTombs].filter(([, i]) => i > since).map(([key, index]) => ({ key, index })),
      sessionsDeleted: [...this.sessionTombs]
        .filter(([, i]) => i > since)
        .map(([id, index]) => ({ id, index })),
      catalogDeleted: [...this.catalogTombs.values()].filter((t) => t.index > since),
    };
  }

  async write(since: number, decide: (delta: ConsulDelta) => ConsulCommit | undefined): Promise<void> {
    const prev = this.lock;
    let release!: () => void;
    this.lock = new Promise((r) => (release = r));
    try {
      await prev;
      const c = decide(await this.changesSince(since));
      if (!c) return;
      if (c.index <= this.index) throw new Error(`commit index ${c.index} is not above ${this.index}`);
      if (this.failNext) {
        this.failNext = false;
        throw new Error('storage down');
      }
      this.apply(c.batch, c.index);
    } finally {
      release();
    }
  }

  async reapTombstones(upTo: number): Promise<number> {
    let n = 0;
    for (const m of [this.kvTombs, this.sessionTombs])
      for (const [k, i] of m)
        if (i <= upTo) {
          m.delete(k);
          n++;
        }
    for (const [k, t] of this.catalogTombs)
      if (t.index <= upTo) {
        this.catalogTombs.delete(k);
        n++;
      }
    this.reaped = Math.max(this.reaped, upTo);
    return n;
  }

  async renewSession(id: string, at: number): Promise<boolean> {
    if (!this.sessions.has(id)) return false;
    this.renewals.set(id, at);
    return true;
  }

  async sessionRenewedAt(id: string): Promise<number | null | undefined> {
    if (!this.sessions.has(id)) return undefined;
    return this.renewals.get(id) ?? null;
  }

  private apply(b: ConsulBatch, index: number) {
    // Like the SQL tables' NOT NULL columns: a bad row fails the whole batch before anything changes.
    for (const r of [...b.kvPut, ...b.sessionPut, ...(b.catalogPut ?? [])])
      if (typeof r.createIndex !== 'number' || typeof r.modifyIndex !== 'number')
        throw new Error('create_index/modify_index cannot be null');
    this.commits++;
    for (const k of b.kvDelete) {
      this.kv.delete(k);
      this.kvTombs.set(k, index);
    }
    for (const e of b.kvPut) this.kv.set(e.key, e);
    for (const k of b.sessionDelete) {
      this.sessions.delete(k);
      this.renewals.delete(k);
      this.sessionTombs.set(k, index);
    }
    for (const s of b.sessionPut) this.sessions.set(s.id, s);
    const key = (r: { kind: string; node: string; id: string }) => `${r.kind}\u0000${r.node}\u0000${r.id}`;
    for (const r of b.catalogDelete ?? []) {
      this.catalog.delete(key(r));
      this.catalogTombs.set(key(r), { kind: r.kind, node: r.node, id: r.id, index });
    }
    for (const r of b.catalogPut ?? []) this.catalog.set(key(r), r);
    this.index = index;
  }

  async loadAgentServices(node: string, adoptAll = false) {
    for (const r of this.agentServices.values()) if (r.node === '' || adoptAll) r.node = node;
    return [...this.agentServices]
      .filter(([, r]) => r.node === node)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, r]) => ({ id, body: r.body }));
  }
  async saveAgentService(node: string, id: string, body: string) {
    this.agentServices.set(id, { node, body });
  }
  async removeAgentService(id: string) {
    this.agentServices.delete(id);
  }
}

function sorted<T>(xs: T[], key: (x: T) => string): T[] {
  return xs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
