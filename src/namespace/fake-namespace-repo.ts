import type { NamespaceRecord } from './namespace-model';
import type { NamespaceRepo } from './namespace-repo';

export class FakeNamespaceRepo implements NamespaceRepo {
  readonly rows = new Map<string, NamespaceRecord>();
  failNext?: Error;

  private check() {
    const e = this.failNext;
    this.failNext = undefined;
    if (e) throw e;
  }
  async list() {
    return [...this.rows.values()];
  }
  async insert(ns: NamespaceRecord) {
    this.check();
    if (this.rows.has(ns.namespaceId)) throw new Error('duplicate');
    this.rows.set(ns.namespaceId, { ...ns });
  }
  async update(id: string, name: string, desc: string, modifyTime: number) {
    this.check();
    const r = this.rows.get(id);
    if (!r) return false;
    this.rows.set(id, { ...r, name, desc, modifyTime });
    return true;
  }
  async remove(id: string) {
    this.check();
    return this.rows.delete(id);
  }
}
