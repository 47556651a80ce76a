import { InvalidArgument, PermissionDenied, Unavailable } from '../core/errors';
import type { Logger } from '../core/log';
import { ClusterCallError, type ClusterRpcClient, type ClusterRpcServer } from './cluster-rpc';
import type { Member } from './member';
import { normalizeAddress, parseMemberList } from './member-list';
import type { MemberLookup } from './member-lookup';
import type { MemberManager } from './member-manager';
import type { StateReplicator } from './state-replicator';

/** Cluster message types on the cluster gRPC port. */
export const MSG = {
  MEMBER_REPORT: 'MemberReportRequest',
  MEMBERS_GET: 'MemberListRequest',
  MEMBERS_SET: 'MemberListUpdateRequest',
  STATE_SYNC: 'StateSyncRequest',
  MEMBER_SHUTDOWN: 'MemberShutdownRequest',
} as const;

export interface JoinResult {
  members: string[];
  /** Members told about the new list. */
  notified: string[];
  /** Members that could not be told (they learn it from cluster.conf or a later join). */
  failed: Array<{ address: string; error: string }>;
}

/**
 * One node's cluster behaviour: member reports (§G.2), member list changes (join/leave) and
 * state sync (§G.5). Transport-free apart from the cluster RPC client/server it is given.
 */
export class ClusterNode {
  private cursor = 0;
  private reportTimer?: ReturnType<typeof setInterval>;
  private reconcileTimer?: ReturnType<typeof setInterval>;
  private reconciling = false;

  constructor(
    readonly members: MemberManager,
    private readonly lookup: MemberLookup,
    private readonly rpc: ClusterRpcClient,
    readonly replicator: StateReplicator,
    private readonly log: Logger,
    private readonly opts: {
      reportIntervalMs: number;
      reconcileIntervalMs: number;
      onReportFailure?: () => void;
    },
  ) {}

  /** Registers this node's handlers on the cluster server. */
  registerHandlers(server: ClusterRpcServer) {
    server.register(MSG.MEMBER_REPORT, (body) => {
      this.members.receiveReport(body?.node);
      return { node: this.members.self() };
    });
    server.register(MSG.MEMBER_SHUTDOWN, (body) => {
      const address = String(body?.address ?? '');
      if (this.members.get(address)) {
        this.members.markDown(address);
        this.log.info('member is shutting down', { member: address });
      }
      return {};
    });
    server.register(MSG.MEMBERS_GET, () => ({ members: this.members.members() }));
    server.register(MSG.MEMBERS_SET, (body) => {
      const list = Array.isArray(body?.addresses) ? body.addresses.map(String) : null;
      if (!list) throw new InvalidArgument('addresses is required');
      this.applyList(list);
      return { members: this.members.addresses() };
    });
    server.register(MSG.STATE_SYNC, async (body) => {
      const keys = Array.isArray(body?.keys) ? body.keys.map(String) : [];
      return { changed: await this.replicator.reload(String(body?.table), keys) };
    });
  }

  async start() {
    await this.lookup.start((list) => this.onLookupList(list));
    this.replicator.start();
    this.reportTimer = setInterval(() => void this.reportOnce(), this.opts.reportIntervalMs);
    this.reportTimer.unref?.();
    this.reconcileTimer = setInterval(() => void this.reconcileOnce(), this.opts.reconcileIntervalMs);
    this.reconcileTimer.unref?.();
  }

  /** Tells the peers this node is going away (graceful shutdown), so they mark it DOWN now. */
  async announceShutdown(timeoutMs = 500) {
    await Promise.allSettled(
      this.members
        .peers()
        .filter((m) => m.state !== 'DOWN')
        .map((m) =>
          this.rpc.call(m.address, MSG.MEMBER_SHUTDOWN, { address: this.members.selfAddress }, timeoutMs),
        ),
    );
  }

  stop() {
    if (this.reportTimer) clearInterval(this.reportTimer);
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.lookup.stop();
    this.replicator.stop();
  }

  private onLookupList(list: string[]) {
    const { added, removed } = this.members.setAddresses(list);
    for (const a of removed) this.rpc.forget(a);
    if (added.length || removed.length)
      this.log.info('member list changed', { added, removed, members: this.members.addresses() });
  }

