import { Elysia } from 'elysia';
import { isBatataError } from '../core/errors';
import type { Logger } from '../core/log';
import type { Metrics } from '../metrics/metrics';
import { nacosResultError, nacosV1Error } from './nacos-errors';
import type { AuthDecl, RouteDetail } from './route-meta';

/** Per-protocol error rendering, chosen by path prefix. */
export interface ErrorRenderer {
  /** Path prefix this renderer owns, e.g. `/v1/` for Consul. */
  prefix: string;
  render(err: unknown, status: number, message: string): Response;
}

export interface HttpAppOptions {
  log: Logger;
  metrics: Metrics;
  /** Nacos context path, '' or '/nacos'. */
  contextPath: string;
  accessLog?: boolean;
  /** Extra protocol renderers (Consul plain text). */
  renderers?: ErrorRenderer[];
  /** Called before every routed handler with the route's auth declaration. */
  guard?: (decl: AuthDecl | undefined, ctx: GuardContext) => void | Promise<void>;
}

export interface GuardContext {
  request: Request;
  method: string;
  route: string;
  query: Record<string, unknown>;
  body: unknown;
  headers: Record<string, string | undefined>;
  ip: string;
}

type AnyElysia = Elysia<any, any, any, any, any, any, any>;

/**
 * Assembles the main HTTP app: access log, metrics, error mapping (one table per protocol),
 * 404/405 handling and the auth guard hook. Domain route plugins are added with `app.use(...)`.
 */
