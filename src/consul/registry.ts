/**
 * The part of the naming registry (`NamingService`, `ctx.services.naming`) the Consul catalog
 * uses. Declared here, structurally, so the Consul domain depends on the smallest surface of the
 * naming domain; `NamingService` satisfies it as is.
 */
export interface RegistryServiceId {
  namespaceId: string;
  groupName: string;
  serviceName: string;
}

/** A naming instance as stored in the `naming.instances` state table. */
export interface RegistryInstance extends RegistryServiceId {
  instanceId: string;
  ip: string;
  port: number;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  clusterName: string;
  metadata: Record<string, string>;
  clientId: string;
}

export interface RegistryInstanceInput {
  ip: string;
  port: number;
  instanceId?: string;
  weight?: number;
  healthy?: boolean;
  enabled?: boolean;
  ephemeral?: boolean;
  clusterName?: string;
  metadata?: Record<string, string>;
}

export interface ConsulRegistry {
  registerInstance(
    svc: RegistryServiceId,
    input: RegistryInstanceInput,
    client?: { clientId?: string; heartbeat?: boolean },
  ): Promise<RegistryInstance>;
  deregisterInstance(svc: RegistryServiceId, loc: { instanceId: string }): Promise<boolean>;
  setHealth(svc: RegistryServiceId, loc: { instanceId: string }, healthy: boolean): Promise<RegistryInstance>;
}

/** State tables of the naming registry (naming-service.ts: SERVICES_TABLE / INSTANCES_TABLE). */
export const NAMING_INSTANCES_TABLE = 'naming.instances';
/** Instance keys are `namespaceId/group@@service` + U+001F + instanceId (naming-model.ts). */
export const INSTANCE_KEY_SEP = '\u001f';

export function namingServicePrefix(namespaceId: string, group: string, service?: string): string {
  return service === undefined
    ? `${namespaceId}/${group}@@`
    : `${namespaceId}/${group}@@${service}${INSTANCE_KEY_SEP}`;
}
