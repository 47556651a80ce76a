import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { HttpRequestStats } from './http-recorder';

/**
 * One prom-client registry per server instance (never the global default), with the server-wide
 * metrics. Domains register theirs on `registry` in their own `<domain>-metrics.ts`.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Per-request HTTP counters (`batata_http_requests_total`, `batata_http_request_duration_seconds`). */
  readonly http: HttpRequestStats;
  readonly healthy: Gauge;
  readonly clusterSize: Gauge;
}

export function createMetrics(opts: { startedAt?: number; processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const startedAt = opts.startedAt ?? Date.now();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'batata_' });
  new Gauge({
    name: 'batata_uptime_seconds',
    help: 'Seconds since the server started',
    registers: [registry],
    collect() {
      this.set((Date.now() - startedAt) / 1000);
    },
  });
  return {
    registry,
    http: new HttpRequestStats(registry),
    healthy: new Gauge({
      name: 'batata_healthy',
      help: '1 when the node is ready to serve, else 0',
      registers: [registry],
    }),
    clusterSize: new Gauge({
      name: 'batata_cluster_size',
      help: 'Members in the cluster (1 in standalone)',
      registers: [registry],
    }),
  };
}
