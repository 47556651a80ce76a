import { Counter, Gauge, type Registry } from 'prom-client';

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
      name: 'batata_config_publish_total',
      help: 'Config publishes by kind (formal, beta, tag)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    query: new Counter({ name: 'batata_config_query_total', help: 'Config reads', registers: [registry] }),
  };
}
