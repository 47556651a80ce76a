import type { Clock } from '../core/clock';
import type { Logger } from '../core/log';
import {
  INSTANCES_TABLE,
  type InstanceInput,
  type InstanceRecord,
  type NamingService,
  parseServiceKey,
  type ServiceId,
  serviceKeyOfInstanceKey,
} from '../naming';
import type { Change, StateStore } from '../state';
import type { ClusterRpcClient, ClusterRpcServer } from './cluster-rpc';
import type { MemberManager } from './member-manager';

/** Distro message type on the cluster port (spec §G.3; our JSON instead of Hessian). */
export const DISTRO_MSG = 'DistroDataRequest';

/** One client's ephemeral instances (Nacos ClientSyncData), grouped by service key. */
export interface ClientSyncData {
  clientId: string;
  revision: string;
  services: Record<string, InstanceInput[]>;
}

type DistroRequest =
  | { op: 'CHANGE'; data: ClientSyncData; source: string }
  | { op: 'DELETE'; clientId: string; source: string }
  | { op: 'VERIFY'; clients: Array<{ clientId: string; revision: string }>; source: string }
  | { op: 'SNAPSHOT' }
  | { op: 'BATCH'; items: Array<Extract<DistroRequest, { op: 'CHANGE' | 'DELETE' }>> };

export interface DistroOptions {
  syncDelayMs: number;
  verifyIntervalMs: number;
  /** Replicas not renewed (VERIFY) for this long are dropped: the grace period after a node dies. */
  expireMs: number;
  /**
   * Clients every node derives from the shared database itself (Consul catalog services): never
   * sent, received, verified or taken over.
   */
  selfReplicated?: (clientId: string) => boolean;
}

/** Java `String.hashCode` (32-bit signed). */
export function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Nacos `DistroUtils.distroHash`: `Math.abs(hashCode % Integer.MAX_VALUE)`. */
export function distroHash(tag: string): number {
  return Math.abs(javaHash(tag) % 2147483647);
}

/** The member responsible for `tag` (`ip:port`) among the sorted healthy members (Nacos DistroMapper.mapSrv). */
export function responsibleMember(tag: string, healthySorted: string[]): string | undefined {
  if (!healthySorted.length) return undefined;
  return healthySorted[distroHash(tag) % healthySorted.length];
}

/** `ip:port` of an HTTP IP-port client id (`ip:port#true`), or undefined for other clients. */
export function ipPortTag(clientId: string): string | undefined {
  const m = /^(.+:\d+)#(true|false)$/.exec(clientId);
  return m ? m[1] : undefined;
}

/**
 * Distro: AP replication of ephemeral naming data between members (spec §G.3).
 *
 * - A client is *native* here when this node is responsible for it: IP-port clients by hash over
 *   the healthy members, other clients (gRPC connections, agents) when they registered here. Every
 *   other client is a *replica* received from its responsible peer.
 * - Changes of native clients are sent to every peer that is not DOWN `syncDelayMs` after the first
 *   change (merged per client) as the full client data (CHANGE) or DELETE when it has nothing left.
 * - Every `verifyIntervalMs` each peer gets the revisions of our native clients; it renews the
 *   replicas that match and names the others, which are re-sent in full.
 * - Replicas not renewed for `expireMs` are dropped (grace period: a dead node's clients have time
 *   to reconnect elsewhere; nothing is mass-deregistered at the moment a node is lost). IP-port
 *   replicas this node becomes responsible for (their owner died) are taken over instead: they
 *   become native and expire by heartbeats as usual.
 * - `loadSnapshot()` fetches every native client of every reachable peer before the node is ready.
 */
export class Distro {
  private readonly replicas = new Map<string, { source: string; revision: string; lastSeen: number }>();
  private readonly dirty = new Set<string>();
  private flushTimer?: ReturnType<typeof setTimeout>;
  private readonly applying = new Set<string>();
  private verifyTimer?: ReturnType<typeof setInterval>;
  private unsubscribe?: () => void;
  private stopped = false;
  readonly stats = { sent: 0, received: 0, verifyFailed: 0, expired: 0 };

