import type { Logger } from '../core/log';

export interface ReadinessCheck {
  name: string;
  /** Resolves when healthy; rejects with the reason otherwise. */
  check(): Promise<void>;
}

/**
 * Readiness is computed off the request path: checks run every `intervalMs` and the probes read
 * the last result, so a slow database never makes a probe slow.
 */
export class Readiness {
  private failures = new Map<string, string>();
  private loaded = false;
  private timer?: ReturnType<typeof setInterval>;
  private running = false;

  constructor(
    private readonly checks: ReadinessCheck[],
    private readonly log: Logger,
    private readonly onChange?: (ready: boolean) => void,
  ) {}

  /** Marks the in-memory state as loaded; until then the node is not ready. */
  markLoaded() {
    this.loaded = true;
    this.onChange?.(this.isReady());
  }

  start(intervalMs = 2000) {
    void this.runChecks();
    this.timer = setInterval(() => void this.runChecks(), intervalMs);
    this.timer.unref?.();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }

  isReady(): boolean {
    return this.loaded && this.failures.size === 0;
  }

  /** Why the node is not ready, or '' when it is. */
  reason(): string {
    if (!this.loaded) return 'state not loaded';
    return [...this.failures].map(([n, m]) => `${n}: ${m}`).join('; ');
  }

  async runChecks(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const before = this.isReady();
    try {
      for (const c of this.checks) {
        try {
          await c.check();
          if (this.failures.delete(c.name)) this.log.info('readiness check recovered', { check: c.name });
        } catch (e) {
          const msg = (e as Error).message;
          if (this.failures.get(c.name) !== msg)
            this.log.warn('readiness check failing', { check: c.name, error: msg });
          this.failures.set(c.name, msg);
        }
      }
    } finally {
      this.running = false;
    }
    if (before !== this.isReady()) this.onChange?.(this.isReady());
  }
}
