import { connect } from 'node:net';
import type { Clock, TimerHandle } from '../core/clock';
import type { Logger } from '../core/log';
import {
  type ClusterSettings,
  groupedName,
  type InstanceRecord,
  instanceKey,
  serviceKey,
} from './naming-model';
import type { NamingService } from './naming-service';

export interface HealthCheckOptions {
  /** Pause between two check rounds. */
  intervalMs: number;
  /** Per-probe timeout. */
  timeoutMs: number;
  /** Probes running at once. */
  concurrency: number;
  /** Consecutive results needed to flip health (Nacos `checkTimes`). */
  threshold: number;
}

/** One probe: resolves true when the target answered as expected. */
export type Probe = (i: InstanceRecord, cluster: ClusterSettings, timeoutMs: number) => Promise<boolean>;

/** TCP connect to the instance (or the cluster's checkPort); true when the connection opens. */
export const tcpProbe: Probe = (i, cluster, timeoutMs) =>
  new Promise((resolve) => {
    const port = cluster.useIPPort4Check ? i.port : cluster.checkPort;
    const sock = connect({ host: i.ip, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => {});
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });

/** HTTP GET `path` on the instance; true when the status equals `expectedResponseCode` (200). */
export const httpProbe: Probe = async (i, cluster, timeoutMs) => {
  const hc = cluster.healthChecker;
  const port = cluster.useIPPort4Check ? i.port : cluster.checkPort;
  const path = hc.path?.startsWith('/') ? hc.path : `/${hc.path ?? ''}`;
  const headers: Record<string, string> = {};
  for (const kv of (hc.headers ?? '').split('|')) {
    const at = kv.indexOf(':');
    if (at > 0) headers[kv.slice(0, at).trim()] = kv.slice(at + 1).trim();
  }
  try {
    const res = await fetch(`http://${i.ip}:${port}${path}`, {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await res.body?.cancel();
    return res.status === (hc.expectedResponseCode ?? 200);
  } catch {
    return false;
  }
};

/**
 * Whether this node probes the instance at `ip:port`. In a cluster exactly one member is
 * responsible for each address (Nacos: the Distro owner of the persistent IP-port client's
 * `ip:port`, `HealthCheckResponsibleInterceptor`); the others take the result from storage.
 */
export type CheckResponsibility = (ipPort: string) => boolean;

/**
 * Server-side health checks of persistent instances (`ephemeral=false`) per cluster settings:
 * TCP or HTTP probes, NONE = never checked. Rounds run on a timer, off the request path, with at
 * most `concurrency` probes in flight; an instance flips after `threshold` consecutive results
 * that disagree with its current health. Only instances this node is `responsible` for are probed,
 * and a result is applied only if it still is when the streak completes.
 */
export class PersistentHealthChecker {
  private timer?: TimerHandle;
  private stopped = false;
  private readonly streaks = new Map<string, { ok: boolean; n: number }>();
  private running?: Promise<void>;

  constructor(
    private readonly naming: NamingService,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: HealthCheckOptions,
    private readonly probes: Record<'TCP' | 'HTTP', Probe> = { TCP: tcpProbe, HTTP: httpProbe },
    private readonly responsible: CheckResponsibility = () => true,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runOnce()
        .catch((e) => this.log.warn('health check round failed', { err: e }))
        .finally(() => {
          if (!this.stopped) this.timer = this.clock.setTimeout(tick, this.opts.intervalMs);
        });
    };
    this.timer = this.clock.setTimeout(tick, this.opts.intervalMs);
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    await this.running;
  }

  /** One round over every persistent instance. */
  async runOnce(): Promise<void> {
    const work: Array<{ i: InstanceRecord; c: ClusterSettings; k: string }> = [];
    const seen = new Set<string>();
    for (const e of this.naming.instanceTable.values()) {
      const i = e.value;
      if (i.ephemeral || !this.responsible(`${i.ip}:${i.port}`)) continue;
      const c = this.naming.clusterSettings(i, i.clusterName);
      if (c.healthChecker.type === 'NONE') continue;
      seen.add(e.key);
      work.push({ i, c, k: e.key });
    }
    for (const k of this.streaks.keys()) if (!seen.has(k)) this.streaks.delete(k);
    let next = 0;
    const worker = async () => {
      while (!this.stopped && next < work.length) {
        const w = work[next++]!;
        const probe = this.probes[w.c.healthChecker.type as 'TCP' | 'HTTP'];
        if (!probe) continue;
        const ok = await probe(w.i, w.c, this.opts.timeoutMs);
        await this.record(w.i, w.k, ok);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, work.length) }, worker));
  }

  private async record(i: InstanceRecord, k: string, ok: boolean) {
    const s = this.streaks.get(k);
    const streak = s && s.ok === ok ? { ok, n: s.n + 1 } : { ok, n: 1 };
    this.streaks.set(k, streak);
    const cur = this.naming.instanceTable.get(instanceKey(serviceKey(i), i.instanceId))?.value;
    if (!cur || cur.healthy === ok || streak.n < this.opts.threshold) return;
    if (!this.responsible(`${i.ip}:${i.port}`)) return;
    await this.naming.setHealth(i, { instanceId: i.instanceId }, ok).catch(() => {});
    this.log.info(ok ? 'instance healthy: check passed' : 'instance unhealthy: check failed', {
      service: groupedName(i),
      ip: i.ip,
      port: i.port,
      check: this.naming.clusterSettings(i, i.clusterName).healthChecker.type,
    });
  }
}
