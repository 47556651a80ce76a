import type { SettingSpec } from '../settings/setting-spec';

/** Settings of the configuration service. */
export const configSettings: SettingSpec[] = [
  {
    key: 'config.max-content-bytes',
    type: 'int',
    default: 10 * 1024 * 1024,
    min: 1,
    doc: 'Largest config content accepted, in bytes of UTF-8 (Nacos nacos.config.max-content).',
  },
  {
    key: 'config.history.retention-days',
    type: 'int',
    default: 30,
    min: 0,
    doc: 'Config history older than this many days is deleted by the cleanup job (0 keeps history forever).',
  },
  {
    key: 'config.history.cleanup-interval-minutes',
    type: 'int',
    default: 60,
    min: 1,
    doc: 'How often the history cleanup job runs.',
  },
  {
    key: 'config.long-poll.max-waiters',
    type: 'int',
    default: 20000,
    min: 1,
    doc: 'Most HTTP long-poll requests held at once; beyond it listeners get 503.',
  },
  {
    key: 'config.long-poll.min-hold-ms',
    type: 'int',
    default: 10000,
    min: 0,
    doc: 'Shortest hold of an HTTP long poll (Nacos MIN_LONG_POOLING_TIMEOUT); the hold is max(this, Long-Pulling-Timeout - 500).',
  },
  {
    key: 'config.encryption.plugin',
    type: 'enum',
    values: ['none', 'aes'],
    default: 'none',
    doc: 'Encrypt dataIds prefixed cipher-aes- at rest, like the Nacos aes encryption plugin (none = store as sent).',
  },
];
