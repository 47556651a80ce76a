import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import { parse } from 'protobufjs';
import protoText from '../../proto/batata_cluster.proto' with { type: 'text' };
import { BatataError } from '../core/errors';
import type { Logger } from '../core/log';
import { safeEqual } from '../core/safe-equal';
import { splitAddress } from './member-list';

/** Offset of the cluster gRPC port from a member's main port (Nacos CLUSTER_GRPC_PORT_DEFAULT_OFFSET). */
export const CLUSTER_PORT_OFFSET = 1001;

interface Frame {
  type: string;
  body: Buffer;
}

/** Server identity sent on every member-to-member call (spec §E.6). Empty key = none configured. */
export interface ServerIdentity {
  key: string;
  value: string;
}

export type ClusterHandler = (body: any) => Promise<unknown> | unknown;

/** Why a cluster call failed; `refused` means the peer is not listening (⇒ DOWN at once). */
export class ClusterCallError extends Error {
  constructor(
    message: string,
    readonly reason: 'refused' | 'unreachable' | 'identity' | 'remote',
    readonly code = 500,
  ) {
    super(message);
  }
}

let cachedService: grpc.ServiceDefinition | undefined;
function serviceDefinition(): grpc.ServiceDefinition {
  if (cachedService) return cachedService;
  const root = parse(protoText, { keepCase: true }).root;
  const def = fromJSON(root.toJSON(), { keepCase: true, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  cachedService = pkg.batata.cluster.ClusterRpc.service as grpc.ServiceDefinition;
  return cachedService;
}

const encode = (v: unknown) => Buffer.from(JSON.stringify(v ?? null));
const decode = (b: Buffer | Uint8Array | undefined) => {
  const s = b ? Buffer.from(b).toString('utf8') : '';
  return s ? JSON.parse(s) : null;
};

/**
 * Cluster gRPC server: a registry of handlers keyed by message type. When a server identity is
 * configured, every call must carry it (metadata `<key>: <value>`) or is answered with error 403.
 */
export class ClusterRpcServer {
  private readonly handlers = new Map<string, ClusterHandler>();
  private server?: grpc.Server;

  constructor(
    private readonly identity: ServerIdentity,
    private readonly log: Logger,
  ) {}

  register(type: string, handler: ClusterHandler) {
    if (this.handlers.has(type)) throw new Error(`duplicate cluster handler ${type}`);
    this.handlers.set(type, handler);
  }

  async listen(host: string, port: number): Promise<number> {
    const server = new grpc.Server(MESSAGE_LIMITS);
    server.addService(serviceDefinition(), {
      Call: (call: grpc.ServerUnaryCall<Frame, Frame>, cb: grpc.sendUnaryData<Frame>) => {
        void this.dispatch(call).then((f) => cb(null, f));
      },
    });
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.server = server;
    return bound;
  }

  private async dispatch(call: grpc.ServerUnaryCall<Frame, Frame>): Promise<Frame> {
    const reply = (type: string, v: unknown): Frame => ({ type, body: encode(v) });
    if (this.identity.key) {
      const got = call.metadata.get(this.identity.key.toLowerCase())[0];
      if (!safeEqual(String(got ?? ''), this.identity.value))
        return reply('error', {
          code: 403,
          message:
            'Invalid server identity key or value, please make sure set the same identity on every member',
        });
    }
    const h = this.handlers.get(call.request.type);
    if (!h) return reply('error', { code: 501, message: `unknown cluster request ${call.request.type}` });
    try {
      return reply('ok', await h(decode(call.request.body)));
    } catch (e) {
      const code = e instanceof BatataError ? (e.kind === 'invalid_argument' ? 400 : 500) : 500;
      if (code === 500) this.log.warn('cluster request failed', { type: call.request.type, err: e });
      return reply('error', { code, message: (e as Error).message });
    }
  }

  async close() {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 1000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/**
 * Distro snapshots carry every instance a node owns (tens of MiB at 100 k instances): far above
 * grpc-js' 4 MiB default. Peers are trusted members, but the cap still bounds what one call can
 * make a node buffer.
 */
const MESSAGE_LIMITS = {
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
};

/** Cluster gRPC client: one channel per peer, addressed by the peer's `ip:mainPort`. */
export class ClusterRpcClient {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly Ctor = grpc.makeGenericClientConstructor(serviceDefinition(), 'ClusterRpc');

  constructor(
    private readonly identity: ServerIdentity,
    private readonly timeoutMs: number,
  ) {}

  /** Sends `type` with `body` to the member at `address`; resolves with its result or throws ClusterCallError. */
  call<T = unknown>(address: string, type: string, body: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    const client = this.client(address);
    const md = new grpc.Metadata();
    if (this.identity.key) md.set(this.identity.key.toLowerCase(), this.identity.value);
    return new Promise<T>((resolve, reject) => {
      (client as any).Call(
        { type, body: encode(body) },
        md,
        { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null, res: Frame) => {
          if (err) {
            const refused = /ECONNREFUSED|connection refused/i.test(err.details ?? err.message);
            return reject(
              new ClusterCallError(
                `${address}: ${err.details || err.message}`,
                refused ? 'refused' : 'unreachable',
              ),
            );
          }
          let v: any;
          try {
            v = decode(res.body);
          } catch {
            return reject(new ClusterCallError(`${address}: malformed reply`, 'remote'));
          }
          if (res.type === 'ok') return resolve(v as T);
          const code = Number(v?.code ?? 500);
          reject(
            new ClusterCallError(
              `${address}: ${v?.message ?? 'error'}`,
              code === 403 ? 'identity' : 'remote',
              code,
            ),
          );
        },
      );
    });
  }

  /** Drops the channel of a member that left. */
  forget(address: string) {
    this.clients.get(address)?.close();
    this.clients.delete(address);
  }

  close() {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(address: string): grpc.Client {
    let c = this.clients.get(address);
    if (!c) {
      const { ip, port } = splitAddress(address);
      c = new this.Ctor(`${ip}:${port + CLUSTER_PORT_OFFSET}`, grpc.credentials.createInsecure(), {
        'grpc.initial_reconnect_backoff_ms': 200,
        'grpc.max_reconnect_backoff_ms': 1000,
        'grpc.min_reconnect_backoff_ms': 100,
        ...MESSAGE_LIMITS,
      });
      this.clients.set(address, c);
    }
    return c;
  }
}
