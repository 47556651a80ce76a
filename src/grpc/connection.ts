import type { Clock, TimerHandle } from '../core/clock';
import type { Logger } from '../core/log';
import type { GrpcMetrics } from './grpc-metrics';
import type { PushChannel } from './push';

/** What the client told us in ConnectionSetupRequest, plus transport facts. */
export interface ConnectionMeta {
  /** Unique per transport: `<ms>_<remoteIp>_<remotePort>` like Nacos. */
  id: string;
  remoteIp: string;
  remotePort: number;
  /** Self-reported IP from the setup payload metadata; what handlers treat as the client IP. */
  clientIp: string;
  clientVersion: string;
  /** Namespace the client was created for (`tenant`), as sent. */
  tenant: string;
  labels: Record<string, string>;
  /** Client abilities (`abilityTable`), absent for clients without negotiation. */
  abilityTable?: Record<string, boolean>;
}

/** One registered SDK connection (a bi-stream after ConnectionSetupRequest). */
export class Connection {
  readonly createdAt: number;
  lastActive: number;
  /** True while a ClientDetectionRequest is outstanding. */
  probing = false;

  constructor(
    readonly meta: ConnectionMeta,
    readonly push: PushChannel,
    private readonly closeStream: () => void,
    now: number,
  ) {
    this.createdAt = now;
    this.lastActive = now;
  }

  get id(): string {
    return this.meta.id;
  }
  get clientIp(): string {
    return this.meta.clientIp || this.meta.remoteIp;
  }
  get appName(): string {
    return this.meta.labels.AppName ?? '-';
  }
  /** Labels with the `app_` prefix, stripped (Nacos "app labels", used for gray matching). */
  get appLabels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.meta.labels)) if (k.startsWith('app_')) out[k.slice(4)] = v;
    return out;
  }

  /** @internal Ends the stream and fails pending pushes; use ConnectionManager.unregister. */
  _close() {
    this.push.close();
    try {
      this.closeStream();
    } catch {}
  }
}

export type CloseReason = 'closed' | 'idle' | 'shutdown' | 'replaced' | 'reset';

/**
 * The registry of SDK connections.
 *
 * Contract:
 * - A transport (peer `ip:port`) gets its connection id on first contact (ServerCheckRequest or the
 *   bi-stream), before it is registered; unary calls are served only for registered connections.
 * - `unregister` runs every `onUnregister` listener exactly once per connection (naming drops the
 *   connection's ephemeral instances and subscriptions, config its listeners), then ends the stream.
 * - The ejector probes connections idle for `idleMs` with ClientDetectionRequest and unregisters
 *   those that do not acknowledge within `detectTimeoutMs`.
 */
export class ConnectionManager {
  private readonly byId = new Map<string, Connection>();
  private readonly byPeer = new Map<string, Connection>();
  private readonly pendingIds = new Map<string, { id: string; at: number }>();
  private readonly listeners = new Set<(c: Connection, reason: CloseReason) => void>();
  private ejectTimer?: TimerHandle;
  private seq = 0;

  constructor(
    private readonly deps: {
      clock: Clock;
      log: Logger;
      metrics: GrpcMetrics;
      maxConnections: number;
      idleMs: number;
      ejectIntervalMs: number;
      detectTimeoutMs: number;
    },
  ) {}

  get size(): number {
    return this.byId.size;
  }

  /** Connection id of a transport (registered or not): stable until the transport's stream ends. */
  idForPeer(peer: string): string {
    const conn = this.byPeer.get(peer);
    if (conn) return conn.id;
    let p = this.pendingIds.get(peer);
    if (!p) {
      const now = this.deps.clock.now();
      const { ip, port } = splitPeer(peer);
      let id = `${now}_${ip}_${port}`;
      if (this.byId.has(id)) id = `${id}_${++this.seq}`;
      p = { id, at: now };
      this.pendingIds.set(peer, p);
    }
    return p.id;
  }

