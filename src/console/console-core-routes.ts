import { Elysia } from 'elysia';
import type { MembershipView } from '../cluster/member';
import type { Readiness } from '../health/readiness';
import { ok } from '../http/nacos-errors';
import { Params } from '../http/params';
import { OPEN, route } from '../http/route-meta';

/** What `/v3/console/server/state` reports (Nacos ServerStateController: a flat string map). */
export interface ConsoleStateSource {
  version: string;
  mainPort: number;
  consolePort: number;
  /** Login page shown by the UI (console auth on). */
  authEnabled(): boolean;
  uiEnabled: boolean;
  datasource: string;
}

const ANNOUNCEMENT: Record<string, string> = {
  'zh-CN': '',
  'en-US': '',
};

/** `/v3/console/health/{liveness,readiness}` (also served locally by a console-only node). */
export function consoleHealthRoutes(readiness: Readiness) {
  return new Elysia({ name: 'console.health' })
    .get('/v3/console/health/liveness', () => ok('ok'), { detail: route('Console liveness', OPEN) })
    .get(
      '/v3/console/health/readiness',
      () =>
        readiness.isReady()
          ? ok('ok')
          : Response.json(
              { code: 30000, message: `server is not ready: ${readiness.reason()}`, data: null },
              { status: 500 },
            ),
      { detail: route('Console readiness: 500 while the server is not ready', OPEN) },
    );
}

/**
 * The console's own endpoints: health, server state, announcement/guide and cluster nodes
 * (`/v3/console/health/*`, `/v3/console/server/*`, `/v3/console/core/cluster/nodes`).
 */
export function consoleCoreRoutes(deps: {
  readiness: Readiness;
  membership: MembershipView;
  state: ConsoleStateSource;
}) {
  const { membership, state } = deps;
  return new Elysia({ name: 'console.core' })
    .use(consoleHealthRoutes(deps.readiness))
    .get('/v3/console/server/state', () => serverState(state, membership.members().length > 1), {
      detail: route('Server state map (version, auth and console switches)', OPEN),
    })
    .get(
      '/v3/console/server/announcement',
      ({ query }) => {
        const lang = Params.from(query, undefined).get('language') ?? 'zh-CN';
        if (!(lang in ANNOUNCEMENT))
          return { code: 30000, message: `Unsupported language: ${lang}`, data: null };
        return ok(ANNOUNCEMENT[lang]);
      },
      { detail: route('Console announcement (empty)', OPEN) },
    )
    .get('/v3/console/server/guide', () => ok(''), { detail: route('Console guide (empty)', OPEN) })
    .get(
      '/v3/console/core/cluster/nodes',
      ({ query }) => {
        const kw = Params.from(query, undefined).get('keyword');
        const all = membership.members();
        return ok(kw ? all.filter((m) => m.address.includes(kw)) : all);
      },
      { detail: route('Cluster members with their state', { admin: 'cluster', action: 'r' }) },
    );
}

export function serverState(s: ConsoleStateSource, cluster: boolean): Record<string, string | null> {
  const auth = s.authEnabled();
  const mode = cluster ? 'cluster' : 'standalone';
  return {
    version: s.version,
    standalone_mode: mode,
    startup_mode: mode,
    function_mode: null,
    server_port: String(s.mainPort),
    console_port: String(s.consolePort),
    auth_enabled: String(auth),
    login_page_enabled: String(auth),
    auth_system_type: 'nacos',
    auth_admin_request: 'false',
    console_ui_enabled: String(s.uiEnabled),
    datasource_platform: s.datasource,
    config_retention_days: '30',
  };
}
