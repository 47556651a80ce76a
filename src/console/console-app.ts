import { Elysia } from 'elysia';
import type { Logger } from '../core/log';
import { createHttpApp, type HttpAppOptions } from '../http/app';
import { OPEN, route } from '../http/route-meta';
import type { Metrics } from '../metrics/metrics';
import type { AnyElysia } from '../server/module';
import { type Asset, consoleAssets, serveAsset } from './assets';
import type { Forwarder } from './forward';

export interface ConsoleAppOptions {
  log: Logger;
  metrics: Metrics;
  /** Console context path, '' or '/console'. */
  contextPath: string;
  accessLog?: boolean;
  guard?: HttpAppOptions['guard'];
  /** Console API plugins served here (`/v3/console/...`): core routes plus every module's consoleRoutes. */
  api: AnyElysia[];
  /**
   * Path prefixes (`/v3/auth`, and in console-only mode `/v3/console`) answered by another server:
   * each request under them goes to `forward`.
   */
  forwarded?: { prefixes: string[]; forward: Forwarder };
  ui: boolean;
}

const FORWARD_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/**
 * The console listener: the embedded UI, the v3 console API and the auth API the UI logs in with.
 * Errors render as in the main app (Result envelope under /v3/).
 */
export function createConsoleApp(opts: ConsoleAppOptions) {
  const cp = opts.contextPath;
  const http = createHttpApp({
    log: opts.log.child('console'),
    metrics: opts.metrics,
    contextPath: cp,
    accessLog: opts.accessLog,
    guard: opts.guard,
  });
  const root = new Elysia({ name: 'batata.console', prefix: cp });
  for (const p of opts.api) root.use(p);

  const { forward, prefixes } = opts.forwarded ?? { prefixes: [], forward: undefined };
  if (forward)
    for (const prefix of prefixes)
      for (const method of FORWARD_METHODS)
        root.route(
          method,
          `${prefix}/*`,
          ({ request }) => forward(request, new URL(request.url).pathname.slice(cp.length)),
          {
            parse: 'none',
            detail: route(`Forwarded to the server (${prefix})`, OPEN, {
              description: 'The server that owns the API authorizes the request.',
            }),
          },
        );

  if (opts.ui) {
    // Compressed on the first page request, not while the server starts.
    let assets: Map<string, Asset> | undefined;
    const page = ({ request }: { request: Request }) => {
      const path = new URL(request.url).pathname.slice(cp.length) || '/';
      assets ??= consoleAssets(cp);
      const asset = assets.get(path);
      return asset
        ? serveAsset(asset, request)
        : new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } });
    };
    const ui = { detail: route('Web console UI', OPEN) };
    root.get('/', page, ui).get('/index.html', page, ui).get('/assets/:file', page, ui);
  }

  const app = http.app.use(root);
  http.seal(app);
  return app;
}
