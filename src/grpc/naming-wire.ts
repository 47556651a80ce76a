import { InvalidArgument } from '../core/errors';
import type { InstanceInput, ServiceInfo } from '../naming';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);

/**
 * Reads an SDK `Instance` JSON object into the naming service's input. Fields of the wrong JSON
 * type count as absent (Java defaults then apply in the naming service, which validates).
 */
export function instanceInputOf(v: unknown): InstanceInput {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new InvalidArgument('instance is required', 21004);
  const o = v as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  if (o.metadata && typeof o.metadata === 'object' && !Array.isArray(o.metadata))
    for (const [k, x] of Object.entries(o.metadata as Record<string, unknown>))
      if (x !== null && x !== undefined) metadata[k] = String(x);
  const port = o.port === undefined || o.port === null ? 0 : Number(o.port);
  return {
    ip: str(o.ip) ?? '',
    port: Number.isFinite(port) ? port : Number.NaN,
    instanceId: str(o.instanceId) || undefined,
    weight: num(o.weight),
    healthy: bool(o.healthy),
    enabled: bool(o.enabled),
    ephemeral: bool(o.ephemeral),
    clusterName: str(o.clusterName) || undefined,
    metadata,
  };
}

/**
 * ServiceInfo as sent over gRPC: ungrouped `name` (as the naming service returns it) plus the 3.x
 * spelling `allIps` beside 2.x `allIPs` (Go reads one, Python the other; spec §A.2.5).
 */
export function grpcServiceInfo(info: ServiceInfo): Record<string, unknown> {
  return { ...info, allIPs: info.allIPs, allIps: info.allIPs };
}
