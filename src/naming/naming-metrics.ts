import { Counter, Gauge, type Registry } from 'prom-client';
import type { NamingHooks, NamingService } from './naming-service';

/**
 * Naming metrics: the seed's counters (`batata_service_register_total`,
 * `batata_service_query_total`) and gauges read from the registry at scrape time.
 */
export function createNamingMetrics(registry: Registry): NamingHooks & { bind(svc: NamingService): void } {
  const register = new Counter({
    name: 'batata_service_register_total',
    help: 'Service instance registrations (all protocols)',
    registers: [registry],
  });
  const query = new Counter({
    name: 'batata_service_query_total',
    help: 'Service instance queries (all protocols)',
    registers: [registry],
  });
  let svc: NamingService | undefined;
  const gauge = (name: string, help: string, pick: (s: ReturnType<NamingService['stats']>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (svc) this.set(pick(svc.stats()));
      },
    });
  gauge('batata_naming_services', 'Services in the registry', (s) => s.serviceCount);
  gauge('batata_naming_instances', 'Instances in the registry', (s) => s.instanceCount);
  gauge('batata_naming_subscribers', 'Subscribers of services', (s) => s.subscriberCount);
  gauge('batata_naming_clients', 'Naming clients (instance owners and subscribers)', (s) => s.clientCount);
  return {
    registered: (n) => register.inc(n),
    queried: () => query.inc(),
    bind(s) {
      svc = s;
    },
  };
}
