import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One prom-client registry per server instance (never the global default), with the server-wide
 * metrics. Domains register theirs on `registry` in their own `<domain>-metrics.ts`.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
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
    httpRequests: new Counter({
      name: 'batata_http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'batata_http_request_duration_seconds',
      help: 'HTTP request latency by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30],
      registers: [registry],
    }),
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
