import { Elysia } from 'elysia';
import { isBatataError } from '../core/errors';
import { ok, restOk } from '../http/nacos-errors';
import { Params } from '../http/params';
import { route } from '../http/route-meta';
import type { NamespaceView } from './namespace-model';
import type { NamespaceService } from './namespace-service';

const READ = { admin: 'namespaces', action: 'r' } as const;
const WRITE = { admin: 'namespaces', action: 'w' } as const;

/** Nacos `Namespace` JSON. */
export function namespaceJson(v: NamespaceView) {
  return {
    namespace: v.namespaceId,
    namespaceShowName: v.name,
    namespaceDesc: v.desc,
    quota: v.quota,
    configCount: v.configCount,
    type: v.type,
  };
}

/** `/v1/console/namespaces`: answers `true`/`false` rather than errors for writes, as Nacos 1.x/2.x do. */
export function nacosV1NamespaceRoutes(svc: NamespaceService) {
  const boolOf = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      return Response.json(true);
    } catch (e) {
      if (isBatataError(e) && e.kind !== 'unavailable' && e.kind !== 'internal') return Response.json(false);
      throw e;
    }
  };
  return new Elysia({ name: 'namespace.nacos-v1', prefix: '/v1/console/namespaces' })
    .get(
      '',
      ({ query }) => {
        const p = Params.from(query, undefined);
        if (p.get('show') === 'all') return namespaceJson(svc.get(p.str('namespaceId')));
        if (p.get('checkNamespaceIdExist') === 'true') {
          const id = p.str('customNamespaceId').trim();
          return Response.json(id !== '' && svc.exists(id) && id !== 'public');
        }
        return restOk(svc.list().map(namespaceJson));
      },
      {
        detail: route(
          'List namespaces, get one (show=all) or check an id (checkNamespaceIdExist=true)',
          READ,
        ),
      },
    )
    .post(
      '',
      ({ query, body }) => {
        const p = Params.from(query, body);
        return boolOf(() =>
          svc.create(p.get('customNamespaceId'), p.required('namespaceName'), p.str('namespaceDesc')),
        );
      },
      { detail: route('Create a namespace', WRITE) },
    )
    .put(
      '',
      ({ query, body }) => {
        const p = Params.from(query, body);
        return boolOf(() =>
          svc.update(p.required('namespace'), p.required('namespaceShowName'), p.str('namespaceDesc')),
        );
      },
      { detail: route('Update a namespace', WRITE) },
    )
    .delete(
      '',
      ({ query, body }) => {
        const p = Params.from(query, body);
        return boolOf(() => svc.remove(p.required('namespaceId')));
      },
      { detail: route('Delete a namespace', WRITE) },
    );
}

/**
 * The Result-envelope generations: `/v2/console/namespace` and `/v3/admin/core/namespace`
 * (also mounted by the console as `/v3/console/core/namespace`).
 */
export function resultNamespaceRoutes(svc: NamespaceService, prefix: string, name: string) {
  return new Elysia({ name, prefix })
    .get('/list', () => ok(svc.list().map(namespaceJson)), { detail: route('List namespaces', READ) })
    .get(
      '',
      ({ query }) => ok(namespaceJson(svc.get(Params.from(query, undefined).required('namespaceId')))),
      { detail: route('Get a namespace', READ) },
    )
    .get(
      '/check',
      ({ query }) => {
        const id = Params.from(query, undefined).required('namespaceId');
        return ok(svc.exists(id) && id !== 'public' ? 1 : 0);
      },
      { detail: route('Count namespaces with this id (0 or 1)', READ) },
    )
    .get(
      '/exist',
      ({ query }) => {
        const p = Params.from(query, undefined);
        const id = p.first('customNamespaceId', 'namespaceId') ?? '';
        return ok(id !== '' && svc.exists(id));
      },
      { detail: route('Whether a namespace id exists', READ) },
    )
    .post(
      '',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        const name = p.required('namespaceName');
        await svc.create(p.first('namespaceId', 'customNamespaceId'), name, p.str('namespaceDesc'));
        return ok(true);
      },
      { detail: route('Create a namespace', WRITE) },
    )
    .put(
      '',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        await svc.update(p.required('namespaceId'), p.required('namespaceName'), p.str('namespaceDesc'));
        return ok(true);
      },
      { detail: route('Update a namespace', WRITE) },
    )
    .delete(
      '',
      async ({ query, body }) => {
        await svc.remove(Params.from(query, body).required('namespaceId'));
        return ok(true);
      },
      { detail: route('Delete a namespace', WRITE) },
    );
}
