import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** The envelope as proto-loader decodes it. */
export interface Payload {
  metadata?: { type?: string; clientIp?: string; headers?: Record<string, string> };
  body?: { type_url?: string; value?: Uint8Array };
}

export interface Message {
  type: string;
  body: Record<string, any>;
}

const pkg = loadSync(resolve(import.meta.dir, '../../proto/nacos_grpc_service.proto'), {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
});
const RequestClient = grpc.makeGenericClientConstructor(pkg.Request as grpc.ServiceDefinition, 'Request');
const BiClient = grpc.makeGenericClientConstructor(
  pkg.BiRequestStream as grpc.ServiceDefinition,
  'BiRequestStream',
);

export function encode(
  type: string,
  body: unknown,
  headers: Record<string, string> = {},
  clientIp = '127.0.0.1',
): Payload {
  return {
    metadata: { type, clientIp, headers },
    body: {
      type_url: '',
      value: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
    },
  };
}

export function decode(p: Payload): Message & { raw: string; typeUrl: string } {
  const raw = new TextDecoder().decode(p.body?.value ?? new Uint8Array());
  return {
    type: p.metadata?.type ?? '',
    body: raw ? JSON.parse(raw) : {},
    raw,
    typeUrl: p.body?.type_url ?? '',
  };
}

export interface ClientOptions {
  clientVersion?: string;
  tenant?: string;
  labels?: Record<string, string>;
  /** Java 2.3+/3.x send a table and wait for SetupAckRequest; `null` behaves like Go (sleep 100 ms). */
  abilityTable?: Record<string, boolean> | null;
  clientIp?: string;
  /** Answer server pushes with success responses (default true). */
  autoAck?: boolean;
  /** Send HealthCheckRequest at this interval (Java: 5000); 0 = off (default). */
  healthCheckMs?: number;
  /** Headers put on every unary request (e.g. accessToken). */
  headers?: Record<string, string>;
  /** PEM root certificate: connect over TLS and trust it (the SDKs' TLS mode). */
  tlsRootCert?: string;
  /** Extra fields of the ack per push type, like an SDK's handler result (e.g. ClientConfigMetricResponse.metrics). */
  ackFields?: Record<string, (push: Record<string, any>) => Record<string, unknown>>;
  /** Extra grpc-js channel options (e.g. keepalive pings). */
  channelOptions?: Record<string, number | string>;
}

/**
 * A Nacos SDK as the Java/Go clients drive the protocol (spec §A.5–A.7): ServerCheckRequest on the
 * unary service, then the bi-stream with ConnectionSetupRequest as first frame, waiting for
 * SetupAckRequest when abilities are negotiated; answers server pushes with acks.
 */
export class NacosGrpcClient {
  readonly pushes: Message[] = [];
  connectionId = '';
  serverCheck?: Message;
  setupAck?: Message;
  /** Set when the server ended or failed the bi-stream. */
  streamClosed = false;
  private readonly unary: any;
  private readonly bi: any;
  private stream?: grpc.ClientDuplexStream<Payload, Payload>;
  private waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  private healthTimer?: ReturnType<typeof setInterval>;
  autoAck: boolean;

  private constructor(
    readonly address: string,
    private readonly opts: ClientOptions,
  ) {
    const creds = opts.tlsRootCert
      ? grpc.credentials.createSsl(Buffer.from(opts.tlsRootCert))
      : grpc.credentials.createInsecure();
    this.unary = new RequestClient(address, creds, {
      // Each SDK client has its own TCP connection; grpc-js would otherwise share one per target.
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      ...opts.channelOptions,
    });
    this.bi = new BiClient(address, creds, {
      channelOverride: this.unary.getChannel(),
    });
    this.autoAck = opts.autoAck ?? true;
  }

