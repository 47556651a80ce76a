import { PermissionDenied, Unauthenticated } from '../core/errors';
import type { Logger } from '../core/log';
import type { AuthDecl } from '../http/route-meta';
import type { AuthGate, Credentials, ResourceRef } from '../server/auth-gate';
import type { Connection } from './connection';
import { type ErrorCodeOverrides, errorInfo, RemoteCode } from './grpc-errors';
import { errorBody, type NacosBody, type ResponseFields, responseBody } from './payload-codec';

/** A request as handlers see it: the JSON body with `headers` = the metadata headers. */
export type GrpcRequest = NacosBody & { headers: Record<string, string> };

/**
 * One request type served on the SDK port. Domains export lists of these; the registry runs the
 * cross-cutting checks (auth) once, in `HandlerRegistry.dispatch`, and maps thrown errors to the
 * handler's own response type (spec §A.3).
 */
export interface GrpcHandler<Req extends GrpcRequest = any> {
  /** Exact Nacos request type (`metadata.type`), e.g. `ConfigQueryRequest`. */
  type: string;
  /** Response type returned on success and on handler-level failure. */
  responseType: string;
  /** Auth requirement (spec §E.5); absent = internal request, no check. */
  secured?: AuthDecl;
  /** The resource the request touches, for `secured` checks. */
  resource?(req: Req): ResourceRef;
  /** Per-handler error kind → errorCode overrides (ConfigQuery: not_found → 300). */
  errorCodes?: ErrorCodeOverrides;
  handle(req: Req, conn: Connection): Promise<ResponseFields> | ResponseFields;
}

export interface DispatchResult {
  type: string;
  body: NacosBody;
  /** Label for `batata_grpc_requests_total{result}`. */
  result: 'success' | 'error' | 'no_right';
}

/** Registry of handlers keyed by the exact request type. Duplicate types fail at startup. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, GrpcHandler>();

  constructor(
    handlers: Iterable<GrpcHandler>,
    private readonly deps: { auth: () => AuthGate | undefined; log: Logger },
  ) {
    for (const h of handlers) {
      if (this.handlers.has(h.type)) throw new Error(`duplicate gRPC handler for ${h.type}`);
      this.handlers.set(h.type, h);
    }
  }

  get(type: string): GrpcHandler | undefined {
    return this.handlers.get(type);
  }
  has(type: string): boolean {
    return this.handlers.has(type);
  }
  types(): string[] {
    return [...this.handlers.keys()];
  }

  /** Runs auth, then the handler; never throws. */
  async dispatch(h: GrpcHandler, req: GrpcRequest, conn: Connection): Promise<DispatchResult> {
    try {
      const gate = this.deps.auth();
      if (gate && h.secured)
        await gate.authorize(h.secured, h.resource?.(req) ?? {}, credentials(req.headers, conn));
      const body = responseBody(await h.handle(req, conn));
      return { type: h.responseType, body, result: body.success ? 'success' : 'error' };
    } catch (e) {
      if (e instanceof Unauthenticated || e instanceof PermissionDenied)
        return { type: h.responseType, body: errorBody(RemoteCode.NO_RIGHT, e.message), result: 'no_right' };
      const info = errorInfo(e, this.deps.log, h.errorCodes);
      return { type: h.responseType, body: errorBody(info.errorCode, info.message), result: 'error' };
    }
  }
}

/** Credentials from metadata headers (spec §E.3: Authorization, accessToken, username, password). */
export function credentials(headers: Record<string, string>, conn: Connection): Credentials {
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const authz = lower.authorization;
  return {
    bearer: authz?.startsWith('Bearer ') ? authz.slice(7) : authz || undefined,
    accessToken: lower.accesstoken || undefined,
    username: lower.username || undefined,
    password: lower.password || undefined,
    headers: lower,
    ip: conn.clientIp,
  };
}