  constructor(
    private readonly naming: NamingService,
    private readonly state: StateStore,
    private readonly members: MemberManager,
    private readonly rpc: ClusterRpcClient,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: DistroOptions,
  ) {}

  register(server: ClusterRpcServer) {
    server.register(DISTRO_MSG, (req: DistroRequest) => this.handle(req));
  }

  start() {
    this.unsubscribe = this.state.subscribe((changes) => this.onCommit(changes));
    this.verifyTimer = setInterval(() => void this.tick(), this.opts.verifyIntervalMs);
    this.verifyTimer.unref?.();
    this.members.onChange(() => void this.rebalance());
  }

  stop() {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.verifyTimer) clearInterval(this.verifyTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.dirty.clear();
  }

  /** Whether this node is responsible for `clientId`. */
  isNative(clientId: string): boolean {
    const tag = ipPortTag(clientId);
    if (tag) return this.responsibleFor(tag) === this.members.selfAddress;
    return !this.replicas.has(clientId);
  }

  /** The member responsible for an IP-port client `ip:port` (this node when standalone). */
  responsibleFor(tag: string): string {
    return responsibleMember(tag, this.members.healthyAddresses()) ?? this.members.selfAddress;
  }

  get selfAddress(): string {
    return this.members.selfAddress;
  }

  counts(): { native: number; replica: number } {
    return { native: this.nativeClients().length, replica: this.replicas.size };
  }

