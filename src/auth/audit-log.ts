import type { Clock } from '../core/clock';
import type { LogSink } from '../core/log';

export interface AuditEntry {
  /** Authenticated user, `cluster-member`, or `anonymous` (auth disabled / failed). */
  user: string;
  action: 'r' | 'w';
  /** Rendered resource (`public:DEFAULT_GROUP:config/app.yaml`, `console/users`, …). */
  resource: string;
  /** Client address. */
  ip: string;
  decision: 'allow' | 'deny';
  reason?: string;
  /** Transport detail, e.g. `POST /nacos/v1/cs/configs` or a gRPC request type. */
  via?: string;
}

/**
 * Audit trail of every write (and every denied request): one JSON line per event in its own file,
 * never mixed into the main log. Entries carry no token or password.
 */
export class AuditLog {
  constructor(
    private readonly sink: LogSink | undefined,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.sink !== undefined;
  }

  record(e: AuditEntry) {
    if (!this.sink) return;
    this.sink.write(`${JSON.stringify({ ts: new Date(this.clock.now()).toISOString(), ...e })}\n`);
  }

  close() {
    this.sink?.close();
  }
}
