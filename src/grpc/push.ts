import type { Clock, TimerHandle } from '../core/clock';
import type { GrpcMetrics } from './grpc-metrics';
import { encodePayload, type NacosBody, requestBody } from './payload-codec';
import type { WirePayload } from './proto';

/** Where pushes are written: the server side of one bi-stream. */
export interface PushSink {
  /** Returns false when the transport buffer is full; `onDrain` then fires once it empties. */
  write(p: WirePayload): boolean;
  onDrain(fn: () => void): void;
}

export interface PushOptions {
  /** Ack timeout per attempt. */
  timeoutMs?: number;
  /** Retries after a timeout or a failed ack; 0 = one attempt. */
  maxRetries?: number;
  /** Retry n waits n × this. */
  retryDelayMs?: number;
  /**
   * Pushes with the same key that are still waiting in the queue are merged: the newer body replaces
   * the older one and both callers get the one ack (a config changing twice needs one notify).
   */
  coalesceKey?: string;
}

export type PushFailure = 'queue_full' | 'timeout' | 'closed' | 'rejected';

export class PushError extends Error {
  constructor(
    readonly reason: PushFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface PushLimits {
  queueSize: number;
  maxInFlight: number;
  timeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
}

interface Item {
  type: string;
  module: string;
  fields: NacosBody;
  timeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
  coalesceKey?: string;
  attempt: number;
  firstSentAt: number;
  requestId?: string;
  timer?: TimerHandle;
  waiters: Array<{ resolve(b: NacosBody): void; reject(e: PushError): void }>;
}

/** Server-wide push id source (Nacos PushAckIdGenerator): increasing numbers rendered as strings. */
export function pushIdGenerator(): () => string {
  let n = 0;
  return () => String(++n);
}

/**
 * Server→client requests over one bi-stream, with acks.
 *
 * Contract:
 * - `push` resolves with the client's response body once a response frame with the same
 *   `requestId` and `resultCode` 200 arrives; it rejects with a PushError after the retries are
 *   used up (`timeout`/`rejected`), when the connection closes (`closed`) or at once when the queue
 *   is full (`queue_full`: the caller falls back to a resync, e.g. the client's next listen).
 * - At most `maxInFlight` pushes wait for acks; the rest queue, at most `queueSize` of them. When
 *   the transport reports a full buffer, sending pauses until it drains. Nothing here ever blocks
 *   the caller or another connection; a dead client only fills its own bounded queue.
 * - Each attempt gets a fresh requestId, so a late ack for an abandoned attempt is ignored.
 */
export class PushChannel {
  private readonly queue: Item[] = [];
  private readonly inFlight = new Map<string, Item>();
  private readonly retrying = new Set<Item>();
  private paused = false;
  private closed = false;

  constructor(
    private readonly sink: PushSink,
    private readonly deps: {
      clock: Clock;
      limits: PushLimits;
      nextId: () => string;
      metrics?: GrpcMetrics;
    },
  ) {}

  get queued(): number {
    return this.queue.length;
  }
  get pending(): number {
    return this.inFlight.size + this.retrying.size;
  }

  /** Sends a request that expects a response frame (see the class contract). */
  push(type: string, module: string, fields: NacosBody, opts: PushOptions = {}): Promise<NacosBody> {
    return new Promise<NacosBody>((resolve, reject) => {
      if (this.closed) return reject(new PushError('closed', 'connection closed'));
      const waiter = { resolve, reject };
      if (opts.coalesceKey !== undefined) {
        const same = this.queue.find((i) => i.coalesceKey === opts.coalesceKey);
        if (same) {
          same.fields = fields;
          same.waiters.push(waiter);
          return;
        }
      }
      if (this.queue.length >= this.deps.limits.queueSize) {
        this.deps.metrics?.pushQueueDropped.inc();
        this.deps.metrics?.pushes.inc({ type, result: 'dropped' });
        return reject(new PushError('queue_full', 'push queue full'));
      }
      const l = this.deps.limits;
      this.queue.push({
        type,
        module,
        fields,
        timeoutMs: opts.timeoutMs ?? l.timeoutMs,
        maxRetries: opts.maxRetries ?? l.maxRetries,
        retryDelayMs: opts.retryDelayMs ?? l.retryDelayMs,
        coalesceKey: opts.coalesceKey,
        attempt: 0,
        firstSentAt: 0,
        waiters: [waiter],
      });
      this.pump();
    });
  }

  /** Sends a request the client never answers (SetupAckRequest). */
  sendNoAck(type: string, module: string, fields: NacosBody): void {
    if (this.closed) return;
    if (!this.sink.write(encodePayload(type, requestBody(module, fields)))) this.pauseUntilDrain();
  }

  /**
   * Matches a response frame from the client. Returns false when no push waits for `requestId`
   * (late or unknown ack).
   */
  ack(requestId: string, body: NacosBody): boolean {
    const item = this.inFlight.get(requestId);
    if (!item) return false;
    this.inFlight.delete(requestId);
    if (item.timer) this.deps.clock.clearTimeout(item.timer);
    const ok = body.resultCode === undefined ? body.success !== false : body.resultCode === 200;
    if (ok) {
      this.deps.metrics?.pushes.inc({ type: item.type, result: 'success' });
      this.deps.metrics?.pushLatency.observe(
        { type: item.type },
        (this.deps.clock.now() - item.firstSentAt) / 1000,
      );
      for (const w of item.waiters) w.resolve(body);
    } else {
      this.retryOrFail(item, 'rejected');
    }
    this.pump();
    return true;
  }

  /** Fails everything pending; later pushes reject at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.queue, ...this.inFlight.values(), ...this.retrying];
    this.queue.length = 0;
    this.inFlight.clear();
    this.retrying.clear();
    for (const item of all) {
      if (item.timer) this.deps.clock.clearTimeout(item.timer);
      this.fail(item, 'closed', 'connection closed');
    }
  }

  private pump() {
    while (
      !this.closed &&
      !this.paused &&
      this.queue.length &&
      this.inFlight.size < this.deps.limits.maxInFlight
    ) {
      this.send(this.queue.shift()!);
    }
  }

  private send(item: Item) {
    const id = this.deps.nextId();
    item.requestId = id;
    if (!item.firstSentAt) item.firstSentAt = this.deps.clock.now();
    this.inFlight.set(id, item);
    item.timer = this.deps.clock.setTimeout(() => {
      if (this.inFlight.get(id) !== item) return;
      this.inFlight.delete(id);
      this.retryOrFail(item, 'timeout');
      this.pump();
    }, item.timeoutMs);
    let written: boolean;
    try {
      written = this.sink.write(encodePayload(item.type, requestBody(item.module, item.fields, id)));
    } catch {
      written = false;
    }
    if (!written) this.pauseUntilDrain();
  }

  private pauseUntilDrain() {
    if (this.paused) return;
    this.paused = true;
    this.sink.onDrain(() => {
      this.paused = false;
      this.pump();
    });
  }

  private retryOrFail(item: Item, reason: 'timeout' | 'rejected') {
    if (item.attempt >= item.maxRetries) {
      this.fail(
        item,
        reason,
        reason === 'timeout' ? 'push not acknowledged in time' : 'client rejected push',
      );
      return;
    }
    item.attempt++;
    this.deps.metrics?.pushes.inc({ type: item.type, result: 'retry' });
    this.retrying.add(item);
    item.timer = this.deps.clock.setTimeout(() => {
      if (!this.retrying.delete(item)) return;
      this.queue.unshift(item);
      this.pump();
    }, item.retryDelayMs * item.attempt);
  }

  private fail(item: Item, reason: PushFailure, message: string) {
    this.deps.metrics?.pushes.inc({ type: item.type, result: reason });
    const err = new PushError(reason, message);
    for (const w of item.waiters) w.reject(err);
  }
}