  get(id: string): Connection | undefined {
    return this.byId.get(id);
  }
  forPeer(peer: string): Connection | undefined {
    return this.byPeer.get(peer);
  }
  all(): IterableIterator<Connection> {
    return this.byId.values();
  }

  /**
   * Registers a set-up connection; false when over `maxConnections` (caller closes the stream).
   * A transport carries one connection: call `unregister` for an older one on the same peer first.
   */
  register(peer: string, conn: Connection): boolean {
    if (this.deps.maxConnections > 0 && this.byId.size >= this.deps.maxConnections) return false;
    this.pendingIds.delete(peer);
    this.byId.set(conn.id, conn);
    this.byPeer.set(peer, conn);
    this.deps.metrics.activeConnections.set(this.byId.size);
    this.deps.log.debug('connection registered', {
      connectionId: conn.id,
      clientIp: conn.clientIp,
      version: conn.meta.clientVersion,
      module: conn.meta.labels.module,
    });
    return true;
  }

  /**
   * Removes a connection (no-op when already gone, or when `only` is given and another connection
   * now holds the id) and tells every listener.
   */
  unregister(id: string, reason: CloseReason, only?: Connection): void {
    const conn = this.byId.get(id);
    if (!conn || (only && conn !== only)) return;
    this.byId.delete(id);
    const peer = `${conn.meta.remoteIp}:${conn.meta.remotePort}`;
    if (this.byPeer.get(peer) === conn) this.byPeer.delete(peer);
    this.deps.metrics.activeConnections.set(this.byId.size);
    this.deps.log.debug('connection unregistered', { connectionId: id, reason });
    for (const fn of this.listeners) {
      try {
        fn(conn, reason);
      } catch (e) {
        this.deps.log.error('connection close listener failed', { connectionId: id, err: e });
      }
    }
    conn._close();
  }

  /** Forgets the id of a transport whose stream ended before setup. */
  forgetPeer(peer: string) {
    this.pendingIds.delete(peer);
  }

  onUnregister(fn: (c: Connection, reason: CloseReason) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Marks activity (unary request or response frame). */
  touch(conn: Connection) {
    conn.lastActive = this.deps.clock.now();
  }

  startEjector() {
    const tick = () => {
      this.ejectIdle();
      this.ejectTimer = this.deps.clock.setTimeout(tick, this.deps.ejectIntervalMs);
    };
    this.ejectTimer = this.deps.clock.setTimeout(tick, this.deps.ejectIntervalMs);
  }

  stopEjector() {
    if (this.ejectTimer) this.deps.clock.clearTimeout(this.ejectTimer);
    this.ejectTimer = undefined;
  }

  /** One ejector pass (exposed for tests). */
  ejectIdle() {
    const now = this.deps.clock.now();
    for (const conn of this.byId.values()) {
      if (conn.probing || now - conn.lastActive < this.deps.idleMs) continue;
      conn.probing = true;
      conn.push
        .push(
          'ClientDetectionRequest',
          'internal',
          {},
          { timeoutMs: this.deps.detectTimeoutMs, maxRetries: 0 },
        )
        .then(
          () => {
            conn.probing = false;
            this.touch(conn);
          },
          () => {
            this.deps.log.info('ejecting idle connection', {
              connectionId: conn.id,
              clientIp: conn.clientIp,
            });
            this.unregister(conn.id, 'idle');
          },
        );
    }
    // Transports that did ServerCheck but never opened a stream.
    for (const [peer, p] of this.pendingIds)
      if (now - p.at > Math.max(60_000, this.deps.idleMs)) this.pendingIds.delete(peer);
  }
}

/** `ipv4:1.2.3.4:5`, `1.2.3.4:5`, `[::1]:5`, `ipv6:[::1]:5` → ip + port. */
export function splitPeer(peer: string): { ip: string; port: number } {
  const s = peer.replace(/^ipv[46]:/, '');
  const i = s.lastIndexOf(':');
  if (i < 0) return { ip: s, port: 0 };
  return { ip: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) || 0 };
}
