import { Elysia } from 'elysia';
import { OPEN, route } from '../http/route-meta';
import type { Metrics } from './metrics';

/** Prometheus text exposition at `/metrics` and `/actuator/prometheus` under the context path. */
export function metricsRoutes(metrics: Metrics) {
  const scrape = async () =>
    new Response(await metrics.registry.metrics(), {
      headers: { 'content-type': metrics.registry.contentType },
    });
  return new Elysia({ name: 'core.metrics' })
    .get('/metrics', scrape, { detail: route('Prometheus metrics', OPEN) })
    .get('/actuator/prometheus', scrape, {
      detail: route('Prometheus metrics (Spring actuator path)', OPEN),
    });
}
