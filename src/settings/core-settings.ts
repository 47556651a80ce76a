import type { SettingSpec } from './setting-spec';

/** Settings owned by the server shell: ports, storage, logging, deployment, cluster. */
export const coreSettings: SettingSpec[] = [
  { key: 'nacos.server.main.port', type: 'port', default: 8848, env: ['BATATA_SERVER_PORT'], doc: 'Main HTTP port (Nacos API under the context path, Consul API under /v1).' },
  { key: 'nacos.server.context-path', type: 'string', default: '/nacos', doc: 'Context path of the Nacos HTTP API.' },
  { key: 'nacos.server.bind-address', type: 'string', default: '0.0.0.0', env: ['BATATA_BIND_ADDRESS'], doc: 'Address every listener binds to.' },
  { key: 'nacos.server.ip', type: 'string', default: '', doc: 'Address this node advertises to clients and peers (default: first non-loopback IPv4).' },
  { key: 'nacos.console.port', type: 'port', default: 8081, env: ['BATATA_CONSOLE_PORT'], doc: 'Web console port (deployment types all and console).' },
  { key: 'nacos.console.context-path', type: 'string', default: '', doc: 'Context path of the console (UI and /v3/console API).' },
  { key: 'nacos.sdk.port', type: 'int', default: 0, min: 0, max: 65535, env: ['BATATA_SDK_PORT'], doc: 'Nacos SDK gRPC port; 0 means main port + 1000 (9848).' },
  { key: 'nacos.cluster.port', type: 'int', default: 0, min: 0, max: 65535, env: ['BATATA_CLUSTER_PORT'], doc: 'Cluster gRPC port; 0 means main port + 1001 (9849).' },
  { key: 'deployment.type', type: 'enum', values: ['all', 'server', 'console'], default: 'all', doc: 'all = server + console, server = no console, console = console only (talks to a remote server).' },
  { key: 'db.url', type: 'string', default: '', env: ['BATATA_DB_URL'], secret: true, doc: 'Empty for the embedded SQLite store; `mysql://user:pass@host:3306/db` for MySQL 5.7/8.0.' },
  { key: 'db.pool.size', type: 'int', default: 10, min: 1, max: 1000, doc: 'MySQL connection pool size.' },
  { key: 'storage.data-dir', type: 'string', default: 'data', env: ['BATATA_DATA_DIR'], doc: 'Directory of the embedded store (batata.db) and other local state.' },
  { key: 'storage.sync', type: 'enum', values: ['normal', 'full'], default: 'normal', doc: 'SQLite durability: normal survives kill -9 (WAL); full also survives power loss (fsync per commit, slower).' },
  { key: 'storage.sqlite.cache-size-mb', type: 'int', default: 64, min: 1, max: 65536, doc: 'SQLite page cache size.' },
  { key: 'log.level', type: 'string', default: 'info', env: ['BATATA_LOG', 'RUST_LOG'], doc: 'Level filter: `info`, or directives such as `batata=debug,storage=warn`.' },
  { key: 'log.dir', type: 'string', default: 'logs', env: ['BATATA_LOG_DIR'], doc: 'Directory of batata.log (rotated by size); empty disables file logging.' },
  { key: 'log.format', type: 'enum', values: ['json', 'text', 'auto'], default: 'auto', doc: 'Console log format; auto = text on a terminal, JSON otherwise. Files are always JSON.' },
  { key: 'log.file.max-size-mb', type: 'int', default: 50, min: 1, max: 10240, doc: 'Rotate batata.log at this size.' },
  { key: 'log.file.keep', type: 'int', default: 5, min: 1, max: 100, doc: 'Rotated log files kept.' },
  { key: 'log.access', type: 'bool', default: true, doc: 'One access-log line per HTTP request (method, path, status, duration).' },
  { key: 'cluster.member.lookup.type', type: 'enum', values: ['standalone', 'file', 'address-server'], default: 'standalone', doc: 'How cluster members are found.' },
  { key: 'cluster.members', type: 'list', default: [], env: ['BATATA_CLUSTER_MEMBERS'], doc: 'Member addresses `ip:port` (comma-separated in env).' },
  { key: 'server.shutdown-timeout-ms', type: 'int', default: 5000, min: 0, max: 600000, doc: 'Grace period for in-flight requests on SIGTERM/SIGINT.' },
];
