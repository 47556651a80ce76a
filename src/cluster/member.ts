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

/** Read side of the member list (MemberManager); standalone lists only this node. */
export interface MembershipView {
  self(): Member;
  members(): Member[];
}