  /** Sends one member report to the next peer, round-robin (Nacos MemberInfoReportTask). */
  async reportOnce(): Promise<void> {
    const peers = this.members.peers();
    if (!peers.length) return;
    const target = peers[this.cursor++ % peers.length]!;
    try {
      const res = await this.rpc.call<{ node: Member }>(target.address, MSG.MEMBER_REPORT, {
        node: this.members.self(),
      });
      const before = target.state;
      this.members.reportSucceeded(target.address, res?.node);
      if (before !== 'UP') this.log.info('member is up', { member: target.address });
    } catch (e) {
      this.opts.onReportFailure?.();
      const refused = e instanceof ClusterCallError && e.reason === 'refused';
      const before = target.state;
      this.members.reportFailed(target.address, refused);
      const after = this.members.get(target.address)?.state;
      if (before !== after)
        this.log.warn('member report failed', {
          member: target.address,
          state: after,
          failAccessCnt: this.members.failAccessCount(target.address),
          err: (e as Error).message,
        });
    }
  }

  async reconcileOnce(): Promise<number> {
    if (this.reconciling) return 0;
    this.reconciling = true;
    try {
      return await this.replicator.reconcile();
    } catch (e) {
      this.log.warn('reconciliation failed', { err: (e as Error).message });
      return 0;
    } finally {
      this.reconciling = false;
    }
  }

  /** Tells every peer that is not DOWN which keys changed; failures are healed by reconciliation. */
  broadcastSync(table: string, keys: string[]) {
    for (const m of this.members.peers()) {
      if (m.state === 'DOWN') continue;
      this.rpc
        .call(m.address, MSG.STATE_SYNC, { table, keys })
        .catch((e) =>
          this.log.debug('state sync not delivered', { member: m.address, table, err: (e as Error).message }),
        );
    }
  }

  /** Replaces this node's member list and persists it when the lookup allows. */
  applyList(list: string[]): string[] {
    const normalized = list.map(normalizeAddress);
    if (!normalized.includes(this.members.selfAddress)) normalized.push(this.members.selfAddress);
    try {
      this.lookup.save(normalized);
    } catch (e) {
      this.log.error('cannot persist member list', { err: (e as Error).message });
    }
    this.onLookupList(normalized);
    return this.members.addresses();
  }

  /**
   * Joins the cluster `seed` belongs to: fetches its member list, adds this node, and sends the
   * new list to every member (and applies it here).
   */
  async join(seedInput: string): Promise<JoinResult> {
    const seed = normalizeAddress(seedInput);
    if (seed === this.members.selfAddress)
      throw new InvalidArgument('seed is this node; give another member');
    let seedMembers: Member[];
    try {
      seedMembers = (await this.rpc.call<{ members: Member[] }>(seed, MSG.MEMBERS_GET, {})).members;
    } catch (e) {
      throw this.seedError(seed, e);
    }
    const list = [...new Set([...seedMembers.map((m) => m.address), this.members.selfAddress])].sort();
    return this.distribute(list, list);
  }

  /** Removes this node from every other member's list; this node becomes a single-member cluster. */
  async leave(): Promise<JoinResult> {
    const others = this.members.addresses().filter((a) => a !== this.members.selfAddress);
    const res = await this.distribute(others, others);
    this.applyList([this.members.selfAddress]);
    return { ...res, members: [this.members.selfAddress] };
  }

  /** Operator update (PUT node/list): applies here and sends the list to the listed members. */
  async setMembers(text: string): Promise<JoinResult> {
    const list = parseMemberList(text);
    if (!list.length) throw new InvalidArgument('addresses must list at least one member');
    return this.distribute(list, list);
  }

  private async distribute(list: string[], targets: string[]): Promise<JoinResult> {
    const notified: string[] = [];
    const failed: JoinResult['failed'] = [];
    await Promise.all(
      targets
        .filter((a) => a !== this.members.selfAddress)
        .map(async (a) => {
          try {
            await this.rpc.call(a, MSG.MEMBERS_SET, { addresses: list });
            notified.push(a);
          } catch (e) {
            failed.push({ address: a, error: (e as Error).message });
          }
        }),
    );
    const members = list.includes(this.members.selfAddress) ? this.applyList(list) : this.members.addresses();
    if (failed.length) this.log.warn('some members did not get the new member list', { failed });
    return { members, notified: notified.sort(), failed };
  }

  private seedError(seed: string, e: unknown): Error {
    if (e instanceof ClusterCallError) {
      if (e.reason === 'identity')
        return new PermissionDenied(
          `seed ${seed} refused this node's server identity: set the same nacos.core.auth.server.identity.key/value on every member`,
        );
      if (e.reason === 'refused' || e.reason === 'unreachable')
        return new Unavailable(
          `cannot reach seed ${seed} on its cluster port (main port + 1001): ${e.message}`,
        );
    }
    return new Unavailable(`seed ${seed} failed: ${(e as Error).message}`);
  }
}
