import { Counter, Gauge, type Registry } from 'prom-client';

export interface AuthMetrics {
  /** Logins by result: `success`, `failure`, `locked`. */
  logins: Counter<'result'>;
  /** Refused requests by reason kind: `unauthenticated`, `permission_denied`, `rate_limited`. */
  denied: Counter<'reason'>;
}

/** Auth metrics; `users` is read at scrape time. */
export function createAuthMetrics(registry: Registry, read: { users: () => number }): AuthMetrics {
  new Gauge({
    name: 'batata_auth_users',
    help: 'Users in the users table',
    registers: [registry],
    collect() {
      this.set(read.users());
    },
  });
  return {
    logins: new Counter({
      name: 'batata_auth_logins_total',
      help: 'Login attempts (login endpoints and username/password on requests) by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    denied: new Counter({
      name: 'batata_auth_denied_total',
      help: 'Requests refused by the auth gate (all transports) by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
