import type { MembershipView } from '../cluster/member';
import type { Logger } from '../core/log';
import type { Readiness } from '../health/readiness';
import type { HttpAppOptions } from '../http/app';
import type { Metrics } from '../metrics/metrics';
import type { AnyElysia, ServerModule, Services } from '../server/module';
import type { Settings } from '../settings/settings';
import { normalizeContextPath } from '../settings/settings';
import { createConsoleApp } from './console-app';
import { consoleCoreRoutes } from './console-core-routes';

export { createConsoleApp } from './console-app';
export { consoleSettings } from './console-settings';

/** The console API plugins of a server node: core console routes plus every module's consoleRoutes. */
export function consoleApi(deps: {
  settings: Settings;
  version: string;
  readiness: Readiness;
  membership: MembershipView;
  services: Services;
  modules: ServerModule[];
  datasource: string;
}): AnyElysia[] {
  const { settings } = deps;
  return [
    consoleCoreRoutes({
      readiness: deps.readiness,
      membership: deps.membership,
      state: {
        version: deps.version,
        mainPort: settings.mainPort,
        consolePort: settings.int('nacos.console.port'),
        authEnabled: () =>
          Boolean(deps.services.auth?.enabled) && settings.bool('nacos.core.auth.console.enabled'),
        uiEnabled: settings.bool('nacos.console.ui.enabled'),
        datasource: deps.datasource,
      },
    }),
    ...deps.modules.flatMap((m) => m.consoleRoutes ?? []),
  ];
}

/**
 * The console plugins that may also be mounted on the main port under the Nacos context path (so a
 * console-only node can forward to this server): those serving only `/v3/console/...`. Others (the
 * auth module's `/v3/auth/...`) already exist there as Nacos routes.
 */
export function consolePathPlugins(plugins: AnyElysia[]): AnyElysia[] {
  return plugins.filter((p) => p.routes.every((r: { path: string }) => r.path.startsWith('/v3/console/')));
}

/**
 * Console app of deployment type `all`: the console API (every module's consoleRoutes, including
 * the auth module's `/v3/auth/...` login and user management) served directly.
 */
export function createMergedConsoleApp(deps: {
  settings: Settings;
  log: Logger;
  metrics: Metrics;
  api: AnyElysia[];
  guard?: HttpAppOptions['guard'];
}) {
  const { settings } = deps;
  return createConsoleApp({
    log: deps.log,
    metrics: deps.metrics,
    contextPath: normalizeContextPath(settings.str('nacos.console.context-path')),
    accessLog: settings.bool('log.access'),
    guard: deps.guard,
    api: deps.api,
    ui: settings.bool('nacos.console.ui.enabled'),
  });
}
