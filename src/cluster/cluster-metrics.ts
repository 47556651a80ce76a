import { Counter, Gauge, type Registry } from 'prom-client';
import type { MemberManager } from './member-manager';
import type { ReplicatorStats } from './state-replicator';

/** Cluster metrics: members by state and state-sync traffic. */
export function createClusterMetrics(
  registry: Registry,
  members: MemberManager,
  stats: ReplicatorStats,
  distro?: () => { native: number; replica: number },
) {
  if (distro)
    new Gauge({
      name: 'batata_cluster_distro_clients',
      help: 'Ephemeral naming clients this node is responsible for (native) and holds for peers (replica)',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const d = distro();
        this.set({ kind: 'native' }, d.native);
        this.set({ kind: 'replica' }, d.replica);
      },
    });
  new Gauge({
    name: 'batata_cluster_members',
    help: 'Cluster members by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of members.members()) this.inc({ state: m.state });
    },
  });
  new Gauge({
    name: 'batata_cluster_sync_messages',
    help: 'State sync messages sent to peers and received from them, and keys repaired by reconciliation',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.set({ kind: 'sent' }, stats.sent);
      this.set({ kind: 'received' }, stats.received);
      this.set({ kind: 'repaired' }, stats.repaired);
    },
  });
  return {
    reportFailures: new Counter({
      name: 'batata_cluster_report_failures_total',
      help: 'Failed member reports',
      registers: [registry],
    }),
  };
}
