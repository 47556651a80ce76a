import type { SettingSpec } from './setting-spec';

/** The well-known sample key from Nacos' shipped application.properties; never accepted. */
export const NACOS_SAMPLE_SECRET = 'SecretKey012345678901234567890123456789012345678901234567890123456789';

export const authSettings: SettingSpec[] = [
  {
    key: 'nacos.core.auth.enabled',
    type: 'bool',
    default: false,
    env: ['BATATA_AUTH_ENABLED'],
    doc: 'Authentication for the open API, gRPC and Consul API.',
  },
  {
    key: 'nacos.core.auth.admin.enabled',
    type: 'bool',
    default: true,
    doc: 'Authentication for admin APIs (/v3/admin).',
  },
  {
    key: 'nacos.core.auth.console.enabled',
    type: 'bool',
    default: true,
    doc: 'Authentication for the console.',
  },
  {
    key: 'nacos.core.auth.system.type',
    type: 'enum',
    values: ['nacos'],
    default: 'nacos',
    doc: 'Auth system; only the built-in `nacos` type.',
  },
  {
    key: 'nacos.core.auth.plugin.nacos.token.secret.key',
    type: 'string',
    default: '',
    env: ['BATATA_AUTH_SECRET_KEY'],
    secret: true,
    doc: 'Base64 JWT signing key, at least 32 bytes decoded. Required when auth is enabled.',
  },
  {
    key: 'nacos.core.auth.plugin.nacos.token.expire.seconds',
    type: 'int',
    default: 18000,
    min: 1,
    max: 31536000,
    env: ['BATATA_AUTH_TOKEN_EXPIRE_SECONDS'],
    doc: 'Token lifetime.',
  },
  {
    key: 'nacos.core.auth.token.cache.size',
    type: 'int',
    default: 10000,
    min: 0,
    max: 10000000,
    doc: 'Verified-token cache entries.',
  },
  {
    key: 'nacos.core.auth.server.identity.key',
    type: 'string',
    default: '',
    doc: 'Header name peers send to identify as cluster members (required in cluster mode).',
  },
  {
    key: 'nacos.core.auth.server.identity.value',
    type: 'string',
    default: '',
    secret: true,
    doc: 'Header value peers send to identify as cluster members.',
  },
  {
    key: 'nacos.core.auth.admin.password',
    type: 'string',
    default: '',
    env: ['BATATA_ADMIN_PASSWORD'],
    secret: true,
    doc: 'Password of the `nacos` admin created on first start with auth on and no users.',
  },
  {
    key: 'nacos.core.auth.login.max-attempts',
    type: 'int',
    default: 5,
    min: 0,
    max: 1000,
    doc: 'Failed logins per user and client address within the window before a lockout; 0 disables.',
  },
  {
    key: 'nacos.core.auth.login.window-seconds',
    type: 'int',
    default: 300,
    min: 1,
    max: 86400,
    doc: 'Window in which failed logins are counted.',
  },
  {
    key: 'nacos.core.auth.login.lockout-seconds',
    type: 'int',
    default: 900,
    min: 1,
    max: 86400,
    doc: 'How long logins for a user from a client address are refused after too many failures.',
  },
  {
    key: 'nacos.core.auth.audit.file',
    type: 'string',
    default: '',
    env: ['BATATA_AUDIT_FILE'],
    doc: 'Audit log (JSON lines, one per write); empty means <log.dir>/audit.log, off when log.dir is empty too.',
  },
  {
    key: 'server.rate-limit.per-client.rps',
    type: 'int',
    default: 0,
    min: 0,
    max: 1000000,
    doc: 'Requests per second allowed per client address (HTTP, gRPC, Consul); 0 = unlimited.',
  },
  {
    key: 'server.rate-limit.per-client.burst',
    type: 'int',
    default: 0,
    min: 0,
    max: 10000000,
    doc: 'Burst size of the per-client rate limit; 0 means twice the rate.',
  },
  {
    key: 'server.tls.cert',
    type: 'string',
    default: '',
    env: ['BATATA_TLS_CERT'],
    doc: 'PEM certificate file; with server.tls.key, HTTP (and gRPC) listeners serve TLS.',
  },
  {
    key: 'server.tls.key',
    type: 'string',
    default: '',
    env: ['BATATA_TLS_KEY'],
    doc: 'PEM private key file for server.tls.cert.',
  },
];

/** Cross-key checks for auth; returns an error line naming the key and the fix, or undefined. */
export function validateAuthSecret(enabled: boolean, secret: string): string | undefined {
  if (!enabled) return undefined;
  const key = 'nacos.core.auth.plugin.nacos.token.secret.key';
  const fix = 'set it (or BATATA_AUTH_SECRET_KEY) to e.g. the output of `openssl rand -base64 32`';
  if (!secret) return `${key} is required when nacos.core.auth.enabled=true: ${fix}`;
  if (secret === NACOS_SAMPLE_SECRET || secret === Buffer.from(NACOS_SAMPLE_SECRET).toString('base64'))
    return `${key} is the well-known Nacos sample key and would let anyone forge tokens: ${fix}`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(secret) || secret.length % 4 !== 0)
    return `${key} is not valid base64: ${fix}`;
  if (Buffer.from(secret, 'base64').length < 32)
    return `${key} decodes to ${Buffer.from(secret, 'base64').length} bytes, at least 32 are required: ${fix}`;
  return undefined;
}

/** Known sample server-identity values from Nacos docs and old releases; never accepted. */
const SAMPLE_IDENTITY_VALUES = new Set(['security', 'example', 'nacos', 'serverIdentity']);

/**
 * Server identity and TLS cross-checks: a cluster must configure a non-default identity key/value
 * (members trust each other by it, with or without user auth), and TLS needs both files. Returns an
 * error line or undefined.
 */
export function validateAuthTransport(values: {
  clusterMode: boolean;
  identityKey: string;
  identityValue: string;
  tlsCert: string;
  tlsKey: string;
}): string | undefined {
  const { identityKey: k, identityValue: v } = values;
  const fix =
    'set nacos.core.auth.server.identity.key and .value to the same secret on every member (e.g. value from `openssl rand -hex 24`)';
  if (values.clusterMode && (!k || !v))
    return `cluster mode requires a server identity for member-to-member calls: ${fix}`;
  if ((k && !v) || (!k && v))
    return `nacos.core.auth.server.identity.key and .value must be set together: ${fix}`;
  if (v && (SAMPLE_IDENTITY_VALUES.has(v) || v.length < 16))
    return `nacos.core.auth.server.identity.value is a well-known sample or shorter than 16 characters: ${fix}`;
  if (Boolean(values.tlsCert) !== Boolean(values.tlsKey))
    return 'server.tls.cert and server.tls.key must be set together (PEM certificate and private key files)';
  return undefined;
}
