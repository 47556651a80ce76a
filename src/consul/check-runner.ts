import { connect } from 'node:net';
import { type Clock, MAX_TIMER_MS, type TimerHandle } from '../core/clock';
import type { Logger } from '../core/log';
import type { CheckEntry, CheckStatus } from './catalog-model';

type Report = (key: string, status: CheckStatus, output: string) => void;

/**
 * Runs agent checks: TTL checks turn critical when not updated in time ("TTL expired"); HTTP checks
 * GET (or `Method`) the URL every Interval (2xx passing, 429 warning, else critical); TCP checks
 * connect. Script/docker/gRPC checks are stored but not run (they stay at their status).
 */
export class CheckRunner {
  private readonly timers = new Map<string, TimerHandle>();
  private readonly lastOutput = new Map<string, string>();
  private disposed = false;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly report: Report,
  ) {}

  schedule(key: string, c: CheckEntry) {
    this.cancel(key);
    if (this.disposed) return;
    if (c.type === 'ttl' && c.spec.ttlMs > 0) return this.resetTtl(key, c.spec.ttlMs, c.output);
    if ((c.type === 'http' || c.type === 'tcp') && c.spec.intervalMs > 0) {
      // First probe right away (Consul staggers it within the interval), then every Interval.
      this.timers.set(
        key,
        this.clock.setTimeout(() => this.probe(key, c), 0),
      );
    }
  }

  /** Restarts a TTL check's deadline (on pass/warn/fail/update). */
  resetTtl(key: string, ttlMs: number, output: string) {
    if (this.disposed || ttlMs <= 0) return;
    const t = this.timers.get(key);
    if (t) this.clock.clearTimeout(t);
    this.lastOutput.set(key, output);
    this.timers.set(
      key,
      this.clock.setTimeout(() => {
        this.timers.delete(key);
        const last = this.lastOutput.get(key);
        // compat(consul): CheckTTL.getExpiredOutput.
        this.report(
          key,
          'critical',
          last ? `TTL expired (last output before timeout follows): ${last}` : 'TTL expired',
        );
      }, ttlMs),
    );
  }

  cancel(key: string) {
    const t = this.timers.get(key);
    if (t) this.clock.clearTimeout(t);
    this.timers.delete(key);
    this.lastOutput.delete(key);
  }

  dispose() {
    this.disposed = true;
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  private probe(key: string, c: CheckEntry) {
    if (this.disposed || !this.timers.has(key)) return;
    const run = c.type === 'http' ? httpProbe(c) : tcpProbe(c.spec.tcp ?? '', c.spec.timeoutMs);
    run
      .then(([status, output]) => {
        if (this.timers.has(key)) this.report(key, status, output);
      })
      .catch((e) => this.log.debug('check probe failed', { key, err: e }))
      .finally(() => {
        if (this.disposed || !this.timers.has(key)) return;
        this.timers.set(
          key,
          this.clock.setTimeout(() => this.probe(key, c), c.spec.intervalMs),
        );
      });
  }
}

async function httpProbe(c: CheckEntry): Promise<[CheckStatus, string]> {
  const url = c.spec.http ?? '';
  const method = c.spec.method || 'GET';
  try {
    // Inside the try: a header name or value fetch refuses makes the check critical, as in Go.
    const headers = new Headers({ 'User-Agent': 'Consul Health Check', Accept: 'text/plain, text/*, */*' });
    for (const [k, vs] of Object.entries(c.spec.header ?? {})) for (const v of vs) headers.append(k, v);
    const res = await fetch(url, {
      method,
      headers,
      body: c.spec.body || undefined,
      signal: AbortSignal.timeout(c.spec.timeoutMs),
      redirect: 'follow',
      tls: c.spec.tlsSkipVerify ? { rejectUnauthorized: false } : undefined,
    });
    const body = (await res.text()).slice(0, 4096);
    const out = `HTTP ${method} ${url}: ${res.status} ${res.statusText} Output: ${body}`;
    if (res.status >= 200 && res.status < 300) return ['passing', out];
    if (res.status === 429) return ['warning', out];
    return ['critical', out];
  } catch (e) {
    return ['critical', `HTTP ${method} ${url}: ${(e as Error).message}`];
  }
}

function tcpProbe(addr: string, timeoutMs: number): Promise<[CheckStatus, string]> {
  const at = addr.lastIndexOf(':');
  const host = addr.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(at + 1));
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (r: [CheckStatus, string]) => {
      sock.destroy();
      clearTimeout(t);
      resolve(r);
    };
    const t = setTimeout(
      () => done(['critical', `dial tcp ${addr}: i/o timeout`]),
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
    sock.once('connect', () => done(['passing', `TCP connect ${addr}: Success`]));
    sock.once('error', (e) => done(['critical', `dial tcp ${addr}: ${e.message}`]));
  });
}
