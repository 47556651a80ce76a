import type { SettingSpec } from '../settings/setting-spec';

/** Cluster settings (lookup type and static members are core settings: `cluster.member.lookup.type`, `cluster.members`). */
const membershipSettings: SettingSpec[] = [
  {
    key: 'cluster.conf.file',
    type: 'string',
    default: 'conf/cluster.conf',
    env: ['BATATA_CLUSTER_CONF'],
    doc: 'Member list for lookup type `file`: one `ip[:port]` per line, `#` comments; re-read when it changes.',
  },
  {
    key: 'cluster.address-server.url',
    type: 'string',
    default: '',
    doc: 'Lookup type `address-server`: URL answering GET with the member list (one `ip[:port]` per line), e.g. http://host:8080/nacos/serverlist.',
  },
  {
    key: 'cluster.address-server.poll-ms',
    type: 'int',
    default: 5000,
    min: 100,
    max: 3600000,
    doc: 'How often the address server (or cluster.conf) is polled for changes.',
  },
  {
    key: 'cluster.member.report-interval-ms',
    type: 'int',
    default: 2000,
    min: 50,
    max: 600000,
    doc: 'Member report period: each tick reports to the next peer round-robin (Nacos: 2 s).',
  },
  {
    key: 'nacos.core.member.fail-access-cnt',
    type: 'int',
    default: 3,
    min: 1,
    max: 1000,
    doc: 'Failed reports after which a SUSPICIOUS member is marked DOWN ("connection refused" marks DOWN at once).',
  },
  {
    key: 'cluster.rpc.timeout-ms',
    type: 'int',
    default: 3000,
    min: 100,
    max: 600000,
    doc: 'Timeout of one member-to-member call over the cluster gRPC port.',
  },
  {
    key: 'cluster.sync.reconcile-interval-ms',
    type: 'int',
    default: 5000,
    min: 100,
    max: 3600000,
    doc: 'Period of the reconciliation of replicated state against the shared database (heals missed sync messages).',
  },
];

/** Distro (ephemeral naming data) settings, with Nacos' key names. */
export const distroSettings: SettingSpec[] = [
  {
    key: 'nacos.core.protocol.distro.data.sync.delayMs',
    type: 'int',
    default: 200,
    min: 0,
    max: 600000,
    doc: 'Delay before a changed ephemeral client is sent to the peers (changes within it are merged; Nacos: 1000).',
  },
  {
    key: 'nacos.core.protocol.distro.data.verify.intervalMs',
    type: 'int',
    default: 5000,
    min: 100,
    max: 600000,
    doc: 'Period of the Distro verify round (revisions of native clients sent to each peer).',
  },
  {
    key: 'nacos.naming.client.expired.time',
    type: 'int',
    default: 180000,
    min: 1000,
    max: 86400000,
    doc: "Replicas of another member's clients not verified for this long are dropped (grace period after a node loss).",
  },
];

export const clusterSettings: SettingSpec[] = [...membershipSettings, ...distroSettings];
