import type { SettingSpec } from '../settings/setting-spec';

/** Service-discovery settings (Nacos `SwitchDomain` equivalents). */
export const namingSettings: SettingSpec[] = [
  {
    key: 'naming.push.delay-ms',
    type: 'int',
    default: 500,
    min: 0,
    max: 60000,
    doc: 'Debounce between a service change and the push to its subscribers (Nacos: 500 ms).',
  },
  {
    key: 'naming.heartbeat.check-interval-ms',
    type: 'int',
    default: 1000,
    min: 50,
    max: 60000,
    doc: 'How often heartbeat deadlines of ephemeral HTTP instances are checked.',
  },
  {
    key: 'naming.default-ephemeral',
    type: 'bool',
    default: true,
    doc: 'Whether an instance registered without `ephemeral` is ephemeral (Nacos switch defaultInstanceEphemeral).',
  },
  {
    key: 'naming.health-check.enabled',
    type: 'bool',
    default: true,
    doc: 'Server-side TCP/HTTP health checks of persistent instances.',
  },
  {
    key: 'naming.health-check.interval-ms',
    type: 'int',
    default: 5000,
    min: 100,
    max: 600000,
    doc: 'Pause between two health-check rounds over the persistent instances.',
  },
  {
    key: 'naming.health-check.timeout-ms',
    type: 'int',
    default: 2000,
    min: 50,
    max: 60000,
    doc: 'Timeout of one TCP connect / HTTP GET probe.',
  },
  {
    key: 'naming.health-check.concurrency',
    type: 'int',
    default: 32,
    min: 1,
    max: 1024,
    doc: 'Probes in flight at once.',
  },
  {
    key: 'naming.health-check.threshold',
    type: 'int',
    default: 2,
    min: 1,
    max: 100,
    doc: 'Consecutive probe results needed to flip an instance healthy/unhealthy.',
  },
  {
    key: 'naming.udp-push.enabled',
    type: 'bool',
    default: true,
    doc: 'Legacy UDP push to 1.x clients that pass `udpPort` on /v1/ns/instance/list.',
  },
  {
    key: 'naming.udp-push.subscriber-expire-ms',
    type: 'int',
    default: 30000,
    min: 1000,
    max: 3600000,
    doc: 'A UDP subscriber that has not queried for this long is dropped.',
  },
];
