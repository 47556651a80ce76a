import type { InstanceRecord, ServiceId, ServiceRecord } from './naming-model';
import { serviceKey } from './naming-model';
import type { NamingRepo } from './naming-repo';

/** In-memory NamingRepo for unit tests; passes the same contract as the SQL repo. */
export class FakeNamingRepo implements NamingRepo {
  readonly services = new Map<string, ServiceRecord>();
  readonly instances = new Map<string, InstanceRecord>();
  /** When set, the next write throws it (to test that failed writes change nothing). */
  failNext?: Error;

  private check() {
    const e = this.failNext;
    this.failNext = undefined;
    if (e) throw e;
  }
  async loadServices() {
    return [...this.services.values()].map((s) => structuredClone(s));
  }
  async loadInstances() {
    return [...this.instances.values()].map((i) => structuredClone(i));
  }
  async saveService(s: ServiceRecord) {
    this.check();
    this.services.set(serviceKey(s), structuredClone(s));
  }
  async deleteService(id: ServiceId) {
    this.check();
    return this.services.delete(serviceKey(id));
  }
  async saveInstance(i: InstanceRecord) {
    this.check();
    this.instances.set(`${serviceKey(i)}#${i.instanceId}`, structuredClone(i));
  }
  async deleteInstance(id: ServiceId, instanceId: string) {
    this.check();
    return this.instances.delete(`${serviceKey(id)}#${instanceId}`);
  }
}
