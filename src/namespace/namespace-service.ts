import type { Clock } from '../core/clock';
import type { StateStore, Table } from '../state';
import { IllegalNamespace, NamespaceAlreadyExists, NamespaceNotFound } from './namespace-errors';
import {
  DEFAULT_NAMESPACE_DESC,
  DEFAULT_NAMESPACE_ID,
  DEFAULT_NAMESPACE_NAME,
  isDefaultNamespace,
  NAMESPACE_QUOTA,
  type NamespaceRecord,
  type NamespaceView,
  namespaceIdProblem,
  namespaceNameProblem,
} from './namespace-model';
import type { NamespaceRepo } from './namespace-repo';

/** State table holding custom namespaces, keyed by id. */
export const NAMESPACE_TABLE = 'namespace';

/** Usage details other domains contribute (config count per namespace). */
export type NamespaceUsage = (namespaceId: string) => { configCount?: number };

/**
 * Namespaces: the default `public` one always exists and cannot be changed or deleted; custom
 * ones are durable in the repo and mirrored in the shared state.
 */
export class NamespaceService {
  private readonly table: Table<NamespaceRecord>;
  private usage: NamespaceUsage[] = [];

  constructor(
    private readonly state: StateStore,
    private readonly repo: NamespaceRepo,
    private readonly clock: Clock,
  ) {
    this.table = state.table<NamespaceRecord>(NAMESPACE_TABLE);
  }

  /** Loads stored namespaces into the state; call once at boot before serving. */
  async load(): Promise<void> {
    const rows = await this.repo.list();
    this.state.applyNow((w) => {
      for (const r of rows) w.put(this.table, r.namespaceId, r);
    });
  }

  /** Lets another domain add usage numbers (e.g. configCount) to namespace views. */
  addUsage(fn: NamespaceUsage) {
    this.usage.push(fn);
  }

  exists(id: string): boolean {
    return isDefaultNamespace(id) || this.table.has(id);
  }

  list(): NamespaceView[] {
    const custom = [...this.table.values()]
      .map((e) => e.value)
      .sort((a, b) => a.createTime - b.createTime || (a.namespaceId < b.namespaceId ? -1 : 1));
    return [this.defaultView(), ...custom.map((r) => this.view(r))];
  }

  get(id: string): NamespaceView {
    if (isDefaultNamespace(id)) return this.defaultView();
    const e = this.table.get(id);
    if (!e) throw new NamespaceNotFound(id);
    return this.view(e.value);
  }

  /** Creates a namespace; a blank id gets a random UUID. Returns the id. */
  async create(id: string | undefined, name: string, desc = ''): Promise<string> {
    const namespaceId = id?.trim() ? id.trim() : crypto.randomUUID();
    const idProblem = namespaceIdProblem(namespaceId);
    if (idProblem) throw new IllegalNamespace(idProblem);
    const nameProblem = namespaceNameProblem(name);
    if (nameProblem) throw new IllegalNamespace(nameProblem);
    if (desc.length > 256) throw new IllegalNamespace('too long namespaceDesc, over 256');
    if (isDefaultNamespace(namespaceId)) throw new NamespaceAlreadyExists(namespaceId, true);
    return this.state.write(async (w) => {
      if (this.table.has(namespaceId)) throw new NamespaceAlreadyExists(namespaceId);
      const now = this.clock.now();
      const rec: NamespaceRecord = { namespaceId, name, desc, createTime: now, modifyTime: now };
      await this.repo.insert(rec);
      w.put(this.table, namespaceId, rec);
      return namespaceId;
    });
  }

  async update(id: string, name: string, desc = ''): Promise<void> {
    const nameProblem = namespaceNameProblem(name);
    if (nameProblem) throw new IllegalNamespace(nameProblem);
    if (desc.length > 256) throw new IllegalNamespace('too long namespaceDesc, over 256');
    if (isDefaultNamespace(id)) throw new IllegalNamespace('the default namespace cannot be modified');
    await this.state.write(async (w) => {
      const cur = this.table.get(id);
      if (!cur) throw new NamespaceNotFound(id);
      const now = this.clock.now();
      await this.repo.update(id, name, desc, now);
      w.put(this.table, id, { ...cur.value, name, desc, modifyTime: now });
    });
  }

  /** Deletes a custom namespace; deleting one that does not exist succeeds (Nacos). */
  async remove(id: string): Promise<void> {
    if (isDefaultNamespace(id)) throw new IllegalNamespace('the default namespace cannot be deleted');
    await this.state.write(async (w) => {
      if (!this.table.has(id)) return;
      await this.repo.remove(id);
      w.delete(this.table, id);
    });
  }

  private defaultView(): NamespaceView {
    return this.withUsage({
      namespaceId: DEFAULT_NAMESPACE_ID,
      name: DEFAULT_NAMESPACE_NAME,
      desc: DEFAULT_NAMESPACE_DESC,
      quota: NAMESPACE_QUOTA,
      configCount: 0,
      type: 0,
    });
  }

  private view(r: NamespaceRecord): NamespaceView {
    return this.withUsage({
      namespaceId: r.namespaceId,
      name: r.name,
      desc: r.desc,
      quota: NAMESPACE_QUOTA,
      configCount: 0,
      type: 1,
    });
  }

  private withUsage(v: NamespaceView): NamespaceView {
    for (const u of this.usage) {
      const x = u(v.namespaceId);
      if (x.configCount !== undefined) v.configCount += x.configCount;
    }
    return v;
  }
}
