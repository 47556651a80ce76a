import { WatchSet } from '../state';
import { decodeCatalogCheck, decodeService, strMap } from './catalog-decode';
import { healthCheckJson, type NodeEntry, nodeJson, nodeServiceJson } from './catalog-model';
import type { CatalogService } from './catalog-service';
import type { CatalogTx, Indexed } from './catalog-tx';
import { field } from './consul-http';
import type { ConsulTx } from './consul-tx';
import type { TxnExtension } from './kv-routes';

type Outcome = { what?: string; result?: unknown };
type Op = Record<string, unknown>;

const str = (o: unknown, ...names: string[]) => {
  const v = field(o, ...names);
  return v === undefined ? '' : String(v);
};
const index = (o: unknown) => Number(field(o, 'ModifyIndex') ?? 0) || 0;

/** Which catalog object a txn op names, its verb, and the service name it touches (for ACLs). */
export function catalogOpTarget(op: Op): {
  kind: 'Node' | 'Service' | 'Check' | '';
  verb: string;
  service?: string;
} {
  const n = field(op, 'Node');
  const s = field(op, 'Service');
  const c = field(op, 'Check');
  if (n) return { kind: 'Node', verb: str(n, 'Verb') };
  if (s) {
    const svc = field(s, 'Service');
    return { kind: 'Service', verb: str(s, 'Verb'), service: str(svc, 'Service') || undefined };
  }
  if (c)
    return {
      kind: 'Check',
      verb: str(c, 'Verb'),
      service: str(field(c, 'Check'), 'ServiceName') || undefined,
    };
  return { kind: '', verb: '' };
}

/**
 * Node/Service/Check ops of `PUT /v1/txn` (spec §7; Consul `agent/consul/state/txn.go`), evaluated
 * on the catalog part of the same ConsulTx as the KV ops: every write of the transaction is
 * stored in one storage commit and applied at one index, or none is. Write verbs return the
 * object as written; `get` misses, CAS mismatches and catalog rule violations are op errors with
 * Consul's texts.
 */
export function catalogTxnOps(cat: CatalogService): TxnExtension {
  return {
    describe(op: Op) {
      const t = catalogOpTarget(op);
      const write = t.verb !== 'get';
      return { write, decl: write ? SVC_W : SVC_R, name: t.service };
    },
    apply(op: Op, tx: ConsulTx): Outcome {
      const { kind } = catalogOpTarget(op);
      if (!kind) return { what: 'no operation specified' };
      const c = cat.stage(tx);
      try {
        if (kind === 'Node') return nodeOp(c, field(op, 'Node'), cat.opts.datacenter);
        if (kind === 'Service') return serviceOp(c, field(op, 'Service'));
        return checkOp(c, cat, field(op, 'Check'));
      } catch (e) {
        return { what: e instanceof Error ? e.message : String(e) };
      }
    },
  };
}

const SVC_R = { resource: 'consul-service', action: 'r' } as const;
const SVC_W = { resource: 'consul-service', action: 'w' } as const;

const nodeResult = (r: Indexed<NodeEntry>): Outcome => ({
  result: { Node: nodeJson(r.value, r.createIndex, r.modifyIndex) },
});

function nodeOp(c: CatalogTx, body: unknown, datacenter: string): Outcome {
  const verb = str(body, 'Verb');
  const n = field(body, 'Node') ?? {};
  const name = str(n, 'Node');
  const mi = index(n);
  const entry = (): NodeEntry => {
    if (!name) throw new Error('Must provide node');
    return {
      id: str(n, 'ID'),
      node: name,
      address: str(n, 'Address'),
      datacenter: str(n, 'Datacenter') || datacenter,
      taggedAddresses: strMap(field(n, 'TaggedAddresses'), 'TaggedAddresses'),
      meta: strMap(field(n, 'Meta'), 'Meta'),
    };
  };
  if (verb === 'get') {
    const id = str(n, 'ID');
    const r = id ? c.nodeById(id) : c.node(name);
    return r ? nodeResult(r) : { what: `node "${name}" doesn't exist` };
  }
  return writeVerb(verb, 'Node', mi, {
    what: `node "${name}"`,
    current: () => c.node(name),
    set: () => nodeResult(c.setNode(entry())),
    remove: () => c.deleteNode(name),
  });
}

