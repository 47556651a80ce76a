import type { CheckEntry, CheckStatus } from './catalog-model';
import type { ServiceDef } from './catalog-service';
import { decodeCheck, isEmptyCheck } from './check-def';
import { badRequest } from './consul-errors';
import { field } from './consul-http';
import { goTypeError } from './go-json';

/** A Go `string` field: JSON null is '', any other non-string is Go's decode error (400). */
export const goString = (v: unknown, path: string, struct = ''): string => {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string')
    throw badRequest(`Request decode failed: ${goTypeError(v, 'string', { struct, path })}`);
  return v;
};

/** A Go `[]string` field (null items are ''). */
export const strList = (v: unknown, path: string, struct = ''): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw badRequest(`Request decode failed: ${goTypeError(v, '[]string', { struct, path })}`);
  return v.map((x) => goString(x, path, struct));
};

/** A Go `map[string]string` field (null values are ''). */
export const strMap = (v: unknown, path: string, struct = ''): Record<string, string> => {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw badRequest(`Request decode failed: ${goTypeError(v, 'map[string]string', { struct, path })}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = goString(x, path, struct);
  return out;
};

/** Decodes an AgentServiceRegistration / catalog NodeService (lenient casing, §1.2). */
export function decodeService(body: unknown, nameKeys: string[], withChecks: boolean): ServiceDef {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw badRequest(
      'Request decode failed: json: cannot unmarshal into Go value of type structs.ServiceDefinition',
    );
  const name = field(body, ...nameKeys);
  if (name !== undefined && typeof name !== 'string')
    throw badRequest(`Request decode failed: ${goTypeError(name, 'string', { struct: '', path: 'Name' })}`);
  if (!name) throw badRequest('Missing service name');
  const address = goString(field(body, 'Address'), 'Address');
  if (address === '0.0.0.0' || address === '::' || address === '[::]')
    throw badRequest('Invalid service address');
  const port = field(body, 'Port') ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw badRequest(
      `Request decode failed: json: cannot unmarshal ${typeof port} into Go struct field .Port of type int`,
    );
  const meta = strMap(field(body, 'Meta'), 'Meta');
  for (const k of Object.keys(meta)) {
    if (k.startsWith('consul-'))
      throw badRequest(`Invalid Service Meta: Key prefix 'consul-' is reserved for internal use`);
    if (!/^[A-Za-z0-9_-]+$/.test(k) || k.length > 128)
      throw badRequest(`Invalid Service Meta: Key contains invalid characters`);
  }
  let weights: ServiceDef['weights'];
  const w = field(body, 'Weights');
  if (w !== undefined) {
    const passing = Number(field(w, 'Passing') ?? 1);
    const warning = Number(field(w, 'Warning') ?? 1);
    if (!(passing >= 1) || passing > 65535)
      throw badRequest('Invalid Weights: Passing must be greater than 0');
    if (!(warning >= 0) || warning > 65535)
      throw badRequest('Invalid Weights: Warning must be greater or equal than 0');
    weights = { Passing: passing, Warning: warning };
  }
  const checks = [];
  if (withChecks) {
    const statusError = (s: string) => `Status for checks must 'passing', 'warning', 'critical': ${s}`;
    const one = field(body, 'Check');
    if (one !== undefined && !isEmptyCheck(one)) checks.push(decodeCheck(one, statusError));
    const many = field(body, 'Checks');
    if (many !== undefined) {
      if (!Array.isArray(many)) throw badRequest('Request decode failed: Checks must be an array');
      for (const c of many) if (!isEmptyCheck(c)) checks.push(decodeCheck(c, statusError));
    }
  }
  const tagged = field(body, 'TaggedAddresses');
  return {
    id: goString(field(body, 'ID'), 'ID') || name,
    name,
    tags: strList(field(body, 'Tags'), 'Tags'),
    address,
    port,
    meta,
    kind: goString(field(body, 'Kind'), 'Kind'),
    taggedAddresses:
      tagged && typeof tagged === 'object' && Object.keys(tagged).length
        ? (Object.fromEntries(
            Object.entries(tagged).map(([k, v]) => [
              k,
              { Address: String(field(v, 'Address') ?? ''), Port: Number(field(v, 'Port') ?? 0) },
            ]),
          ) as ServiceDef['taggedAddresses'])
        : undefined,
    weights,
    enableTagOverride: field(body, 'EnableTagOverride') === true,
    checks,
  };
}

/** Catalog check (`HealthCheck` with `Definition`): stored as given, never run. */
export function decodeCatalogCheck(o: unknown, node: string, path: 'Check' | 'Checks' = 'Check'): CheckEntry {
  // Go names the field by its path from the RegisterRequest root: HealthCheck.Check.Notes.
  const text = (...names: string[]) => goString(field(o, ...names), `${path}.${names[0]}`, 'HealthCheck');
  const def = field(o, 'Definition') ?? {};
  const status = text('Status') || 'critical';
  if (!['passing', 'warning', 'critical'].includes(status))
    throw badRequest(`Status for checks must 'passing', 'warning', 'critical': ${status}`);
  const name = text('Name');
  const d = isEmptyCheck(def)
    ? undefined
    : (() => {
        try {
          return decodeCheck(def, (s) => s);
        } catch {
          return undefined;
        }
      })();
  return {
    node,
    checkId: text('CheckID', 'ID') || name,
    name,
    status: status as CheckStatus,
    notes: text('Notes'),
    output: text('Output'),
    serviceId: text('ServiceID'),
    serviceName: '',
    serviceTags: [],
    type: d?.type === 'ttl' ? '' : (d?.type ?? ''),
    interval: d?.interval ?? '',
    timeout: d?.timeout ?? '',
    deregisterCriticalServiceAfter: d?.deregisterCriticalServiceAfter ?? '',
    ttl: '',
    spec: d?.spec ?? { ttlMs: 0, intervalMs: 0, timeoutMs: 0, deregisterAfterMs: 0 },
    source: 'catalog',
  };
}
