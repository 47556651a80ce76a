import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { runBinary } from './binary';
import { createTestDatabase, MYSQL_SERVER_URL } from './mysql';
import { createNetns, type Netns, tcpForward } from './netns';
import { freePort } from './ports';
import { BINARY } from './server';

type Ports = { main: number; sdk: number; cluster: number; console: number };

/** One node of a test cluster: a compiled-binary process, possibly inside its own network namespace. */
export interface ClusterTestNode {
  name: string;
  /** Member address `<ip>:<main port>`. */
  address: string;
  ip: string;
  /** `http://<ip>:<main>/nacos` */
  nacos: string;
  confPath: string;
  ports: Ports;
  dataDir: string;
  netns?: Netns;
  proc?: Subprocess;
  output(): string;
  /** SIGKILL (kill -9) and wait. */
  kill9(): Promise<void>;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
}

export interface TestCluster {
  dbUrl: string;
  nodes: ClusterTestNode[];
  /** Spawns (or respawns, same ports and cluster.conf) a node and waits until it is live. */
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
export async function freeClusterPorts(): Promise<Ports> {
  for (let i = 0; i < 200; i++) {
    const main = 20000 + Math.floor(Math.random() * 30000);
    if ((await canBind(main)) && (await canBind(main + 1000)) && (await canBind(main + 1001)))
      return { main, sdk: main + 1000, cluster: main + 1001, console: await freePort() };
  }
  throw new Error('no free port triple found');
}

export interface ClusterOptions {
  /** Extra `--set key=value` for every node. */
  settings?: Record<string, string>;
  /**
   * Put the LAST node in its own network namespace (for partition tests): the other nodes then
   * advertise the host end of the veth link, and the database is forwarded into the namespace.
   */
  partitionable?: boolean;
}

/**
 * Starts `n` compiled-binary nodes sharing one freshly created and migrated MariaDB database,
 * each with its own data dir and `cluster.conf` listing every node (lookup type `file`), with
 * fast member reports (250 ms) so state changes show quickly.
 */
export async function startCluster(n: number, opts: ClusterOptions = {}): Promise<TestCluster> {
  const db = await createTestDatabase('batata_cluster');
  const mig = await runBinary(['db', 'migrate', '--db-url', db.url]);
  if (mig.code !== 0) throw new Error(`db migrate failed: ${mig.stderr}`);
  const cleanups: Array<() => unknown> = [];
  const netns = opts.partitionable ? createNetns() : undefined;
  if (netns) cleanups.push(() => netns.destroy());
  let nsDbUrl = '';
  if (netns) {
    const u = new URL(MYSQL_SERVER_URL);
    const fwd = await tcpForward(netns.hostIp, u.hostname, Number(u.port || 3306));
    cleanups.push(() => fwd.close());
    nsDbUrl = db.url.replace(`${u.hostname}:${u.port || 3306}`, `${netns.hostIp}:${fwd.port}`);
    if (nsDbUrl === db.url) throw new Error(`cannot rewrite ${db.url} for the namespace`);
  }
  const hostIp = netns ? netns.hostIp : '127.0.0.1';

  const nodes: ClusterTestNode[] = [];
  const buffers = new WeakMap<ClusterTestNode, { out: string }>();
  const mkNode = async (name: string, inNs?: Netns): Promise<ClusterTestNode> => {
    const ports = await freeClusterPorts();
    const dataDir = mkdtempSync(join(tmpdir(), `batata-cl-${name}-`));
    const ip = inNs ? inNs.nsIp : hostIp;
    const buf = { out: '' };
    const node: ClusterTestNode = {
      name,
      ip,
      address: `${ip}:${ports.main}`,
      nacos: `http://${ip}:${ports.main}/nacos`,
      confPath: join(dataDir, 'cluster.conf'),
      ports,
      dataDir,
      netns: inNs,
      output: () => buf.out,
      async kill9() {
        node.proc?.kill(9);
        await node.proc?.exited;
      },
      async stop() {
        node.proc?.kill('SIGTERM');
        return (await node.proc?.exited) ?? 0;
      },
    };
    buffers.set(node, buf);
    return node;
  };
  for (let i = 0; i < n; i++)
    nodes.push(await mkNode(String.fromCharCode(65 + i), i === n - 1 ? netns : undefined));
  const all = nodes.map((x) => x.address).join('\n');
  for (const x of nodes) writeFileSync(x.confPath, `# test cluster\n${all}\n`);

  const identityValue = `id-${crypto.randomUUID()}`;
  const running = new Set<ClusterTestNode>();
  const start = async (node: ClusterTestNode) => {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`bun run build\` first`);
    const sets: Record<string, string> = {
      'nacos.server.bind-address': node.ip,
      'nacos.server.ip': node.ip,
      'nacos.console.port': String(node.ports.console),
      'cluster.member.lookup.type': 'file',
      'nacos.core.auth.server.identity.key': 'X-Batata-Member',
      'nacos.core.auth.server.identity.value': identityValue,
      'cluster.conf.file': node.confPath,
      'cluster.member.report-interval-ms': '250',
      'cluster.sync.reconcile-interval-ms': '2000',
      'cluster.rpc.timeout-ms': '1000',
      // Every server is its own Consul node (all test nodes share one host name).
      'consul.node-name': `batata-${node.name.toLowerCase()}`,
      'log.dir': '',
      ...opts.settings,
    };
    const argv = [
      ...(node.netns?.exec ?? []),
      BINARY,
      'serve',
      '--port',
      String(node.ports.main),
      '--data-dir',
      node.dataDir,
      '--db-url',
      node.netns ? nsDbUrl : db.url,
      ...Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    ];
    const proc = Bun.spawn(argv, {
      cwd: mkdtempSync(join(tmpdir(), 'batata-cwd-')),
      env: { PATH: process.env.PATH ?? '', BATATA_LOG: 'warn' },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    node.proc = proc;
    const buf = buffers.get(node)!;
    for (const s of [proc.stdout, proc.stderr] as ReadableStream<Uint8Array>[])
      void (async () => {
        const dec = new TextDecoder();
        for await (const chunk of s) buf.out += dec.decode(chunk);
      })();
    running.add(node);
    void proc.exited.then(() => running.delete(node));
    await waitUntil(
      async () => {
        if (proc.exitCode !== null)
          throw new Error(`node ${node.name} exited ${proc.exitCode}: ${node.output()}`);
        return (await fetch(`${node.nacos}/v1/console/health/liveness`)).status === 200;
      },
      15_000,
      `node ${node.name} live`,
    );
    return node;
  };
  try {
    await Promise.all(nodes.map(start));
  } catch (e) {
    await Promise.all([...running].map((x) => x.kill9()));
    for (const c of cleanups.reverse()) await c();
    await db.drop();
    throw e;
  }
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
      await Promise.all([...running].map((x) => x.kill9()));
      for (const c of cleanups.reverse()) await c();
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
      if (String(e).includes(' exited ')) throw e;
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await Bun.sleep(20);
  }
}