function serviceOp(c: CatalogTx, body: unknown): Outcome {
  const verb = str(body, 'Verb');
  const node = str(body, 'Node');
  const s = field(body, 'Service') ?? {};
  const id = str(s, 'ID');
  const mi = index(s);
  const set = () => {
    const def = decodeServiceForTxn(s, node);
    return { result: { Service: nodeServiceJson(c.setService(node, def)) } };
  };
  if (verb === 'get') {
    const v = c.service(node, id);
    return v
      ? { result: { Service: nodeServiceJson(v) } }
      : { what: `service "${id}" on node "${node}" doesn't exist` };
  }
  // compat(consul): a cas names the service by ID, else by its name; a delete only by ID.
  const casId = id || str(s, 'Service');
  return writeVerb(verb, 'Service', mi, {
    what: `service "${id}" on node "${node}"`,
    casWhat: `service "${casId}" on node "${node}"`,
    current: (forCas) => c.service(node, forCas ? casId : id),
    set,
    remove: () => c.deleteService(node, id),
  });
}

/** The AgentService of a Service op; Consul words its metadata errors with the node and ID. */
function decodeServiceForTxn(s: unknown, node: string) {
  try {
    return decodeService(s, ['Service'], false);
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    if (m.startsWith('Invalid Service Meta: '))
      throw new Error(
        `Invalid Service Meta for node ${node} and serviceID ${str(s, 'ID')}: ${m.slice('Invalid Service Meta: '.length)}`,
      );
    throw e;
  }
}

function checkOp(c: CatalogTx, cat: CatalogService, body: unknown): Outcome {
  const verb = str(body, 'Verb');
  const chk = field(body, 'Check') ?? {};
  const node = str(chk, 'Node');
  // compat(consul): checkPreApply — the check ID defaults to its name.
  const id = str(chk, 'CheckID') || str(chk, 'Name');
  const mi = index(chk);
  const result = (r: Indexed<import('./catalog-model').CheckEntry>): Outcome => ({
    result: { Check: healthCheckJson(r.value, r.createIndex, r.modifyIndex) },
  });
  const set = () => result(c.setCheck({ ...decodeCatalogCheck(chk, node), checkId: id }));
  if (verb === 'get') {
    const r = c.check(node, id);
    if (r) return result(r);
    // serfHealth and the checks Nacos instances show are synthetic (never stored).
    const synthetic = cat.allChecks(new WatchSet(), node).value.find((x) => x.c.checkId === id);
    if (synthetic)
      return result({ value: synthetic.c, createIndex: synthetic.ci, modifyIndex: synthetic.mi });
    return { what: `check "${id}" on node "${node}" doesn't exist` };
  }
  return writeVerb(verb, 'Check', mi, {
    what: `check "${id}" on node "${node}"`,
    current: () => c.check(node, id),
    set,
    remove: () => c.deleteCheck(node, id),
  });
}

/**
 * The write verbs Node, Service and Check ops share (Consul `txn.go`): `set`; `cas` (index 0 =
 * only if absent, else only at that ModifyIndex); `delete`; `delete-cas` (only at that index).
 */
function writeVerb(
  verb: string,
  kind: 'Node' | 'Service' | 'Check',
  mi: number,
  o: {
    what: string;
    casWhat?: string;
    current: (forCas: boolean) => { modifyIndex: number } | undefined;
    set: () => Outcome;
    remove: () => void;
  },
): Outcome {
  switch (verb) {
    case 'set':
      return o.set();
    case 'cas': {
      const cur = o.current(true);
      if (mi === 0 ? cur : !cur || cur.modifyIndex !== mi)
        return { what: `failed to set ${o.casWhat ?? o.what}, index is stale` };
      return o.set();
    }
    case 'delete':
      o.remove();
      return {};
    case 'delete-cas': {
      const cur = o.current(false);
      if (!cur || cur.modifyIndex !== mi) return { what: `failed to delete ${o.what}, index is stale` };
      o.remove();
      return {};
    }
    default:
      return { what: `unknown ${kind} verb "${verb}"` };
  }
}
