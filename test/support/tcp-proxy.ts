import type { Socket, TCPSocketListener } from 'bun';

interface Side {
  peer?: Socket<Side>;
  /** Bytes received before the peer socket was connected or while it was backed up. */
  pending: Uint8Array[];
}

/** While `on`, proxied bytes are held back (a silent network partition), then delivered on thaw. */
interface Gate {
  on: boolean;
  held: Array<() => void>;
}

function send(gate: Gate, to: Socket<Side> | undefined, chunk: Uint8Array, queue: Uint8Array[]) {
  if (gate.on) {
    gate.held.push(() => send(gate, to, chunk, queue));
    return;
  }
  if (!to || queue.length) {
    queue.push(chunk);
    return;
  }
  const n = to.write(chunk);
  if (n < chunk.length) queue.push(chunk.subarray(n));
}

function flush(to: Socket<Side>, queue: Uint8Array[]) {
  while (queue.length) {
    const c = queue[0]!;
    const n = to.write(c);
    if (n < c.length) {
      queue[0] = c.subarray(n);
      return;
    }
    queue.shift();
  }
}

/**
 * A loopback TCP proxy for fault injection: `cut()` closes the listener and every proxied
 * connection (clients see the server vanish: resets on open sockets, refused connects);
 * `restore()` listens again on the same port.
 */
export class TcpProxy {
  private listener?: TCPSocketListener<Side>;
  private readonly sockets = new Set<Socket<Side>>();
  private readonly gate: Gate = { on: false, held: [] };
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  start(port = 0): this {
    const sockets = this.sockets;
    const { targetHost, targetPort, gate } = this;
    this.listener = Bun.listen<Side>({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(client) {
          client.data = { pending: [] };
          sockets.add(client);
          Bun.connect<Side>({
            hostname: targetHost,
            port: targetPort,
            socket: {
              open(up) {
                up.data = { peer: client, pending: [] };
                sockets.add(up);
                client.data.peer = up;
                flush(up, client.data.pending);
              },
              data(up, chunk) {
                send(gate, up.data.peer, chunk, up.data.pending);
              },
              drain(up) {
                if (up.data.peer) flush(up.data.peer, up.data.pending);
              },
              close(up) {
                sockets.delete(up);
                up.data.peer?.end();
              },
              error(up) {
                up.data.peer?.end();
              },
              connectError() {
                client.end();
              },
            },
          }).catch(() => client.end());
        },
        data(client, chunk) {
          send(gate, client.data.peer, chunk, client.data.pending);
        },
        drain(client) {
          if (client.data.peer) flush(client.data.peer, client.data.pending);
        },
        close(client) {
          sockets.delete(client);
          client.data.peer?.end();
        },
        error(client) {
          client.data.peer?.end();
        },
      },
    });
    this.port = this.listener.port;
    return this;
  }

  /** Stops accepting and drops every proxied connection. */
  cut() {
    this.listener?.stop(true);
    this.listener = undefined;
    for (const s of this.sockets) s.terminate();
    this.sockets.clear();
  }

  restore() {
    this.start(this.port);
  }

  /** Keeps every connection open but delivers nothing (packets silently dropped, no resets). */
  freeze() {
    this.gate.on = true;
  }

  /** Delivers what was held and resumes forwarding. */
  thaw() {
    this.gate.on = false;
    const held = this.gate.held.splice(0);
    for (const f of held) f();
  }

  stop() {
    this.thaw();
    this.cut();
  }
}
