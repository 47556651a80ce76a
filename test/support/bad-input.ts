/**
 * The deterministic catalogue of malformed input the bad-input sweep sends to every route
 * (test/integration/bad-input-sweep.test.ts). Values are raw query/form text: percent-escapes stay
 * as written, so `%ZZ` reaches the server as an invalid escape and `%C3%28` as invalid UTF-8.
 */

/** One malformed value, raw (already in query-string form). */
export interface BadValue {
  name: string;
  raw: string;
}

const enc = (s: string) => encodeURIComponent(s);
const words = (s: string) => s.split(' ');

export const LONG_300 = 'x'.repeat(300);
export const LONG_70K = 'y'.repeat(70_000);

const v = (name: string, raw: string): BadValue => ({ name, raw });

/** Sent for every parameter, whatever it holds. */
const ANY: BadValue[] = [
  v('empty', ''),
  v('blank', '%20%20'),
  v('long-300', LONG_300),
  v('invalid-escape', '%ZZ'),
  v('invalid-utf8', '%C3%28'),
  v('nul', 'a%00b'),
];
const NUMBER: BadValue[] = [
  v('letters', 'abc'),
  v('negative', '-1'),
  v('huge', '99999999999999999999999'),
  v('NaN', 'NaN'),
  v('fraction', '1.5'),
  v('exponent', '1e400'),
];
const JSON_TEXT: BadValue[] = [
  v('json-broken', enc('{"a":')),
  v('json-array', enc('[1,"x",null]')),
  v('json-nested-null', enc('{"a":{"b":null},"c":[null]}')),
  v('json-string', enc('"str"')),
];
const TEXT: BadValue[] = [
  v('dot-dot', enc('../../etc/passwd')),
  v('letters', 'abc'),
  v('json-broken', enc('{"a":')),
];

/** What a parameter holds decides which malformed values it gets. */
export type ParamKind = 'number' | 'json' | 'text';

export const VALUES_BY_KIND: Readonly<Record<ParamKind, readonly BadValue[]>> = {
  number: [...ANY, ...NUMBER],
  json: [...ANY, ...JSON_TEXT, v('letters', 'abc')],
  text: [...ANY, ...TEXT],
};

/** Every malformed value, for probes that put them all through one parameter. */
export const ALL_VALUES: readonly BadValue[] = [...ANY, ...NUMBER, ...JSON_TEXT, TEXT[0]!];

const NUMERIC = new Set(
  words(
    'pageNo pageSize port weight protectThreshold nid id toNid otherNid udpPort checkPort index cas flags ids Long-Pulling-Timeout',
  ),
);
const JSONISH = new Set(
  words('metadata selector beat instances cloneList healthChecker Listening-Configs filter node-meta'),
);

export function kindOf(param: string): ParamKind {
  if (NUMERIC.has(param)) return 'number';
  if (JSONISH.has(param)) return 'json';
  return 'text';
}

/** Sent once per route in its first parameter: a 70 000-character value. */
export const HUGE_VALUE: BadValue = v('long-70k', LONG_70K);

/** Path segments substituted for `{path}` / `:id` parameters and appended to fixed paths. */
export const BAD_SEGMENTS: readonly BadValue[] = [
  v('dot-dot', '..'),
  v('encoded-dot-dot', '%2e%2e/%2e%2e/x'),
  v('nul', 'a%00b'),
  v('invalid-escape', '%ZZ'),
  v('invalid-utf8', '%C3%28'),
  v('long-300', LONG_300),
  v('long-70k', LONG_70K),
  v('slashes', 'a//b///'),
];

/** Headers sent once each to every route. */
export const BAD_HEADERS: ReadonlyArray<{ name: string; headers: Record<string, string> }> = [
  { name: 'long-poll-letters', headers: { 'Long-Pulling-Timeout': 'abc' } },
  { name: 'long-poll-negative', headers: { 'Long-Pulling-Timeout': '-1' } },
  { name: 'long-poll-exponent', headers: { 'Long-Pulling-Timeout': '1e400' } },
  { name: 'bearer-garbage', headers: { Authorization: 'Bearer a.b.c', 'X-Consul-Token': LONG_300 } },
  { name: 'charset-bogus', headers: { 'Content-Type': 'application/json; charset=bogus' } },
];

