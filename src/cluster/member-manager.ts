import type { Clock } from '../core/clock';
import { InvalidArgument } from '../core/errors';
import type { Member, MemberState, MembershipView } from './member';
import { normalizeAddress, splitAddress } from './member-list';

/** Abilities this node announces in its Member (spec §G.2). */
export const SELF_ABILITIES = {
  remoteAbility: { supportRemoteConnection: true, grpcReportEnabled: true },
  configAbility: { supportRemoteMetrics: false },
  namingAbility: { supportJraft: false },
};

export interface MemberChange {
  members: Member[];
  /** Addresses whose state changed, joined or left in this event. */
  changed: string[];
}

/**
 * The member list and each member's state (Nacos ServerMemberManager + MemberUtil, spec §G.2).
 *
 * - The list comes from a lookup (`setAddresses`); this node is always a member.
 * - A member added by the lookup starts UP (as Nacos); report outcomes move it:
 *   success or a report received from it ⇒ UP and failure count 0; failure ⇒ SUSPICIOUS and
 *   count+1; count > `maxFailAccess` or "connection refused" ⇒ DOWN.
 * - Listeners get one event per change of the list or of a member's state.
 */
export class MemberManager implements MembershipView {
  private readonly byAddress = new Map<string, Member>();
  private readonly failures = new Map<string, number>();
  private readonly listeners = new Set<(c: MemberChange) => void>();
  readonly selfAddress: string;

  constructor(
    selfAddress: string,
    version: string,
    private readonly clock: Clock,
    private readonly maxFailAccess = 3,
  ) {
    this.selfAddress = normalizeAddress(selfAddress);
    this.byAddress.set(this.selfAddress, this.newMember(this.selfAddress));
    const self = this.byAddress.get(this.selfAddress)!;
    self.extendInfo.version = version;
    self.abilities = structuredClone(SELF_ABILITIES);
  }

  self(): Member {
    const s = this.byAddress.get(this.selfAddress)!;
    s.extendInfo.lastRefreshTime = this.clock.now();
    return s;
  }

  /** All members sorted by address (Nacos keeps them in a sorted map). */
  members(): Member[] {
    this.self();
    return [...this.byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : 1));
  }

  addresses(): string[] {
    return this.members().map((m) => m.address);
  }

  /** Members other than this node. */
  peers(): Member[] {
    return this.members().filter((m) => m.address !== this.selfAddress);
  }

  get(address: string): Member | undefined {
    return this.byAddress.get(address);
  }

  /** Sorted addresses of members that count as alive (UP or SUSPICIOUS), for Distro hashing. */
  healthyAddresses(): string[] {
    return this.members()
      .filter((m) => m.state === 'UP' || m.state === 'SUSPICIOUS')
      .map((m) => m.address);
  }

  isStandalone(): boolean {
    return this.byAddress.size === 1;
  }

  onChange(fn: (c: MemberChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Replaces the member list (this node is always kept). Returns what joined and left. */
  setAddresses(list: string[]): { added: string[]; removed: string[] } {
    const wanted = new Set(list.map(normalizeAddress));
    wanted.add(this.selfAddress);
    const added: string[] = [];
    const removed: string[] = [];
    for (const a of wanted)
      if (!this.byAddress.has(a)) {
        this.byAddress.set(a, this.newMember(a));
        added.push(a);
      }
    for (const a of [...this.byAddress.keys()])
      if (!wanted.has(a)) {
        this.byAddress.delete(a);
        this.failures.delete(a);
        removed.push(a);
      }
    if (added.length || removed.length) this.emit([...added, ...removed]);
    return { added, removed };
  }

  /** A report to `address` succeeded; `remote` is the member it answered with. */
  reportSucceeded(address: string, remote?: unknown) {
    const m = this.byAddress.get(address);
    if (!m) return;
    this.failures.set(address, 0);
    if (remote) this.merge(m, validateMember(remote));
    this.setState(m, 'UP');
  }

  /** A report to `address` failed; `refused` when the peer actively refused the connection. */
  reportFailed(address: string, refused: boolean) {
    const m = this.byAddress.get(address);
    if (!m) return;
    const n = (this.failures.get(address) ?? 0) + 1;
    this.failures.set(address, n);
    this.setState(m, refused || n > this.maxFailAccess ? 'DOWN' : 'SUSPICIOUS');
  }

  /** A peer announced its graceful shutdown: DOWN until its next report. */
  markDown(address: string) {
    const m = this.byAddress.get(address);
    if (m && address !== this.selfAddress) this.setState(m, 'DOWN');
  }

  failAccessCount(address: string): number {
    return this.failures.get(address) ?? 0;
  }

  /**
   * A peer reported itself (MemberReportRequest / POST /v1/core/cluster/report). Throws
   * InvalidArgument("Node information is illegal") on a malformed node. Returns false when the
   * sender is not in this node's member list (it is not added: the list belongs to the lookup).
   */
  receiveReport(node: unknown): boolean {
    const remote = validateMember(node);
    const m = this.byAddress.get(remote.address);
    if (!m || remote.address === this.selfAddress) return false;
    this.failures.set(remote.address, 0);
    this.merge(m, remote);
    this.setState(m, 'UP');
    return true;
  }

  private merge(m: Member, remote: Member) {
    m.extendInfo = { ...m.extendInfo, ...remote.extendInfo };
    if (remote.abilities && typeof remote.abilities === 'object') m.abilities = remote.abilities;
  }

  private setState(m: Member, state: MemberState) {
    if (m.state === state) return;
    m.state = state;
    this.emit([m.address]);
  }

  private emit(changed: string[]) {
    const ev = { members: this.members(), changed };
    for (const fn of this.listeners) fn(ev);
  }

  private newMember(address: string): Member {
    const { ip, port } = splitAddress(address);
    return {
      ip,
      port,
      state: 'UP',
      extendInfo: { raftPort: String(port - 1000), readyToUpgrade: true, supportGrayModel: true },
      address,
      abilities: {},
      grpcReportEnabled: true,
    };
  }
}

/** Checks a Member received from a peer (Nacos: "Node information is illegal"). */
export function validateMember(node: unknown): Member {
  const n = node as Partial<Member> | null;
  if (!n || typeof n !== 'object' || typeof n.ip !== 'string' || !n.ip || typeof n.port !== 'number')
    throw new InvalidArgument('Node information is illegal');
  let address: string;
  try {
    address = normalizeAddress(`${n.ip}:${n.port}`);
  } catch {
    throw new InvalidArgument('Node information is illegal');
  }
  return {
    ip: n.ip,
    port: n.port,
    state: 'UP',
    extendInfo: n.extendInfo && typeof n.extendInfo === 'object' ? { ...n.extendInfo } : {},
    address,
    abilities: n.abilities && typeof n.abilities === 'object' ? n.abilities : {},
    grpcReportEnabled: n.grpcReportEnabled !== false,
  };
}
