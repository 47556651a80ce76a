import type { NamespaceRecord } from './namespace-model';

/** Durable storage of custom namespaces (Nacos `tenant_info`, kp = '1'). */
export interface NamespaceRepo {
  list(): Promise<NamespaceRecord[]>;
  /** Inserts; throws if the id exists. */
  insert(ns: NamespaceRecord): Promise<void>;
  /** Returns false if no such namespace. */
  update(id: string, name: string, desc: string, modifyTime: number): Promise<boolean>;
  remove(id: string): Promise<boolean>;
}
