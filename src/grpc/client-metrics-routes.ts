import { Elysia } from 'elysia';
import { normalizeNamespace } from '../config';
import { ok } from '../http/nacos-errors';
import { Params } from '../http/params';
import { route } from '../http/route-meta';
import type { ConnectionManager } from './connection';
import { configGroupKey } from './fuzzy-pattern';

/**
 * Asks every connection of a client IP for its config metrics (`ClientConfigMetricRequest` push,
 * 1 s each, spec §B.6) and merges the `metrics` maps; silent or failing clients are skipped.
 */
export async function clientConfigMetrics(
  connections: ConnectionManager,
  ip: string,
  key?: { dataId: string; group: string; tenant: string },
): Promise<Record<string, unknown>> {
  const metricsKeys = key
    ? ['cacheData', 'snapshotData'].map((type) => ({
        type,
        key: configGroupKey(key.dataId, key.group, key.tenant),
      }))
    : [];
  const out: Record<string, unknown> = {};
  const asks = [...connections.all()]
    .filter((c) => c.clientIp === ip)
    .map((c) =>
      c.push
        .push('ClientConfigMetricRequest', 'config', { metricsKeys }, { timeoutMs: 1000, maxRetries: 0 })
        .then((r) => Object.assign(out, r.metrics && typeof r.metrics === 'object' ? r.metrics : {}))
        .catch(() => {}),
    );
  await Promise.all(asks);
  return out;
}

const READ = { resource: 'config', action: 'r', api: 'admin' } as const;

/** `GET /v1/cs/metrics/current` (plain map) and `GET /v3/admin/cs/metrics/ip` (Result) of one client IP. */
export function clientMetricsRoutes(connections: ConnectionManager) {
  const keyOf = (p: Params, groupParam: string, nsParam: string) => {
    const dataId = p.str('dataId');
    if (!dataId) return undefined;
    // GroupKey2 of the 2.x wire: the default namespace is the empty tenant.
    const ns = normalizeNamespace(p.get(nsParam));
    return { dataId, group: p.str(groupParam, 'DEFAULT_GROUP'), tenant: ns === 'public' ? '' : ns };
  };
  return new Elysia({ name: 'grpc.client-metrics' })
    .get(
      '/v1/cs/metrics/current',
      ({ query }) => {
        const p = Params.from(query, undefined);
        return clientConfigMetrics(connections, p.required('ip'), keyOf(p, 'group', 'tenant'));
      },
      { detail: route('Config metrics reported by the SDK connections of one client IP', READ) },
    )
    .get(
      '/v3/admin/cs/metrics/ip',
      async ({ query }) => {
        const p = Params.from(query, undefined);
        return ok(
          await clientConfigMetrics(connections, p.required('ip'), keyOf(p, 'groupName', 'namespaceId')),
        );
      },
      { detail: route('Config metrics reported by the SDK connections of one client IP', READ) },
    );
}
