import { Elysia } from 'elysia';
import { ok } from '../http/nacos-errors';
import { Params } from '../http/params';
import { route } from '../http/route-meta';
import type { AnyElysia } from '../server/module';
import { ConfigNotFound } from './config-errors';
import {
  configBasicV3,
  configDetailV3,
  configGrayV3,
  configInfoV1,
  historyBasicV3,
  historyDetailV3,
  historyV1,
  mapPage,
} from './config-json';
import {
  BETA_GRAY_NAME,
  type ConfigKey,
  type HistoryEntry,
  normalizeNamespace,
  parseConfigKey,
} from './config-model';
import type { ConfigService } from './config-service';
import { labelsOf, publishInputOf, remoteIp, removeInputOf } from './http-support';
import { pageOf, parseIds } from './nacos-v1-routes';
import { type ConfigTransfer, exportZipResponse, importFromForm } from './transfer-routes';

type Api = 'client' | 'admin' | 'console';
const read = (api: Api) => ({ resource: 'config', action: 'r', api }) as const;
const write = (api: Api) => ({ resource: 'config', action: 'w', api }) as const;

/** Key from v2/v3 params: `groupName` (v3) or `group` (v2), `namespaceId` or `tenant`. */
export function keyOf(p: Params): ConfigKey {
  return parseConfigKey(p.get('dataId'), p.first('groupName', 'group'), p.first('namespaceId', 'tenant'));
}

/** The formal version with plain (decrypted) content, as the v3 detail views show it. */
function formalOrThrow(svc: ConfigService, key: ConfigKey) {
  const f = svc.record(key)?.formal;
  if (!f) throw new ConfigNotFound('Config not exist, please publish Config first.');
  return { key, item: { ...f, content: svc.plainContent(key.dataId, f) } };
}

/** `/v2/cs/config` and `/v2/cs/history` (Nacos 2.2+ open API, Result envelope). */
export function nacosV2ConfigRoutes(svc: ConfigService) {
  return new Elysia({ name: 'config.nacos-v2', prefix: '/v2/cs' })
    .get(
      '/config',
      ({ query, headers, server, request }) => {
        const p = Params.from(query, undefined);
        const key = keyOf(p);
        const v = svc.getOrThrow(key, labelsOf(p, headers, remoteIp(headers, server, request)));
        return ok(svc.plainContent(key.dataId, v));
      },
      { detail: route('Get config content', read('admin')) },
    )
    .post(
      '/config',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        await svc.publish(publishInputOf(p, headers, remoteIp(headers, server, request)));
        return ok(true);
      },
      { detail: route('Publish a config', write('admin')) },
    )
    .delete(
      '/config',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        await svc.remove(removeInputOf(p, remoteIp(headers, server, request)));
        return ok(true);
      },
      { detail: route('Delete a config', write('admin')) },
    )
    .use(historyRoutes(svc, '/history', 'v2', 'admin'));
}

