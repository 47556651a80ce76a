import type { CheckEntry, CheckStatus } from './catalog-model';
import type { ServiceDef } from './catalog-service';
import { decodeCheck, isEmptyCheck } from './check-def';
import { badRequest } from './consul-errors';
import { field } from './consul-http';

export const strList = (v: unknown, what: string): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw badRequest(`Request decode failed: ${what} must be an array`);
  return v.map(String);
};

export const strMap = (v: unknown, what: string): Record<string, string> => {
  if (v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw badRequest(`Request decode failed: ${what} must be an object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = String(x ?? '');
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
    throw badRequest(
      'Request decode failed: json: cannot unmarshal number into Go struct field .Name of type string',
    );
  if (!name) throw badRequest('Missing service name');
  const address = String(field(body, 'Address') ?? '');
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
    id: String(field(body, 'ID') || name),
    name,
    tags: strList(field(body, 'Tags'), 'Tags'),
    address,
    port,
    meta,
    kind: String(field(body, 'Kind') ?? ''),
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
export function decodeCatalogCheck(o: unknown, node: string): CheckEntry {
  const def = field(o, 'Definition') ?? {};
  const status = String(field(o, 'Status') || 'critical');
  if (!['passing', 'warning', 'critical'].includes(status))
    throw badRequest(`Status for checks must 'passing', 'warning', 'critical': ${status}`);
  const name = String(field(o, 'Name') ?? '');
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
    checkId: String(field(o, 'CheckID', 'ID') || name),
    name,
    status: status as CheckStatus,
    notes: String(field(o, 'Notes') ?? ''),
    output: String(field(o, 'Output') ?? ''),
    serviceId: String(field(o, 'ServiceID') ?? ''),
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
