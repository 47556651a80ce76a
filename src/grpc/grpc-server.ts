import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/log';
import { Connection, type ConnectionManager, splitPeer } from './connection';
import { RemoteCode } from './grpc-errors';
import type { GrpcMetrics } from './grpc-metrics';
import type { HandlerRegistry } from './handler-registry';
import {
  encodePayload,
  errorBody,
  isResponseType,
  type NacosBody,
  PayloadError,
  parseBody,
  readEnvelope,
  responseBody,
} from './payload-codec';
import { nacosServices, type WirePayload } from './proto';
import { PushChannel, type PushLimits } from './push';

type UnaryCall = grpc.ServerUnaryCall<WirePayload, WirePayload>;
type BiCall = grpc.ServerDuplexStream<WirePayload, WirePayload>;

export interface SdkServerOptions {
  clock: Clock;
  log: Logger;
  metrics: GrpcMetrics;
  connections: ConnectionManager;
  handlers: HandlerRegistry;
  pushLimits: PushLimits;
  nextPushId: () => string;
  /**
   * Largest inbound gRPC message (the whole Payload). Like grpc-java's maxInboundMessageSize on
   * Nacos, a larger request fails with status RESOURCE_EXHAUSTED before it is buffered.
   */
  maxInboundMessageBytes: number;
  keepAliveTimeMs: number;
  keepAliveTimeoutMs: number;
  /** Abilities sent in SetupAckRequest. */
  serverAbilities: () => Record<string, boolean>;
}

const errorResponse = (code: number, message: string) =>
  encodePayload('ErrorResponse', errorBody(code, message));

/**
 * The Nacos SDK gRPC endpoint: `/Request/request` (unary) and `/BiRequestStream/requestBiStream`.
 * Unary requests are checked in Nacos' order (GrpcRequestAcceptor): server started → ServerCheck →
 * handler exists → connection registered → body parses → handler.
 */
export class SdkGrpcServer {
  private readonly server: grpc.Server;
  private started = false;
  port = 0;

  constructor(private readonly o: SdkServerOptions) {
    this.server = new grpc.Server({
      'grpc.keepalive_time_ms': o.keepAliveTimeMs,
      'grpc.keepalive_timeout_ms': o.keepAliveTimeoutMs,
      // compat(nacos): BaseGrpcServer sets maxInboundMessageSize; an oversize message is a gRPC
      // status (RESOURCE_EXHAUSTED), not a Nacos ErrorResponse. grpc-js checks the length prefix.
      'grpc.max_receive_message_length': o.maxInboundMessageBytes,
      'grpc.max_send_message_length': -1,
      'grpc-node.max_session_memory': 64,
    });
    const svc = nacosServices();
    this.server.addService(svc.request, {
      request: (call: UnaryCall, cb: grpc.sendUnaryData<WirePayload>) => {
        this.unary(call).then(
          (p) => cb(null, p),
          (e) => {
            o.log.error('grpc unary failed', { err: e });
            cb(null, errorResponse(RemoteCode.SERVER_ERROR, 'internal error'));
          },
        );
      },
    });
    this.server.addService(svc.biRequestStream, { requestBiStream: (call: BiCall) => this.biStream(call) });
  }

