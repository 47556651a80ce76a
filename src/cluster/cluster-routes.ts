import { Elysia } from 'elysia';
import { InvalidArgument } from '../core/errors';
import { ok, restOk } from '../http/nacos-errors';
import { Params } from '../http/params';
import { route } from '../http/route-meta';
import type { ClusterNode } from './cluster-node';

/** What the routes need from a node; standalone nodes get one that explains how to cluster. */
export type ClusterAdmin = Pick<ClusterNode, 'members' | 'join' | 'leave' | 'setMembers'>;

const WRITE = { admin: 'cluster', action: 'w' } as const;

/** Member report over HTTP (old peers) and the member-list management API (join/leave/PUT list). */
export function clusterAdminRoutes(node: ClusterAdmin) {
  return new Elysia({ name: 'cluster.admin' })
    .post(
      '/v1/core/cluster/report',
      ({ body }) => {
        node.members.receiveReport(typeof body === 'string' ? parseReport(body) : body);
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

/** A report sent as text (not `application/json`): undecodable JSON is a 400, as Spring's `@RequestBody` answers. */
function parseReport(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidArgument(`Malformed request body: ${(e as Error).message}`);
  }
}

/** Admin answers of a standalone node: member-list changes need cluster mode. */
export function standaloneAdmin(members: ClusterNode['members']): ClusterAdmin {
  const refuse = async (): Promise<never> => {
    throw new InvalidArgument(
      'this node runs standalone: start it with cluster.member.lookup.type=file (a shared MySQL db.url and a server identity) to join or change a cluster',
    );
  };
  return { members, join: refuse, leave: refuse, setMembers: refuse };
}
