import { FakeClock } from '../core/clock';
import { LevelFilter, Log, MemorySink } from '../core/log';
import { NamingService } from '../naming';
import { FakeNamingRepo } from '../naming/fake-naming-repo';
import { StateStore } from '../state';
import type { NodeEntry } from './catalog-model';
import { CatalogService, type ServiceDef } from './catalog-service';
import { catalogTxnOps } from './catalog-txn-ops';
import { ConsulStore } from './consul-store';
import { LockDelays } from './consul-tx';
import { FakeConsulRepo } from './fake-consul-repo';
import { KvService } from './kv-service';

/**
 * One Batata server's Consul state for unit tests: naming, store, catalog and KV over `repo`,
 * wired as the Consul module wires them. Several nodes may share one repo (a cluster); a restart
 * is a new node on the same repo. `boot()` loads storage and stores this server's node entry.
 */
export function fakeConsulNode(
  repo = new FakeConsulRepo(),
  name = 'n1',
  opts: { soleServer?: boolean } = {},
) {
  const clock = new FakeClock();
  const state = new StateStore();
  const log = new Log({ filter: new LevelFilter('error'), sinks: [new MemorySink()] });
  const naming = new NamingService(state, new FakeNamingRepo(), clock, log);
  const store = new ConsulStore(state, repo);
  /** Session-invalidation hooks called: `node/checkId` for checks, `node` for removed nodes. */
  const failed: string[] = [];
  const cat = new CatalogService(
    state,
    () => naming,
    clock,
    log,
    {
      namespaceId: 'public',
      group: 'DEFAULT_GROUP',
      datacenter: 'dc1',
      local: {
        id: `id-${name}`,
        node: name,
        address: name === 'n1' ? '10.0.0.9' : `10.0.0.${name.length + 10}`,
        datacenter: 'dc1',
        taggedAddresses: {},
        meta: {},
      },
      serverPort: 8500,
      soleServer: opts.soleServer,
    },
    { checkFailed: (n, id) => failed.push(`${n}/${id}`), nodeRemoved: (n) => failed.push(n) },
    store,
    repo,
  );
  store.attachCatalog((tx) => cat.stage(tx));
  const boot = async () => {
    await store.load();
    await cat.start();
  };
  const kv = new KvService(state, store, new LockDelays(clock));
  const ops = catalogTxnOps(cat);
  /** A txn of catalog ops (raw Node/Service/Check bodies) and KV sets (`{ KV: { Key } }`). */
  const txn = (raw: Array<Record<string, unknown>>) =>
    kv.txn(
      raw.map((o) =>
        o.KV
          ? {
              verb: 'set',
              key: String((o.KV as { Key: unknown }).Key),
              value: null,
              flags: 0n,
              index: 0,
              session: '',
            }
          : null,
      ),
      (tx, i) => ops.apply(raw[i]!, tx).what,
    );
  const pay = () =>
    naming.instances({ namespaceId: 'public', groupName: 'DEFAULT_GROUP', serviceName: 'pay' });
  /** Stored catalog rows other than the servers' node entries (named n…). */
  const rows = () => repo.catalogRows().filter((r) => !(r.kind === 'node' && r.node.startsWith('n')));
  return { clock, state, naming, cat, kv, repo, store, txn, pay, boot, rows, failed };
}

export type FakeConsulNode = ReturnType<typeof fakeConsulNode>;

/** A catalog node of another host, for catalog tests. */
export const EXT_NODE: NodeEntry = {
  id: '',
  node: 'ext',
  address: '10.1.1.1',
  datacenter: 'dc1',
  taggedAddresses: {},
  meta: { rack: 'r1' },
};

/** The service `pay-1` (name `pay`, port 9000) with the given fields changed. */
export const payService = (over: Partial<ServiceDef> = {}): ServiceDef => ({
  id: 'pay-1',
  name: 'pay',
  tags: ['a'],
  address: '',
  port: 9000,
  meta: {},
  kind: '',
  enableTagOverride: false,
  checks: [],
  ...over,
});