  private onCommit(changes: Change[]) {
    for (const c of changes) {
      if (c.table !== INSTANCES_TABLE) continue;
      const rec = (c.value ?? c.prev) as InstanceRecord | undefined;
      if (!rec?.ephemeral || this.applying.has(rec.clientId) || this.skips(rec.clientId)) continue;
      // A local write (registration, beat expiry, deregistration handled here) makes the client
      // native here; rebalance() hands IP-port clients on to their responsible member.
      this.replicas.delete(rec.clientId);
      this.dirty.add(rec.clientId);
    }
    // One timer for all changed clients: they go to each peer in one batch message.
    if (this.dirty.size && !this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        const ids = [...this.dirty];
        this.dirty.clear();
        void this.syncClients(ids);
      }, this.opts.syncDelayMs);
      this.flushTimer.unref?.();
    }
  }

  /** Current data of a client held here. */
  clientData(clientId: string): ClientSyncData {
    const services: Record<string, InstanceInput[]> = {};
    const table = this.state.table<InstanceRecord>(INSTANCES_TABLE);
    for (const k of this.naming.clientInstanceKeys(clientId).sort()) {
      const i = table.get(k)?.value;
      if (!i?.ephemeral) continue;
      const sk = serviceKeyOfInstanceKey(k);
      (services[sk] ??= []).push({
        ip: i.ip,
        port: i.port,
        instanceId: i.instanceId,
        weight: i.weight,
        healthy: i.healthy,
        enabled: i.enabled,
        ephemeral: true,
        clusterName: i.clusterName,
        metadata: i.metadata,
      });
    }
    const revision = String(Bun.hash(JSON.stringify(services)));
    return { clientId, revision, services };
  }

  private peersForSync() {
    return this.members.peers().filter((m) => m.state !== 'DOWN');
  }

  /** Sends the current data of `clientIds` (CHANGE, or DELETE when empty) in one batch per peer. */
  private async syncClients(clientIds: string[], only?: string) {
    if (this.stopped || !clientIds.length) return;
    const source = this.members.selfAddress;
    const items = clientIds.map((clientId) => {
      const data = this.clientData(clientId);
      return Object.keys(data.services).length
        ? ({ op: 'CHANGE', data, source } as const)
        : ({ op: 'DELETE', clientId, source } as const);
    });
    const targets = only ? [only] : this.peersForSync().map((m) => m.address);
    await Promise.all(
      targets.map(async (a) => {
        this.stats.sent += items.length;
        try {
          await this.rpc.call(a, DISTRO_MSG, { op: 'BATCH', items } satisfies DistroRequest);
        } catch (e) {
          this.log.debug('distro sync not delivered; verify will repair', {
            member: a,
            clients: items.length,
            err: String(e),
          });
        }
      }),
    );
  }

  private skips(clientId: string): boolean {
    return this.opts.selfReplicated?.(clientId) ?? false;
  }

  private async handle(req: DistroRequest): Promise<unknown> {
    switch (req.op) {
      case 'CHANGE':
        this.stats.received++;
        if (!this.skips(req.data.clientId)) await this.applyReplica(req.data, req.source);
        return {};
      case 'DELETE':
        this.stats.received++;
        if (!this.skips(req.clientId)) await this.dropReplica(req.clientId);
        return {};
      case 'VERIFY': {
        const failed: string[] = [];
        const now = this.clock.now();
        for (const c of req.clients) {
          const r = this.replicas.get(c.clientId);
          if (r && r.revision === c.revision) {
            r.lastSeen = now;
            r.source = req.source;
          } else failed.push(c.clientId);
        }
        this.stats.verifyFailed += failed.length;
        return { failed };
      }
      case 'BATCH':
        for (const item of req.items) await this.handle(item);
        return {};
      case 'SNAPSHOT':
        return { clients: this.nativeClients().map((id) => this.clientData(id)) };
      default:
        throw new Error('unknown distro operation');
    }
  }

  private nativeClients(): string[] {
    const out: string[] = [];
    const table = this.state.table<InstanceRecord>(INSTANCES_TABLE);
    for (const id of this.naming.clientIds()) {
      if (this.replicas.has(id) || !this.isNative(id) || this.skips(id)) continue;
      const keys = this.naming.clientInstanceKeys(id);
      if (keys.some((k) => table.get(k)?.value.ephemeral)) out.push(id);
    }
    return out;
  }

  /** Applies a peer's client data: the replica becomes exactly `data` (services it left are emptied). */
  async applyReplica(data: ClientSyncData, source: string) {
    const cur = this.replicas.get(data.clientId);
    const now = this.clock.now();
    if (cur && cur.revision === data.revision) {
      cur.lastSeen = now;
      return this.takeOverIfMine(data.clientId);
    }
    this.replicas.set(data.clientId, { source, revision: data.revision, lastSeen: now });
    this.applying.add(data.clientId);
    try {
      const before = new Set(this.naming.clientInstanceKeys(data.clientId).map(serviceKeyOfInstanceKey));
      for (const [sk, inputs] of Object.entries(data.services)) {
        before.delete(sk);
        await this.naming.replaceClientInstances(data.clientId, parseServiceKey(sk) as ServiceId, inputs, {
          heartbeat: false,
        });
      }
      for (const sk of before)
        await this.naming.replaceClientInstances(data.clientId, parseServiceKey(sk), [], {
          heartbeat: false,
        });
    } catch (e) {
      this.replicas.delete(data.clientId);
      throw e;
    } finally {
      this.applying.delete(data.clientId);
    }
    await this.takeOverIfMine(data.clientId);
  }

  /** An IP-port replica this node is responsible for becomes native (hand-over from its old owner). */
  private async takeOverIfMine(clientId: string) {
    const tag = ipPortTag(clientId);
    if (!tag || this.responsibleFor(tag) !== this.members.selfAddress || !this.replicas.has(clientId)) return;
    this.replicas.delete(clientId);
    await this.reapply(clientId, true);
  }

  private async dropReplica(clientId: string) {
    if (this.isNative(clientId) && !this.replicas.has(clientId)) return;
    this.applying.add(clientId);
    try {
      this.replicas.delete(clientId);
      await this.naming.removeClient(clientId);
    } finally {
      this.applying.delete(clientId);
    }
  }

  /** Verify native clients with every peer; expire replicas nobody renewed; re-check responsibility. */
  async tick() {
    if (this.stopped) return;
    await this.rebalance();
    const clients = this.nativeClients().map((id) => ({
      clientId: id,
      revision: this.clientData(id).revision,
    }));
    const source = this.members.selfAddress;
    await Promise.all(
      this.peersForSync().map(async (m) => {
        try {
          const res = await this.rpc.call<{ failed: string[] }>(m.address, DISTRO_MSG, {
            op: 'VERIFY',
            clients,
            source,
          } satisfies DistroRequest);
          await this.syncClients(res.failed ?? [], m.address);
        } catch {}
      }),
    );
    const now = this.clock.now();
    for (const [id, r] of this.replicas) {
      if (now - r.lastSeen <= this.opts.expireMs) continue;
      this.stats.expired++;
      this.log.info('replica expired (owner gone for the grace period)', { clientId: id, source: r.source });
      await this.dropReplica(id).catch(() => {});
    }
  }

  /**
   * Re-applies responsibility for IP-port clients after a membership change (Nacos DistroMapper):
   * replicas this node is now responsible for become native (heartbeats tracked here, synced to
   * peers); native clients another member is now responsible for become replicas of it (it
   * takes them over and verifies them from then on).
   */
  async rebalance() {
    if (this.stopped) return;
    const table = this.state.table<InstanceRecord>(INSTANCES_TABLE);
    const handed = new Map<string, string[]>();
    for (const id of this.naming.clientIds()) {
      const tag = ipPortTag(id);
      if (!tag || !this.naming.clientInstanceKeys(id).some((k) => table.get(k)?.value.ephemeral)) continue;
      const owner = this.responsibleFor(tag);
      const replica = this.replicas.get(id);
      if (replica && owner === this.members.selfAddress) {
        this.replicas.delete(id);
        this.log.info('taking over IP-port client', { clientId: id, from: replica.source });
        await this.reapply(id, true);
      } else if (!replica && owner !== this.members.selfAddress) {
        const data = this.clientData(id);
        this.replicas.set(id, { source: owner, revision: data.revision, lastSeen: this.clock.now() });
        this.log.info('handing over IP-port client', { clientId: id, to: owner });
        await this.reapply(id, false);
        handed.set(owner, [...(handed.get(owner) ?? []), id]);
      }
    }
    for (const [owner, ids] of handed) await this.syncClients(ids, owner);
  }

  private async reapply(clientId: string, heartbeat: boolean) {
    const data = this.clientData(clientId);
    if (!heartbeat) this.applying.add(clientId);
    try {
      for (const [sk, inputs] of Object.entries(data.services))
        await this.naming.replaceClientInstances(clientId, parseServiceKey(sk), inputs, { heartbeat });
    } catch (e) {
      this.log.warn('responsibility change failed', { clientId, err: String(e) });
    } finally {
      this.applying.delete(clientId);
    }
  }

  /**
   * Loads the native clients of every reachable peer (Nacos DistroLoadDataTask). Resolves true when
   * at least one peer answered or no peer is alive (nothing to load), false when all live peers failed.
   */
  async loadSnapshot(): Promise<boolean> {
    const peers = this.peersForSync();
    if (!peers.length) return true;
    let ok = false;
    for (const m of peers) {
      try {
        const res = await this.rpc.call<{ clients: ClientSyncData[] }>(m.address, DISTRO_MSG, {
          op: 'SNAPSHOT',
        });
        for (const c of res.clients ?? []) await this.applyReplica(c, m.address);
        ok = true;
      } catch (e) {
        this.log.warn('distro snapshot from peer failed', { member: m.address, err: String(e) });
      }
    }
    await this.rebalance();
    return ok;
  }
}