  /** Binds the port; with `tls` (PEM cert chain + key) the SDK port speaks TLS like the HTTP port. */
  async listen(host: string, port: number, tls?: { cert: string; key: string }): Promise<number> {
    const creds = tls
      ? grpc.ServerCredentials.createSsl(
          null,
          [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
          false,
        )
      : grpc.ServerCredentials.createInsecure();
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, creds, (e, p) => (e ? reject(e) : resolve(p))),
    );
    return this.port;
  }

  /** Opens for SDK traffic (before this, unary calls get ErrorResponse 300). */
  markStarted() {
    this.started = true;
  }

  /**
   * Graceful stop: refuse new work, ask every client to reconnect elsewhere (ConnectResetRequest),
   * wait up to `resetWaitMs` for the acks, unregister everything, then close the port.
   */
  async stop(resetWaitMs: number, reset: NacosBody = {}) {
    this.started = false;
    const conns = [...this.o.connections.all()];
    const acks = conns.map((c) =>
      c.push
        .push('ConnectResetRequest', 'internal', reset, { timeoutMs: resetWaitMs, maxRetries: 0 })
        .catch(() => {}),
    );
    if (conns.length) await Promise.race([Promise.allSettled(acks), Bun.sleep(resetWaitMs)]);
    for (const c of conns) this.o.connections.unregister(c.id, 'shutdown');
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private async unary(call: UnaryCall): Promise<WirePayload> {
    const t0 = performance.now();
    const env = readEnvelope(call.request);
    const count = (type: string, result: string) => {
      this.o.metrics.requests.inc({ type, result });
      this.o.metrics.requestDuration.observe({ type }, (performance.now() - t0) / 1000);
    };
    if (!this.started) {
      count(env.type === 'ServerCheckRequest' ? env.type : 'other', 'not_started');
      return errorResponse(RemoteCode.INVALID_SERVER_STATUS, 'Server is starting,please try later.');
    }
    const peer = call.getPeer();
    if (env.type === 'ServerCheckRequest') {
      count(env.type, 'success');
      return encodePayload(
        'ServerCheckResponse',
        responseBody({ connectionId: this.o.connections.idForPeer(peer), supportAbilityNegotiation: true }),
      );
    }
    const handler = this.o.handlers.get(env.type);
    if (!handler) {
      count('unknown', 'no_handler');
      this.o.log.debug('no handler for request type', { type: env.type });
      return errorResponse(RemoteCode.NO_HANDLER, 'RequestHandler Not Found');
    }
    const conn = this.o.connections.forPeer(peer);
    if (!conn) {
      count(env.type, 'unregistered');
      return errorResponse(RemoteCode.UN_REGISTER, 'Connection is unregistered.');
    }
    let body: NacosBody;
    try {
      body = parseBody(env.raw);
    } catch (e) {
      const pe = e instanceof PayloadError ? e : new PayloadError(RemoteCode.BAD_GATEWAY, 'Invalid request');
      count(env.type, 'bad_request');
      return errorResponse(pe.errorCode, pe.message);
    }
    this.o.connections.touch(conn);
    const bodyHeaders = isPlainObject(body.headers) ? (body.headers as Record<string, string>) : {};
    const req = { ...body, headers: { ...bodyHeaders, ...env.headers } };
    const res = await this.o.handlers.dispatch(handler, req, conn);
    count(env.type, res.result);
    return encodePayload(res.type, res.body);
  }

  private biStream(call: BiCall) {
    const peer = call.getPeer();
    const { connections, log } = this.o;
    let conn: Connection | undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      try {
        call.end();
      } catch {}
    };
    call.on('data', (p: WirePayload) => {
      const env = readEnvelope(p);
      let body: NacosBody;
      try {
        body = parseBody(env.raw);
      } catch (e) {
        log.debug('unreadable bi-stream frame ignored', { peer, type: env.type, err: (e as Error).message });
        return;
      }
      if (env.type === 'ConnectionSetupRequest') {
        if (conn) return;
        conn = this.setup(call, peer, env.clientIp, body, end);
      } else if (isResponseType(env.type)) {
        if (!conn) return;
        connections.touch(conn);
        if (body.requestId !== undefined && body.requestId !== null)
          conn.push.ack(String(body.requestId), body);
      } else {
        log.debug('bi-stream request ignored', { peer, type: env.type });
      }
    });
    const done = () => {
      if (conn) connections.unregister(conn.id, 'closed', conn);
      else connections.forgetPeer(peer);
      end();
    };
    call.on('end', done);
    call.on('cancelled', done);
    call.on('error', done);
  }

  private setup(call: BiCall, peer: string, clientIp: string, body: NacosBody, end: () => void) {
    const { connections, clock } = this.o;
    const labels = stringMap(body.labels);
    if (!this.started && labels.source === 'sdk') {
      end();
      return undefined;
    }
    // One connection per transport (Nacos keys connections by transport): a second setup on the
    // same transport replaces the first.
    const old = connections.forPeer(peer);
    if (old) connections.unregister(old.id, 'replaced');
    const id = connections.idForPeer(peer);
    const remote = splitPeer(peer);
    const abilityTable = isPlainObject(body.abilityTable)
      ? (body.abilityTable as Record<string, boolean>)
      : undefined;
    const push = new PushChannel(
      { write: (p) => call.write(p), onDrain: (fn) => call.once('drain', fn) },
      { clock, limits: this.o.pushLimits, nextId: this.o.nextPushId, metrics: this.o.metrics },
    );
    const conn = new Connection(
      {
        id,
        remoteIp: remote.ip,
        remotePort: remote.port,
        clientIp: clientIp || remote.ip,
        clientVersion: typeof body.clientVersion === 'string' ? body.clientVersion : '',
        tenant: typeof body.tenant === 'string' ? body.tenant : '',
        labels,
        abilityTable,
      },
      push,
      end,
      clock.now(),
    );
    if (!connections.register(peer, conn)) {
      this.o.log.warn('connection refused: over the connection limit', { connectionId: id });
      conn._close();
      return undefined;
    }
    // compat(nacos): SetupAckRequest only when the client sent an abilityTable (Java/Python wait 5 s for it).
    if (abilityTable)
      push.sendNoAck('SetupAckRequest', 'internal', { abilityTable: this.o.serverAbilities() });
    return conn;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isPlainObject(v))
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = String(x);
  return out;
}
