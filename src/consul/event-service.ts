import type { Clock } from '../core/clock';
import type { UserEvent } from './consul-model';

const RING = 256;

/**
 * User events (`/v1/event/fire`, `/v1/event/list`): an in-memory ring of the last 256, as a Consul
 * agent keeps. The list "index" is the latest event's UUID folded to 64 bits (not monotonic).
 */
export class EventService {
  private readonly ring: UserEvent[] = [];
  private ltime = 0;
  private waiters = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  fire(name: string, payload: Uint8Array | null, filters: { node?: string; service?: string; tag?: string }) {
    const ev: UserEvent = {
      id: crypto.randomUUID(),
      name,
      payload: payload?.length ? payload : null,
      nodeFilter: filters.node ?? '',
      serviceFilter: filters.service ?? '',
      tagFilter: filters.tag ?? '',
      version: 1,
      ltime: ++this.ltime,
    };
    this.ring.push(ev);
    if (this.ring.length > RING) this.ring.shift();
    const ws = this.waiters;
    this.waiters = new Set();
    for (const w of ws) w();
    return ev;
  }

  list(name?: string): { index: bigint; events: UserEvent[] } {
    const events = name ? this.ring.filter((e) => e.name === name) : [...this.ring];
    const last = events[events.length - 1];
    return { index: last ? uuidToIndex(last.id) : 0n, events };
  }

  /** Waits until another event is fired, or `ms` passes, or `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        this.clock.clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = this.clock.setTimeout(done, ms);
      signal?.addEventListener('abort', done);
      this.waiters.add(done);
    });
  }

  /** Releases every waiter (shutdown). */
  releaseAll() {
    for (const w of [...this.waiters]) w();
  }
}

/** compat(consul): api/event.go IDToIndex — XOR of the UUID's two 64-bit halves. */
export function uuidToIndex(uuid: string): bigint {
  const lower = uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18);
  const upper = uuid.slice(19, 23) + uuid.slice(24, 36);
  return BigInt(`0x${lower}`) ^ BigInt(`0x${upper}`);
}
