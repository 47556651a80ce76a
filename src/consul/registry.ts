import {
  INSTANCES_TABLE,
  type InstanceInput,
  type InstanceRecord,
  instancePrefix,
  type ServiceId,
  type StagedInstance,
  type StagedRemoval,
  serviceKey,
} from '../naming';
import type { WriteContext } from '../state';

/** A naming instance as stored in the `naming.instances` state table. */
export type RegistryInstance = InstanceRecord;

/**
 * The part of the naming registry (`NamingService`, `ctx.services.naming`) the Consul catalog
 * uses; `NamingService` satisfies it as is, and unit tests may pass any implementation.
 */
export interface ConsulRegistry {
  registerInstance(
    svc: ServiceId,
    input: InstanceInput,
    client?: { clientId?: string; heartbeat?: boolean },
  ): Promise<InstanceRecord>;
  deregisterInstance(svc: ServiceId, loc: { instanceId: string }): Promise<boolean>;
  setHealth(svc: ServiceId, loc: { instanceId: string }, healthy: boolean): Promise<InstanceRecord>;
  /** Validated ephemeral record owned by `clientId`, state untouched (see `stageInstances`). */
  prepareInstance(svc: ServiceId, input: InstanceInput, clientId: string): InstanceRecord;
  /** Stages instance puts/removals inside the caller's state write (one index with its other changes). */
  stageInstances(w: WriteContext, puts: StagedInstance[], removes: StagedRemoval[]): void;
}

export const NAMING_INSTANCES_TABLE = INSTANCES_TABLE;

/** Instance-key prefix of one service, or of every service of a namespace/group. */
export function namingServicePrefix(namespaceId: string, group: string, service?: string): string {
  return service === undefined
    ? `${namespaceId}/${group}@@`
    : instancePrefix(serviceKey({ namespaceId, groupName: group, serviceName: service }));
}
