import type { Registry } from 'prom-client';

const REQUESTS = 'batata_http_requests_total';
const DURATION = 'batata_http_request_duration_seconds';
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30];

interface Series {
  method: string;
  route: string;
  /** Requests per status code. */
  statuses: Map<number, number>;
  /** Non-cumulative bucket counts; the last slot is +Inf. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * The per-request HTTP metrics (`batata_http_requests_total{method,route,status}` and
 * `batata_http_request_duration_seconds{method,route}`), kept as plain numbers per
 * (method, route template) and rendered by prom-client's registry at scrape time in the same
 * format as its Counter/Histogram. prom-client hashes the label object on every `inc`/`observe`
 * (even on bound children): about 8 % of a request's CPU. The series set is bounded by the
 * route table (unmatched paths share the route `unmatched`).
 */
export class HttpRequestStats {
  private readonly series = new Map<string, Series>();

  constructor(registry: Registry) {
    // Registry.registerMetric only needs name/get (and reset for resetMetrics): see prom-client's
    // Registry.getMetricsAsString / getMetricsAsJSON.
    registry.registerMetric({
      name: REQUESTS,
      help: 'HTTP requests by method, route template and status',
      type: 'counter',
      aggregator: 'sum',
      get: async () => this.counterData(),
      reset: () => this.series.clear(),
    } as never);
    registry.registerMetric({
      name: DURATION,
      help: 'HTTP request latency by method and route template',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => this.histogramData(),
      reset: () => this.series.clear(),
    } as never);
  }

  record(method: string, route: string, status: number, seconds: number) {
    const k = `${method} ${route}`;
    let s = this.series.get(k);
    if (!s) {
      s = {
        method,
        route,
        statuses: new Map(),
        buckets: new Float64Array(BUCKETS.length + 1),
        sum: 0,
        count: 0,
      };
      this.series.set(k, s);
    }
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++;
    s.buckets[i]!++;
    s.sum += seconds;
    s.count++;
  }

  private counterData() {
    const values: Array<{ labels: Record<string, string>; value: number }> = [];
    for (const s of this.series.values())
      for (const [status, n] of s.statuses)
        values.push({ labels: { method: s.method, route: s.route, status: String(status) }, value: n });
    return {
      name: REQUESTS,
      help: 'HTTP requests by method, route template and status',
      type: 'counter',
      values,
      aggregator: 'sum',
    };
  }

  private histogramData() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i <= BUCKETS.length; i++) {
        acc += s.buckets[i]!;
        values.push({
          labels: { method: s.method, route: s.route, le: i < BUCKETS.length ? BUCKETS[i]! : '+Inf' },
          value: acc,
          metricName: `${DURATION}_bucket`,
        });
      }
      const labels = { method: s.method, route: s.route };
      values.push({ labels, value: s.sum, metricName: `${DURATION}_sum` });
      values.push({ labels, value: s.count, metricName: `${DURATION}_count` });
    }
    return {
      name: DURATION,
      help: 'HTTP request latency by method and route template',
      type: 'histogram',
      values,
      aggregator: 'sum',
    };
  }
}
