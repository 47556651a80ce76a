import { createSocket, type Socket } from 'node:dgram';
import { gzipSync } from 'node:zlib';
import type { Clock, TimerHandle } from '../core/clock';
import type { Logger } from '../core/log';
import { groupedName, type ServiceInfo } from './naming-model';
import type { NamingService, PushEvent, Subscriber } from './naming-service';

const ACK_TIMEOUT_MS = 10_000;
const MAX_RETRIES = 1;
const COMPRESS_FROM = 1024;

interface Pending {
  sub: Subscriber;
  packet: Buffer;
  retries: number;
  timer: TimerHandle;
}

/**
 * Legacy UDP push for 1.x clients (Nacos 1.x `PushService` / `UdpPushService`, client
 * `PushReceiver`). Datagram: JSON `{"type":"dom","data":"<ServiceInfo JSON>","lastRefTime":n}`,
 * gzipped when ≥ 1 KiB. The client answers `{"type":"push-ack","lastRefTime":n}`; an unacked
 * packet is resent once after 10 s. Subscribers come from `/instance/list?udpPort=` and expire
 * when they stop querying (NamingService subscriber expiry).
 */
export class UdpPusher {
  private socket?: Socket;
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private unsubscribe?: () => void;
  /** Pushes sent and acks received (for tests and `/operator/push/state`). */
  readonly stats = { sent: 0, acked: 0, failed: 0 };

  constructor(
    private readonly naming: NamingService,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const sock = createSocket('udp4');
    this.socket = sock;
    sock.on('message', (msg) => this.onAck(msg));
    sock.on('error', (e) => this.log.warn('udp push socket error', { err: e }));
    await new Promise<void>((resolve) => sock.bind(0, resolve));
    this.unsubscribe = this.naming.onPush((e) => this.onPush(e));
  }

  dispose(): void {
    this.unsubscribe?.();
    for (const p of this.pending.values()) this.clock.clearTimeout(p.timer);
    this.pending.clear();
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
    this.socket = undefined;
  }

  private onPush(e: PushEvent) {
    for (const sub of e.subscribers) if (sub.kind === 'udp') this.push(sub, e.serviceInfo(sub.clusters));
  }

  /** Sends one ServiceInfo to one UDP subscriber. */
  push(sub: Subscriber, info: ServiceInfo): void {
    if (!this.socket) return;
    const data = JSON.stringify({
      ...info,
      name: groupedName({ groupName: info.groupName, serviceName: info.name }),
    });
    // compat(nacos-1.x): lastRefTime is System.nanoTime() upstream; any unique increasing number works as ack key.
    const lastRefTime = this.clock.now() * 1000 + (this.seq++ % 1000);
    let packet = Buffer.from(JSON.stringify({ type: 'dom', data, lastRefTime }));
    if (packet.length >= COMPRESS_FROM) packet = gzipSync(packet);
    const key = `${sub.ip}:${sub.port}:${lastRefTime}`;
    this.send(key, { sub, packet, retries: 0, timer: undefined as unknown as TimerHandle });
  }

  private send(key: string, p: Pending) {
    this.socket?.send(p.packet, p.sub.port, p.sub.ip, (err) => {
      if (err) this.log.warn('udp push failed', { err, target: `${p.sub.ip}:${p.sub.port}` });
    });
    this.stats.sent++;
    p.timer = this.clock.setTimeout(() => {
      if (!this.pending.has(key)) return;
      if (p.retries >= MAX_RETRIES) {
        this.pending.delete(key);
        this.stats.failed++;
        return;
      }
      p.retries++;
      this.send(key, p);
    }, ACK_TIMEOUT_MS);
    this.pending.set(key, p);
  }

  private onAck(msg: Buffer) {
    try {
      const ack = JSON.parse(msg.toString('utf8')) as { type?: string; lastRefTime?: number };
      for (const [key, p] of this.pending)
        if (key.endsWith(`:${ack.lastRefTime}`)) {
          this.clock.clearTimeout(p.timer);
          this.pending.delete(key);
          this.stats.acked++;
          break;
        }
    } catch {
      // not an ack
    }
  }
}
