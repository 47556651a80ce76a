/** Nacos `Member` (spec §G.2), as returned by the cluster node APIs. */
export type MemberState = 'STARTING' | 'UP' | 'SUSPICIOUS' | 'DOWN' | 'ISOLATION';

export interface Member {
  ip: string;
  port: number;
  state: MemberState;
  extendInfo: Record<string, unknown>;
  address: string;
  abilities: Record<string, unknown>;
  grpcReportEnabled: boolean;
}

/** Source of the member list; standalone returns only this node. Cluster mode replaces it. */
export interface MembershipView {
  self(): Member;
  members(): Member[];
}

export function standaloneMembership(ip: string, port: number, version: string): MembershipView {
  const self: Member = {
    ip,
    port,
    state: 'UP',
    extendInfo: {
      raftPort: String(port - 1000),
      readyToUpgrade: true,
      version,
      lastRefreshTime: Date.now(),
      supportGrayModel: true,
    },
    address: `${ip}:${port}`,
    abilities: {
      remoteAbility: { supportRemoteConnection: true, grpcReportEnabled: true },
      configAbility: { supportRemoteMetrics: false },
      namingAbility: { supportJraft: false },
    },
    grpcReportEnabled: true,
  };
  return {
    self: () => {
      self.extendInfo.lastRefreshTime = Date.now();
      return self;
    },
    members: () => [self],
  };
}
