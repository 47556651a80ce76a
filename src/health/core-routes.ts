import { Elysia } from 'elysia';
import type { MembershipView } from '../cluster/member';
import { ok, restOk } from '../http/nacos-errors';
import { Params } from '../http/params';
import { OPEN, route } from '../http/route-meta';
import type { Readiness } from './readiness';

const notReady = (r: Readiness) => new Response(`server is not ready: ${r.reason()}`, { status: 500 });
const notReadyResult = (r: Readiness) =>
  Response.json({ code: 30000, message: `server is not ready: ${r.reason()}`, data: null }, { status: 500 });

/** Liveness/readiness for every API generation. Mounted under the Nacos context path. */
export function healthRoutes(readiness: Readiness) {
  return new Elysia({ name: 'core.health' })
    .get('/v1/console/health/liveness', () => 'OK', { detail: route('Liveness (v1)', OPEN) })
    .get('/v1/console/health/readiness', () => (readiness.isReady() ? 'OK' : notReady(readiness)), {
      detail: route('Readiness (v1): 500 while storage is unreachable or state not loaded', OPEN),
    })
    .get('/v2/console/health/liveness', () => ok('ok'), { detail: route('Liveness (v2)', OPEN) })
    .get('/v2/console/health/readiness', () => (readiness.isReady() ? ok('ok') : notReadyResult(readiness)), {
      detail: route('Readiness (v2)', OPEN),
    })
    .get('/v3/admin/core/state/liveness', () => ok('ok'), { detail: route('Liveness (v3)', OPEN) })
    .get(
      '/v3/admin/core/state/readiness',
      () => (readiness.isReady() ? ok('ok') : notReadyResult(readiness)),
      {
        detail: route('Readiness (v3)', OPEN),
      },
    );
}

function filterMembers(view: MembershipView, keyword: string | undefined) {
  const all = view.members();
  return keyword ? all.filter((m) => m.address.includes(keyword)) : all;
}

/** Cluster member listings (v1/v2/v3) from the membership view. */
export function clusterNodeRoutes(view: MembershipView) {
  const READ = { admin: 'cluster', action: 'r' } as const;
  return new Elysia({ name: 'core.cluster-nodes' })
    .get(
      '/v1/core/cluster/nodes',
      ({ query }) => restOk(filterMembers(view, Params.from(query, undefined).get('keyword'))),
      {
        detail: route('Cluster members (v1)', READ),
      },
    )
    .get('/v1/core/cluster/self', () => restOk(view.self()), { detail: route('This member (v1)', READ) })
    .get('/v1/core/cluster/simple/nodes', () => restOk(view.members().map((m) => m.address)), {
      detail: route('Member addresses (v1)', READ),
    })
    .get('/v1/core/cluster/health', () => restOk('UP'), { detail: route('Member health (v1)', OPEN) })
    .get('/v2/core/cluster/node/self', () => ok(view.self()), { detail: route('This member (v2)', READ) })
    .get(
      '/v2/core/cluster/node/list',
      ({ query }) => ok(filterMembers(view, Params.from(query, undefined).get('keyword'))),
      {
        detail: route('Cluster members (v2)', READ),
      },
    )
    .get('/v2/core/cluster/node/self/health', () => ok('UP'), { detail: route('Member health (v2)', OPEN) })
    .get('/v3/admin/core/cluster/node/self', () => ok(view.self()), {
      detail: route('This member (v3)', READ),
    })
    .get(
      '/v3/admin/core/cluster/node/list',
      ({ query }) => ok(filterMembers(view, Params.from(query, undefined).get('keyword'))),
      {
        detail: route('Cluster members (v3)', READ),
      },
    );
}
