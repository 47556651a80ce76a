import { execFileSync } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';

/**
 * A network namespace joined to the host by a veth pair (host side `hostIp`, namespace side
 * `nsIp`, a /24 of 10.231.x). `down()` cuts the link (a network partition), `up()` heals it.
 * Needs root (CAP_NET_ADMIN); only the test's own namespace and link are touched.
 */
export interface Netns {
  name: string;
  hostIp: string;
  nsIp: string;
  /** argv prefix that runs a command inside the namespace. */
  exec: string[];
  down(): void;
  up(): void;
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

/** Whether this process may create network namespaces. */
export function netnsAvailable(): boolean {
  const probe = `btprobe${process.pid % 10000}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return true;
  } catch {
    return false;
  }
}

export function createNetns(): Netns {
  const id = Math.floor(Math.random() * 250) + 1;
  const name = `batata_t${id}`;
  const hostDev = `btv${id}h`;
  const nsDev = `btv${id}n`;
  const hostIp = `10.231.${id}.1`;
  const nsIp = `10.231.${id}.2`;
  try {
    ip('netns', 'del', name);
  } catch {}
  try {
    ip('link', 'del', hostDev);
  } catch {}
  ip('netns', 'add', name);
  ip('link', 'add', hostDev, 'type', 'veth', 'peer', 'name', nsDev);
  ip('link', 'set', nsDev, 'netns', name);
  ip('addr', 'add', `${hostIp}/24`, 'dev', hostDev);
  ip('link', 'set', hostDev, 'up');
  const inNs = (...a: string[]) => ip('netns', 'exec', name, 'ip', ...a);
  inNs('addr', 'add', `${nsIp}/24`, 'dev', nsDev);
  inNs('link', 'set', nsDev, 'up');
  inNs('link', 'set', 'lo', 'up');
  return {
    name,
    hostIp,
    nsIp,
    exec: ['ip', 'netns', 'exec', name],
    down: () => ip('link', 'set', hostDev, 'down'),
    up: () => ip('link', 'set', hostDev, 'up'),
    destroy() {
      try {
        ip('link', 'del', hostDev);
      } catch {}
      try {
        ip('netns', 'del', name);
      } catch {}
    },
  };
}

/** Forwards TCP connections from `listenHost:listenPort` to `targetHost:targetPort` (e.g. MariaDB into a namespace). */
export async function tcpForward(
  listenHost: string,
  targetHost: string,
  targetPort: number,
): Promise<{ port: number; close(): void }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, listenHost, r));
  return {
    port: (server.address() as { port: number }).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
