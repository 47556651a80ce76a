import { Counter, Gauge, type Registry } from 'prom-client';
import { SEED_METRICS } from '../metrics/seed-metrics';

export interface ConfigMetrics {
  publish: Counter<'kind'>;
  query: Counter;
}

/** Config metrics; `count` and `waiters` are read at scrape time. */
export function createConfigMetrics(
  registry: Registry,
  read: { count: () => number; waiters: () => number },
): ConfigMetrics {
  new Gauge({
    name: 'batata_config_count',
    help: 'Configs held (formal versions)',
    registers: [registry],
    collect() {
      this.set(read.count());
    },
  });
  new Gauge({
    name: 'batata_config_long_poll_waiters',
    help: 'HTTP long-poll requests currently held open',
    registers: [registry],
    collect() {
      this.set(read.waiters());
    },
  });
  return {
    publish: new Counter({
      name: SEED_METRICS.configPublish,
      help: 'Config publishes by kind (formal, beta, tag)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    query: new Counter({ name: SEED_METRICS.configQuery, help: 'Config reads', registers: [registry] }),
  };
}
