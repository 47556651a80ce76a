import type { Counter, Histogram } from 'prom-client';
import type { Metrics } from './metrics';

/**
 * Hot-path recorder for the per-request HTTP metrics. prom-client hashes the label object on
 * every `inc`/`observe`; this caches the bound children per (method, route template, status), a
 * set bounded by the route table (unmatched paths share the label `unmatched`).
 */
export class HttpMetricsRecorder {
  private readonly counters = new Map<string, Counter.Internal>();
  private readonly histograms = new Map<string, Histogram.Internal<'method' | 'route'>>();

  constructor(private readonly metrics: Metrics) {}

  record(method: string, route: string, status: number, seconds: number) {
    const hk = `${method} ${route}`;
    const ck = `${hk} ${status}`;
    let c = this.counters.get(ck);
    if (!c) {
      c = this.metrics.httpRequests.labels({ method, route, status: String(status) });
      this.counters.set(ck, c);
    }
    c.inc();
    let h = this.histograms.get(hk);
    if (!h) {
      h = this.metrics.httpDuration.labels({ method, route });
      this.histograms.set(hk, h);
    }
    h.observe(seconds);
  }
}