/** History routes: `/list`, `` (detail by nid), `/detail`, `/previous`, `/configs`, plus `/diff` and `/rollback`. */
function historyRoutes(svc: ConfigService, prefix: string, gen: 'v2' | 'v3', api: Api) {
  const entryJson = (h: HistoryEntry): object => (gen === 'v2' ? historyV1(h) : historyDetailV3(h));
  const listJson = (h: HistoryEntry): object => (gen === 'v2' ? historyV1(h) : historyBasicV3(h));
  const detail = async ({ query }: { query: Record<string, unknown> }) => {
    const p = Params.from(query, undefined);
    return ok(
      entryJson(await svc.historyEntry(p.requiredLong('nid'), p.get('dataId') ? keyOf(p) : undefined)),
    );
  };
  return new Elysia({ name: `config.history-${gen}-${api}-${prefix}`, prefix })
    .get(
      '/list',
      async ({ query }) => {
        const p = Params.from(query, undefined);
        const { pageNo, pageSize } = pageOf(p);
        return ok(mapPage(await svc.history(keyOf(p), pageNo, pageSize), listJson));
      },
      { detail: route('History of a config, newest first (paged)', read(api)) },
    )
    .get('', detail, { detail: route('One history entry (nid)', read(api)) })
    .get('/detail', detail, { detail: route('One history entry (nid)', read(api)) })
    .get(
      '/previous',
      async ({ query }) => {
        const p = Params.from(query, undefined);
        const key = p.get('dataId') ? keyOf(p) : undefined;
        return ok(entryJson(await svc.previousHistory(p.requiredLong('id'), key)));
      },
      { detail: route('Latest history entry of a config id', read(api)) },
    )
    .get(
      '/configs',
      ({ query }) => {
        const p = Params.from(query, undefined);
        const ns = normalizeNamespace(p.first('namespaceId', 'tenant'));
        return ok(svc.list(ns).map((e) => (gen === 'v2' ? configInfoV1(e) : configBasicV3(e))));
      },
      { detail: route('Configs of a namespace', read(api)) },
    )
    .get(
      '/diff',
      async ({ query }) => {
        const p = Params.from(query, undefined);
        const otherName = p.first('otherNid') !== undefined ? 'otherNid' : 'toNid';
        const other = p.first(otherName) === undefined ? undefined : p.long(otherName, 0);
        return ok(await svc.diff(p.requiredLong('nid'), other));
      },
      {
        detail: route(
          'Line diff of a history entry (nid) against another (otherNid) or the current content',
          read(api),
        ),
      },
    )
    .post(
      '/rollback',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        await svc.rollback(p.requiredLong('nid'), p.str('srcUser'), remoteIp(headers, server, request));
        return ok(true);
      },
      { detail: route('Republish the content of a history entry (nid)', write(api)) },
    );
}

/**
 * The 3.x config API: `/v3/admin/cs/config` (admin) and `/v3/console/cs/config` (console) share
 * the same handlers; console adds `/batchDelete`, `/searchDetail`, `/export2`.
 */
