import { Elysia } from 'elysia';
import { ok, restOk } from '../http/nacos-errors';
import { Params } from '../http/params';
import { route } from '../http/route-meta';
import type { ClusterNode } from './cluster-node';

const WRITE = { admin: 'cluster', action: 'w' } as const;

/** Member report over HTTP (old peers) and the member-list management API (join/leave/PUT list). */
export function clusterAdminRoutes(node: ClusterNode) {
  return new Elysia({ name: 'cluster.admin' })
    .post(
      '/v1/core/cluster/report',
      ({ body }) => {
        node.members.receiveReport(typeof body === 'string' ? JSON.parse(body) : body);
        return restOk(JSON.stringify(node.members.self()));
      },
      { detail: route('Member report from a peer (spec §G.2)', { inner: true }) },
    )
    .put(
      '/v3/admin/core/cluster/node/list',
      async ({ query, body }) => ok(await node.setMembers(Params.from(query, body).required('addresses'))),
      {
        detail: route(
          'Replace the member list (addresses = ip:port list); sent to every listed member and persisted to cluster.conf',
          WRITE,
        ),
      },
    )
    .post(
      '/v3/admin/core/cluster/join',
      async ({ query, body }) => ok(await node.join(Params.from(query, body).required('seed'))),
      { detail: route('Join the cluster of a running member (seed = ip:port)', WRITE) },
    )
    .post('/v3/admin/core/cluster/leave', async () => ok(await node.leave()), {
      detail: route('Remove this node from every member list; it continues alone', WRITE),
    });
}
