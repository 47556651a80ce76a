import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BinaryServer, runBinary, spawnBinary } from './binary';
import { createTestDatabase } from './mysql';
import { freePort } from './ports';

/** One node of a test cluster (a compiled binary process). */
export interface ClusterTestNode {
  name: string;
  /** Member address `127.0.0.1:<main port>`. */
  address: string;
  confPath: string;
  proc: BinaryServer;
  ports: BinaryServer['ports'];
  dataDir: string;
}

export interface TestCluster {
  dbUrl: string;
  nodes: ClusterTestNode[];
  /** Spawns (or respawns, same ports and cluster.conf) a node. */
  start(node: ClusterTestNode): Promise<ClusterTestNode>;
  /** A node on new ports whose cluster.conf lists only itself (for `cluster join`). */
  addNode(name: string): Promise<ClusterTestNode>;
  stop(): Promise<void>;
}

async function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A main port p such that p, p+1000 (SDK gRPC) and p+1001 (cluster gRPC) are all free. */
export async function freeClusterPorts(): Promise<BinaryServer['ports']> {
  for (let i = 0; i < 200; i++) {
    const main = 20000 + Math.floor(Math.random() * 30000);
    if ((await canBind(main)) && (await canBind(main + 1000)) && (await canBind(main + 1001)))
      return { main, sdk: main + 1000, cluster: main + 1001, console: await freePort() };
  }
  throw new Error('no free port triple found');
}

/**
 * Starts `n` compiled-binary nodes on loopback sharing one freshly created and migrated MariaDB
 * database, each with its own data dir and `cluster.conf` listing every node. `settings` are
 * extra `--set` values for every node.
 */
export async function startCluster(n: number, settings: Record<string, string> = {}): Promise<TestCluster> {
  const db = await createTestDatabase('batata_cluster');
  const mig = await runBinary(['db', 'migrate', '--db-url', db.url]);
  if (mig.code !== 0) throw new Error(`db migrate failed: ${mig.stderr}`);
  const nodes: ClusterTestNode[] = [];
  const mkNode = async (name: string): Promise<ClusterTestNode> => {
    const ports = await freeClusterPorts();
    const dataDir = mkdtempSync(join(tmpdir(), `batata-cl-${name}-`));
    return {
      name,
      address: `127.0.0.1:${ports.main}`,
      confPath: join(dataDir, 'cluster.conf'),
      ports,
      dataDir,
      proc: undefined as unknown as BinaryServer,
    };
  };
  for (let i = 0; i < n; i++) nodes.push(await mkNode(String.fromCharCode(65 + i)));
  const all = nodes.map((x) => x.address).join('\n');
  for (const x of nodes) writeFileSync(x.confPath, `# test cluster\n${all}\n`);

  const running = new Set<ClusterTestNode>();
  const start = async (node: ClusterTestNode) => {
    const args = [
      '--db-url',
      db.url,
      '--set',
      'cluster.member.lookup.type=file',
      '--set',
      `cluster.conf.file=${node.confPath}`,
      '--set',
      'cluster.member.report-interval-ms=250',
      '--set',
      'cluster.sync.reconcile-interval-ms=2000',
      '--set',
      'cluster.rpc.timeout-ms=1000',
    ];
    for (const [k, v] of Object.entries(settings)) args.push('--set', `${k}=${v}`);
    node.proc = await spawnBinary({ args, dataDir: node.dataDir, ports: node.ports });
    running.add(node);
    node.proc.proc.exited.then(() => running.delete(node));
    return node;
  };
  await Promise.all(nodes.map(start));
  return {
    dbUrl: db.url,
    nodes,
    start,
    async addNode(name) {
      const node = await mkNode(name);
      writeFileSync(node.confPath, `${node.address}\n`);
      nodes.push(node);
      return start(node);
    },
    async stop() {
      await Promise.all([...running].map((x) => x.proc.kill9()));
      await db.drop();
    },
  };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the elapsed ms. */
export async function waitUntil(
  fn: () => Promise<unknown>,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      if (await fn()) return Date.now() - t0;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await Bun.sleep(20);
  }
}
