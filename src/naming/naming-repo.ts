import type { InstanceRecord, ServiceId, ServiceRecord } from './naming-model';

/**
 * Durable naming data: explicitly defined services (metadata, threshold, selector, clusters) and
 * persistent instances. Ephemeral instances never reach the repo.
 *
 * Contract (checked by `runNamingRepoContract` on SQLite and MariaDB):
 * - `saveService` / `saveInstance` insert or replace by key; saving twice is idempotent.
 * - `deleteService` removes the service row only; `deleteInstance` removes one instance and
 *   returns whether it existed.
 * - `loadServices` / `loadInstances` return everything saved, with the same field values.
 */
export interface NamingRepo {
  loadServices(): Promise<ServiceRecord[]>;
  loadInstances(): Promise<InstanceRecord[]>;
  saveService(s: ServiceRecord): Promise<void>;
  deleteService(id: ServiceId): Promise<boolean>;
  saveInstance(i: InstanceRecord): Promise<void>;
  deleteInstance(id: ServiceId, instanceId: string): Promise<boolean>;
}