export function v3ConfigRoutes(
  svc: ConfigService,
  transfer: ConfigTransfer,
  api: 'admin' | 'console',
  prefix: string,
) {
  const list = ({ query }: { query?: Record<string, unknown> }, forceDetail = false) => {
    const p = Params.from(query, undefined);
    const { pageNo, pageSize } = pageOf(p);
    const mode = p.str('search', 'blur') === 'accurate' ? 'accurate' : 'blur';
    const page = svc.search({
      namespaceId: normalizeNamespace(p.first('namespaceId', 'tenant')),
      dataId: p.get('dataId'),
      group: p.first('groupName', 'group'),
      appName: p.get('appName') || undefined,
      configTags: p.get('configTags'),
      types: p.get('type'),
      content: p.get('configDetail') || undefined,
      mode,
      pageNo,
      pageSize,
    });
    return ok(mapPage(page, forceDetail ? configDetailV3 : configBasicV3));
  };
  const batchDelete = async ({ query, body, headers, server, request }: any) => {
    const p = Params.from(query, body);
    await svc.removeByIds(parseIds(p.get('ids')), p.str('srcUser'), remoteIp(headers, server, request));
    return ok(true);
  };
  const doExport = ({ query }: { query?: Record<string, unknown> }) =>
    exportZipResponse(transfer, Params.from(query, undefined));
  const app: AnyElysia = new Elysia({ name: `config.v3-${api}`, prefix })
    .get('', ({ query }) => ok(configDetailV3(formalOrThrow(svc, keyOf(Params.from(query, undefined))))), {
      detail: route('Get a config with its details', read(api)),
    })
    .post(
      '',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        await svc.publish(publishInputOf(p, headers, remoteIp(headers, server, request)));
        return ok(true);
      },
      { detail: route('Publish a config (betaIps / casMd5 headers)', write(api)) },
    )
    .delete(
      '',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        await svc.remove(removeInputOf(p, remoteIp(headers, server, request)));
        return ok(true);
      },
      { detail: route('Delete a config (tag: only that tag gray)', write(api)) },
    )
    .delete('/batch', batchDelete, { detail: route('Delete configs by ids', write(api)) })
    .get('/list', (c) => list(c), { detail: route('Search configs (blur|accurate), paged', read(api)) })
    .get(
      '/beta',
      ({ query }) => {
        const key = keyOf(Params.from(query, undefined));
        const rec = svc.record(key);
        const g = rec?.grays.find((x) => x.grayName === BETA_GRAY_NAME);
        if (!rec || !g) throw new ConfigNotFound('beta config not exist');
        return ok(configGrayV3(rec, g));
      },
      { detail: route('Get the beta version of a config', read(api)) },
    )
    .delete(
      '/beta',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        return ok(
          await svc.removeGray(
            keyOf(p),
            BETA_GRAY_NAME,
            p.str('srcUser'),
            remoteIp(headers, server, request),
          ),
        );
      },
      { detail: route('Stop the beta of a config', write(api)) },
    )
    .get(
      '/listener',
      ({ query }) => {
        return ok({
          queryType: 'config',
          listenersStatus: svc.listeners.ofConfig(keyOf(Params.from(query, undefined))),
        });
      },
      { detail: route('Listeners of a config', read(api)) },
    )
    .post(
      '/import',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        const [r] = await importFromForm(transfer, p, body, remoteIp(headers, server, request), 'v3');
        return ok(r);
      },
      { detail: route('Import configs from an export ZIP (policy ABORT|SKIP|OVERWRITE)', write(api)) },
    )
    .get('/export', doExport, { detail: route('Export configs as ZIP', read(api)) })
    .post(
      '/clone',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        const [r] = await transfer.cloneFromBody(p, body, remoteIp(headers, server, request));
        return ok(r);
      },
      { detail: route('Clone configs (by id) into a namespace', write(api)) },
    );
  if (api === 'console')
    app
      .delete('/batchDelete', batchDelete, { detail: route('Delete configs by ids', write(api)) })
      .get('/searchDetail', (c) => list(c, true), {
        detail: route('Search configs including content (configDetail)', read(api)),
      })
      .get('/export2', doExport, { detail: route('Export configs as ZIP (v2 layout)', read(api)) })
      .get(
        '/gray',
        ({ query }) => {
          const rec = svc.record(keyOf(Params.from(query, undefined)));
          return ok(rec ? rec.grays.map((g) => configGrayV3(rec, g)) : []);
        },
        { detail: route('Gray versions (beta and tag) of a config, [] when none', read(api)) },
      )
      .get(
        '/listener/ip',
        ({ query }) => {
          const ip = Params.from(query, undefined).required('ip');
          return ok({ queryType: 'ip', listenersStatus: svc.listeners.ofIp(ip) });
        },
        { detail: route('Configs listened to by a client IP', read(api)) },
      );
  return app;
}

/** v3 history for admin (`/v3/admin/cs/history`) and console (`/v3/console/cs/history`). */
export function v3HistoryRoutes(svc: ConfigService, api: 'admin' | 'console', prefix: string) {
  return historyRoutes(svc, prefix, 'v3', api);
}

/** `/v3/client/cs/config` (open API: ConfigQueryResponse) and the seed's `/v3/cs/config` GET/POST. */
export function v3ClientConfigRoutes(svc: ConfigService) {
  const query = ({ query, headers, server, request }: any) => {
    const p = Params.from(query, undefined);
    const v = svc.query(keyOf(p), labelsOf(p, headers, remoteIp(headers, server, request)));
    // compat(nacos-3): not found is HTTP 200 with code 20004 (ConfigOpenApiController).
    if (!v) return { code: 20004, message: 'resource not found', data: null };
    return ok({
      resultCode: 200,
      errorCode: 0,
      content: v.content,
      encryptedDataKey: v.encryptedDataKey,
      contentType: v.type,
      md5: v.md5,
      lastModified: v.modifyTime,
      beta: v.beta,
      ...(v.tag ? { tag: encodeURIComponent(v.tag) } : {}),
      success: true,
    });
  };
  return new Elysia({ name: 'config.v3-client' })
    .get('/v3/client/cs/config', query, { detail: route('Get a config (open API)', read('client')) })
    .get('/v3/cs/config', query, { detail: route('Get a config (v3 short path)', read('client')) })
    .post(
      '/v3/cs/config',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        await svc.publish(publishInputOf(p, headers, remoteIp(headers, server, request)));
        return ok(true);
      },
      { detail: route('Publish a config (v3 short path)', write('client')) },
    );
}