/** A request body with its content type. */
export interface BadBody {
  name: string;
  contentType: string;
  body: string | Uint8Array;
}

/** Bodies sent to every route that takes one (POST, PUT, PATCH, DELETE). */
export const BAD_BODIES: readonly BadBody[] = [
  { name: 'json-broken', contentType: 'application/json', body: '{"dataId": "x", ' },
  { name: 'json-array', contentType: 'application/json', body: '[1,2,{"a":null}]' },
  { name: 'json-null', contentType: 'application/json', body: 'null' },
  { name: 'json-string', contentType: 'application/json', body: '"just a string"' },
  { name: 'json-number', contentType: 'application/json', body: '12345' },
  {
    name: 'json-nested-null',
    contentType: 'application/json',
    body: JSON.stringify({
      a: { b: { c: null } },
      dataId: null,
      serviceName: null,
      Name: null,
      ID: null,
      Service: null,
      Check: null,
      Checks: [null],
      Node: null,
      Meta: null,
      Tags: [null],
    }),
  },
  {
    name: 'json-wrong-types',
    contentType: 'application/json',
    body: JSON.stringify({
      Name: 123,
      ID: [],
      Port: 'abc',
      Address: {},
      Tags: 't',
      Meta: [1],
      Check: [],
      Checks: {},
      TTL: 5,
      Weights: 'x',
      Node: 7,
      Service: 's',
      Behavior: 1,
      LockDelay: 'abc',
      dataId: 1,
      group: {},
      port: 'x',
      weight: 'heavy',
    }),
  },
  {
    name: 'json-invalid-utf8',
    contentType: 'application/json',
    body: new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
  },
  { name: 'json-deep', contentType: 'application/json', body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  {
    name: 'form-invalid-escape',
    contentType: 'application/x-www-form-urlencoded',
    body: '%ZZ=%C3%28&dataId=%00&a=%',
  },
  {
    name: 'form-long',
    contentType: 'application/x-www-form-urlencoded',
    body: `content=${LONG_70K}&dataId=${LONG_70K}`,
  },
  { name: 'xml', contentType: 'text/xml', body: '<a><b/></a>' },
  { name: 'multipart-no-boundary', contentType: 'multipart/form-data', body: '--x\r\n\r\nbroken' },
  {
    name: 'multipart-garbage',
    contentType: 'multipart/form-data; boundary=zzz',
    body: '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\nnot a zip\r\n--zzz--\r\n',
  },
  { name: 'binary', contentType: 'application/octet-stream', body: new Uint8Array([0, 255, 254, 0, 1, 2]) },
];

/** Valid values every Nacos route may read; a probe replaces one of them with a bad value. */
export const NACOS_BASELINE: Readonly<Record<string, string>> = {
  dataId: 'sweep.properties',
  group: 'SWEEP_GROUP',
  groupName: 'SWEEP_GROUP',
  content: 'k=v',
  serviceName: 'sweep-svc',
  ip: '10.255.0.1',
  port: '7001',
  username: 'sweep-user',
  password: 'sweep-pass-1',
  role: 'ROLE_SWEEP',
  resource: 'public:SWEEP_GROUP:config/*',
  action: 'rw',
  namespaceId: 'sweep-ns',
  customNamespaceId: 'sweep-ns',
  namespaceName: 'sweep',
  pageNo: '1',
  pageSize: '10',
};

/** Parameters a route reads: its area's common ones plus those its path pattern adds. */
interface ParamTable {
  common: readonly string[];
  extra: ReadonlyArray<[RegExp, readonly string[]]>;
}

const CONFIG_WRITE = words(
  'content type appName desc config_tags configTags betaIps casMd5 encryptedDataKey src_user srcUser schema use effect',
);

const NACOS_TABLES: Readonly<Record<string, ParamTable>> = {
  cs: {
    common: words('dataId group groupName tenant namespaceId tag pageNo pageSize'),
    extra: [
      [
        /\/cs\/configs$/,
        [...CONFIG_WRITE, ...words('search show beta export exportV2 import clone policy ids delType')],
      ],
      [/\/config$/, CONFIG_WRITE],
      [/\/history/, words('nid id toNid otherNid')],
      [/\/(list|searchDetail)$/, words('search appName config_tags configTags configDetail type types')],
      [/\/clone$/, words('cloneList policy targetNamespaceId src_user')],
      [/\/import$/, words('policy src_user')],
      [/\/export2?$/, words('ids exportV2 appName')],
      [/\/batch(Delete)?$/, words('ids delType')],
      [/\/listener/, words('Listening-Configs ip')],
      [/\/(beta|gray)$/, words('betaIps show')],
      [/\/metrics/, words('ip')],
    ],
  },
  ns: {
    common: words('serviceName groupName namespaceId clusterName ip port pageNo pageSize'),
    extra: [
      [
        /\/instance/,
        words(
          'weight enabled healthy ephemeral metadata clusters healthyOnly udpPort app clientIP beat instances consistencyType instanceId cluster',
        ),
      ],
      [
        /\/service/,
        words(
          'protectThreshold selector metadata ephemeral hasIpCount withInstances ignoreEmptyService serviceNameParam groupNameParam',
        ),
      ],
      [/\/cluster$/, words('checkPort healthChecker metadata useInstancePort4Check')],
      [/\/health\//, words('healthy')],
      [/\/switches$/, words('entry value debug')],
      [/\/client/, words('clientId')],
      [/\/catalog\//, words('hasIpCount withInstances serviceNameParam groupNameParam ignoreEmptyService')],
      [/\/metrics$/, words('onlyStatus')],
    ],
  },
  auth: {
    common: words('username password pageNo pageSize search'),
    extra: [
      [/\/(role|permission)/, words('role resource action')],
      [/\/users?$/, words('newPassword')],
    ],
  },
  namespace: {
    common: words('namespaceId customNamespaceId namespaceName namespaceDesc'),
    extra: [[/namespaces?$/, words('namespace namespaceShowName checkNamespaceIdExist show')]],
  },
  core: {
    common: words('pageNo pageSize keyword'),
    extra: [
      [/node\/list$/, words('addresses')],
      [/join$/, words('seed')],
    ],
  },
  other: { common: words('pageNo pageSize namespaceId language'), extra: [] },
};

const CONSUL_TABLE: ParamTable = {
  common: words('dc index wait filter token stale cached pretty'),
  extra: [
    [/^\/v1\/kv\//, words('cas flags acquire release separator keys raw')],
    [/^\/v1\/(health|catalog)\//, words('near node-meta tag passing')],
    [/^\/v1\/agent\//, words('note enable reason replace-existing-checks segment wan')],
    [/^\/v1\/event\//, words('name node service tag')],
    [/^\/v1\/txn$/, words('consistent')],
  ],
};

/** Area of a Nacos path: `cs`, `ns`, `auth`, `namespace`, `core` or `other`. */
export function nacosArea(path: string): string {
  if (/\/cs\//.test(path)) return 'cs';
  if (/\/ns\//.test(path)) return 'ns';
  if (/\/auth\//.test(path)) return 'auth';
  if (/namespace/.test(path)) return 'namespace';
  if (/\/core\//.test(path)) return 'core';
  return 'other';
}

/** Parameters probed one at a time on an operation (OpenAPI path). */
export function paramsFor(path: string, consul: boolean): string[] {
  const table = consul ? CONSUL_TABLE : NACOS_TABLES[nacosArea(path)]!;
  const out = new Set(table.common);
  for (const [re, names] of table.extra) if (re.test(path)) for (const n of names) out.add(n);
  return [...out];
}

const json = (name: string, value: unknown): BadBody => ({
  name,
  contentType: 'application/json',
  body: JSON.stringify(value),
});

/**
 * Consul bodies that parse as JSON but hold wrong values deeper down: sent to every Consul write
 * route (each route ignores the fields it does not read).
 */
export const CONSUL_BODIES: readonly BadBody[] = [
  json('port-negative', { Name: 'sweep', Port: -1 }),
  json('port-huge', { Name: 'sweep', Port: 99_999_999_999 }),
  json('port-string', { Name: 'sweep', Port: 'abc' }),
  json('name-long', { Name: LONG_300, ID: LONG_300 }),
  json('check-ttl-letters', { Name: 'sweep', Check: { TTL: 'abc' }, Checks: [{ TTL: '1e400s' }] }),
  json('check-interval-negative', { Name: 'sweep', Check: { HTTP: 'http://127.0.0.1:1', Interval: '-5s' } }),
  json('check-null-fields', { Name: 'sweep', Check: { CheckID: null, TTL: null, Status: null } }),
  json('weights-wrong', { Name: 'sweep', Weights: { Passing: -1, Warning: 'x' } }),
  json('meta-nested', { Name: 'sweep', Meta: { k: { nested: 1 } }, NodeMeta: [1] }),
  json('tags-mixed', { Name: 'sweep', Tags: [1, null, {}] }),
  json('connect-null', { Name: 'sweep', Connect: { SidecarService: null }, Proxy: 'x' }),
  json('catalog-service-port', {
    Node: 'sweep-node',
    Address: '10.0.0.9',
    Service: { Service: 'sweep', Port: 'abc', Tags: 'x' },
  }),
  json('catalog-check-status', {
    Node: 'sweep-node',
    Address: '10.0.0.9',
    Check: { Status: 'bogus', CheckID: 7 },
  }),
  json('catalog-empty-node', { Node: '', Address: '' }),
  json('catalog-checks-null', { Node: 'sweep-node', Address: '10.0.0.9', Checks: [null, 1] }),
  json('session-ttl-letters', { TTL: 'abc', LockDelay: 'abc' }),
  json('session-ttl-short', { TTL: '1s', Behavior: 'explode' }),
  json('session-checks-wrong', { NodeChecks: [1, null], ServiceChecks: [{ ID: null }, 5] }),
  json('check-update', { Status: 'bogus', Output: 123 }),
];

/** `/v1/txn` bodies: an op list of the right outer shape with wrong values inside. */
export const TXN_BODIES: readonly BadBody[] = [
  json('txn-flags-letters', [{ KV: { Verb: 'set', Key: 'sweep/k', Flags: 'abc' } }]),
  json('txn-flags-fraction', [{ KV: { Verb: 'set', Key: 'sweep/k', Flags: 1.5 } }]),
  json('txn-flags-negative', [{ KV: { Verb: 'set', Key: 'sweep/k', Flags: -1 } }]),
  json('txn-value-not-base64', [{ KV: { Verb: 'set', Key: 'sweep/k', Value: '%%%not base64' } }]),
  json('txn-index-letters', [{ KV: { Verb: 'cas', Key: 'sweep/k', Index: 'abc' } }]),
  json('txn-key-number', [{ KV: { Verb: 'get', Key: 123 } }]),
  json('txn-kv-null', [{ KV: null }, null, 7, 'x']),
  json('txn-verb-unknown', [{ KV: { Verb: 'explode', Key: 'sweep/k' } }]),
  json('txn-service-port', [
    { Service: { Verb: 'set', Node: 'sweep-node', Service: { Service: 's', Port: 'x' } } },
  ]),
  json('txn-node-null', [{ Node: { Verb: 'set', Node: { Node: null, Address: 5 } } }]),
  json('txn-check-null', [{ Check: { Verb: 'set', Check: null } }]),
  json(
    'txn-too-many',
    Array.from({ length: 65 }, () => ({ KV: { Verb: 'get', Key: 'sweep/k' } })),
  ),
];

/**
 * Parameters that switch a multiplexed route into another branch (`/v1/cs/configs?search=blur`,
 * `/v1/kv/x?recurse`): the per-parameter probes run once more in each mode.
 */
const MODES: ReadonlyArray<{ method: string; path: RegExp; modes: string[] }> = [
  {
    method: 'GET',
    path: /\/v1\/cs\/configs$/,
    modes: ['search=accurate', 'search=blur', 'show=all', 'beta=true', 'export=true', 'exportV2=true'],
  },
  { method: 'POST', path: /\/v1\/cs\/configs$/, modes: ['import=true', 'clone=true'] },
  { method: 'DELETE', path: /\/v1\/cs\/configs$/, modes: ['delType=ids', 'beta=true'] },
  { method: 'GET', path: /^\/v1\/kv\//, modes: ['recurse=', 'keys='] },
  { method: 'GET', path: /^\/v1\/agent\/health\/service\//, modes: ['format=text'] },
];

/** The modes of an operation as parameter maps; `{}` (no mode) always comes first. */
export function modesOf(method: string, path: string): Array<Record<string, string>> {
  const extra = MODES.filter((m) => m.method === method && m.path.test(path)).flatMap((m) => m.modes);
  return [{}, ...extra.map((m) => Object.fromEntries([m.split('=') as [string, string]]))];
}