export function createHttpApp(opts: HttpAppOptions) {
  const { log, metrics, contextPath } = opts;
  const access = log.child('http.access');
  const errLog = log.child('http');
  const started = new WeakMap<Request, number>();
  const errorStatus = new WeakMap<Request, number>();
  const renderers = opts.renderers ?? [];
  const httpMetrics = metrics.http;
  const authDecls = new Map<string, AuthDecl | undefined>();
  /** Routes whose handlers authorize themselves (`x-batata-auth-in-handler`). */
  const inHandler = new Set<string>();
  let routeMatcher: RouteMatcher | undefined;
  const guard = opts.guard;

  const nacosPrefix = `${contextPath}/`;
  const renderError = (path: string, err: unknown, status: number, message: string): Response => {
    if (isBatataError(err)) {
      if (
        path.startsWith(`${contextPath}/v2/`) ||
        path.startsWith(`${contextPath}/v3/`) ||
        path.startsWith('/v3/')
      )
        return nacosResultError(err);
      for (const r of renderers) if (path.startsWith(r.prefix)) return r.render(err, status, message);
      return nacosV1Error(err);
    }
    for (const r of renderers) if (path.startsWith(r.prefix)) return r.render(err, status, message);
    if (
      path.startsWith(`${contextPath}/v2/`) ||
      path.startsWith(`${contextPath}/v3/`) ||
      path.startsWith('/v3/')
    )
      return Response.json(
        { code: status === 404 ? 20004 : status === 400 ? 20002 : 30000, message, data: null },
        { status },
      );
    return new Response(message, { status, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
  };

  const app = new Elysia({ name: 'batata.http' })
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    // Hooks destructure the fields they use: Elysia inspects that to skip parsing the rest
    // (cookies, etc.) on every request.
    .onBeforeHandle({ as: 'global' }, ({ request, route, query, body, server }) => {
      if (!guard) return;
      const key = `${request.method} ${route}`;
      if (inHandler.has(key)) return;
      const decl = authDecls.get(key);
      return guard(
        decl,
        new LazyGuardContext(request, route, query as Record<string, unknown>, body, server),
      );
    })
    .onAfterResponse({ as: 'global' }, ({ request, route, set, response, path }) => {
      const t0 = started.get(request);
      const ms = t0 === undefined ? 0 : performance.now() - t0;
      const status = errorStatus.get(request) ?? statusOf(set.status, response);
      const r = route || 'unmatched';
      httpMetrics.record(request.method, r, status, ms / 1000);
      if (opts.accessLog !== false && access.enabled('info'))
        access.info('request', { method: request.method, path, status, ms: Math.round(ms * 100) / 100 });
    })
    // Destructured for the same reason: a hook taking the whole context makes Elysia parse
    // cookies (and everything else) on every route.
    .onError({ as: 'global' }, ({ code, error, request }) => {
      const res = handleError({ code, error, request });
      errorStatus.set(request, res.status);
      return res;
    });

  function handleError(ctx: { code: unknown; error: unknown; request: Request }): Response {
    const { code, error, request } = ctx;
    const path = new URL(request.url).pathname;
    if (code === 'NOT_FOUND') {
      const allowed = routeMatcher?.methodsFor(path) ?? [];
      if (allowed.length && !allowed.includes(request.method)) {
        const res = renderError(path, undefined, 405, `Request method '${request.method}' is not supported`);
        res.headers.set('Allow', allowed.join(', '));
        return res;
      }
      return renderError(path, undefined, 404, `No route for ${request.method} ${path}`);
    }
    if (code === 'PARSE')
      return renderError(path, undefined, 400, `Malformed request body: ${(error as Error).message}`);
    if (code === 'VALIDATION')
      return renderError(path, undefined, 400, `Invalid request: ${(error as Error).message}`);
    if (isBatataError(error)) {
      if (error.kind === 'internal' || error.kind === 'unavailable')
        errLog.warn('request failed', {
          method: request.method,
          path,
          kind: error.kind,
          error: error.message,
        });
      return renderError(path, error, 0, error.message);
    }
    if (code === 'INVALID_COOKIE_SIGNATURE' || code === 'INVALID_FILE_TYPE')
      return renderError(path, undefined, 400, String((error as Error).message));
    const id = crypto.randomUUID();
    errLog.error('unhandled error', { id, method: request.method, path, err: error as Error });
    return renderError(path, undefined, 500, `internal error, id ${id}`);
  }

  return {
    app,
    /** Call once all plugins are used: indexes auth declarations and routes for 405 detection. */
    seal(root: AnyElysia) {
      for (const r of root.routes) {
        const detail = (r.hooks as any)?.detail as RouteDetail | undefined;
        authDecls.set(`${r.method} ${r.path}`, detail?.['x-batata-auth']);
        if (detail?.['x-batata-auth-in-handler']) inHandler.add(`${r.method} ${r.path}`);
      }
      routeMatcher = new RouteMatcher(root.routes.map((r) => ({ method: r.method, path: r.path })));
    },
    nacosPrefix,
  };
}

/**
 * Headers and the peer address are only computed when the guard reads them (an open route
 * returns before): destructuring `headers` makes Elysia build the object on every request.
 */
class LazyGuardContext implements GuardContext {
  private h?: Record<string, string | undefined>;
  private addr?: string;
  constructor(
    readonly request: Request,
    readonly route: string,
    readonly query: Record<string, unknown>,
    readonly body: unknown,
    private readonly server: { requestIP(r: Request): { address: string } | null } | null | undefined,
  ) {}
  get method() {
    return this.request.method;
  }
  get headers() {
    this.h ??= Object.fromEntries(this.request.headers);
    return this.h;
  }
  get ip() {
    this.addr ??= this.server?.requestIP(this.request)?.address ?? '';
    return this.addr;
  }
}

function statusOf(setStatus: unknown, response: unknown): number {
  if (response instanceof Response) return response.status;
  if (typeof setStatus === 'number') return setStatus;
  return 200;
}

/** Finds which methods a path is served with, to answer 405 instead of 404. */
export class RouteMatcher {
  private readonly routes: Array<{ method: string; re: RegExp }>;
  constructor(routes: Array<{ method: string; path: string }>) {
    this.routes = routes.map((r) => ({
      method: r.method,
      re: new RegExp(
        `^${r.path
          .split('/')
          .map((seg) =>
            seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('/')}/?$`,
      ),
    }));
  }
  methodsFor(path: string): string[] {
    const out = new Set<string>();
    for (const r of this.routes) if (r.re.test(path)) out.add(r.method);
    return [...out];
  }
}

/**
 * Keeps a long-poll or blocking query open past Bun's idle timeout: call from the handler.
 * `server.timeout(req, 0)` disables the idle timer for this request only.
 */
export function holdOpen(
  server: { timeout?: (req: Request, seconds: number) => void } | null | undefined,
  request: Request,
) {
  server?.timeout?.(request, 0);
}
