import type { SettingSpec } from '../settings/setting-spec';

/** Settings of the Consul-compatible API (`/v1/...`). */
export const consulSettings: SettingSpec[] = [
  {
    key: 'consul.enabled',
    type: 'bool',
    default: true,
    doc: 'Serve the Consul HTTP API under /v1 on the main port (and on consul.port when set).',
  },
  {
    key: 'consul.port',
    type: 'int',
    default: 0,
    min: 0,
    max: 65535,
    doc: 'Extra listener that serves only the Consul API (e.g. 8500); 0 = main port only.',
  },
  {
    key: 'consul.datacenter',
    type: 'string',
    default: 'dc1',
    doc: 'Datacenter name this server reports; any other ?dc gets "No path to datacenter".',
  },
  {
    key: 'consul.node-name',
    type: 'string',
    default: '',
    doc: 'Consul node name of this server; empty = the host name.',
  },
  {
    key: 'consul.kv.max-value-size',
    type: 'int',
    default: 524288,
    min: 1,
    max: 16 * 1024 * 1024,
    doc: 'Largest KV value in bytes (Consul kv_max_value_size).',
  },
  {
    key: 'consul.naming.namespace',
    type: 'string',
    default: 'public',
    doc: 'Nacos namespace that holds Consul services.',
  },
  {
    key: 'consul.naming.group',
    type: 'string',
    default: 'DEFAULT_GROUP',
    doc: 'Nacos group that holds Consul services.',
  },
];