  /** Opens a connection the way the SDKs do; throws if the server does not complete the handshake. */
  static async connect(address: string, opts: ClientOptions = {}): Promise<NacosGrpcClient> {
    const c = new NacosGrpcClient(address, opts);
    try {
      await c.handshake();
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** A client that only has the channel (for tests of requests before/without setup). */
  static raw(address: string): NacosGrpcClient {
    return new NacosGrpcClient(address, {});
  }

  private async handshake() {
    const check = await this.request('ServerCheckRequest', { headers: {}, module: 'internal' });
    if (check.type !== 'ServerCheckResponse')
      throw new Error(`server check failed: ${JSON.stringify(check)}`);
    this.serverCheck = check;
    this.connectionId = check.body.connectionId;
    const abilityTable =
      this.opts.abilityTable === undefined
        ? { supportPersistentInstanceByGrpc: true }
        : this.opts.abilityTable;
    const ackWait =
      abilityTable && check.body.supportAbilityNegotiation ? this.waitFor('SetupAckRequest', 5000) : null;
    this.openStream();
    this.send('ConnectionSetupRequest', {
      clientVersion: this.opts.clientVersion ?? 'Nacos-Java-Client:v2.6.3',
      tenant: this.opts.tenant ?? '',
      labels: this.opts.labels ?? { source: 'sdk', module: 'config', AppName: 'test', taskId: '0' },
      ...(abilityTable ? { abilityTable } : {}),
      headers: {},
      module: 'internal',
    });
    if (ackWait) this.setupAck = await ackWait;
    else await Bun.sleep(100);
    if (this.opts.healthCheckMs)
      this.healthTimer = setInterval(
        () => void this.request('HealthCheckRequest', {}).catch(() => {}),
        this.opts.healthCheckMs,
      );
  }

  /** Opens the bi-stream (done by `connect`; exposed for protocol tests). */
  openStream() {
    const s: grpc.ClientDuplexStream<Payload, Payload> = this.bi.requestBiStream();
    this.stream = s;
    s.on('data', (p: Payload) => this.onPush(decode(p)));
    s.on('end', () => (this.streamClosed = true));
    s.on('error', () => (this.streamClosed = true));
  }

  /** Writes a frame on the bi-stream. */
  send(type: string, body: unknown) {
    this.stream?.write(encode(type, body, {}, this.opts.clientIp ?? '127.0.0.1'));
  }
  sendRaw(p: Payload) {
    this.stream?.write(p);
  }

  private onPush(m: Message) {
    this.pushes.push(m);
    for (const w of [...this.waiters])
      if (w.match(m)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    if (this.autoAck && m.type.endsWith('Request') && m.type !== 'SetupAckRequest') this.ack(m);
  }

  /** Answers a push with its response type and requestId (resultCode 200). */
  ack(m: Message, resultCode = 200) {
    this.send(m.type.replace(/Request$/, 'Response'), {
      ...this.opts.ackFields?.[m.type]?.(m.body),
      resultCode,
      errorCode: resultCode === 200 ? 0 : 500,
      requestId: m.body.requestId,
      success: resultCode === 200,
    });
  }

  /** Resolves with the first push (already received or future) of `type` matching `pred`. */
  waitFor(
    type: string,
    timeoutMs = 3000,
    pred: (b: any) => boolean = () => true,
    since = 0,
  ): Promise<Message> {
    const match = (m: Message) => m.type === type && pred(m.body);
    const seen = this.pushes.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { match, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(
          new Error(
            `no ${type} push within ${timeoutMs} ms (got ${this.pushes.map((p) => p.type).join(',')})`,
          ),
        );
      }, timeoutMs);
    });
  }

  /** Unary request with the SDK's envelope; resolves with the decoded response. */
  async request(
    type: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<Message> {
    const r = await this.requestRaw(
      encode(
        type,
        { headers: {}, ...body },
        { ...this.opts.headers, ...headers },
        this.opts.clientIp ?? '127.0.0.1',
      ),
    );
    return { type: r.type, body: r.body };
  }

  requestRaw(p: Payload, timeoutMs = 5000): Promise<Message & { raw: string; typeUrl: string }> {
    return new Promise((resolve, reject) =>
      this.unary.request(p, { deadline: Date.now() + timeoutMs }, (err: Error | null, res: Payload) =>
        err ? reject(err) : resolve(decode(res)),
      ),
    );
  }

  /** Ends the bi-stream (the server unregisters the connection) and closes the channel. */
  close() {
    if (this.healthTimer) clearInterval(this.healthTimer);
    try {
      this.stream?.end();
      this.stream?.cancel();
    } catch {}
    this.unary.close();
  }
}
