import { Elysia } from 'elysia';
import { InvalidArgument, isBatataError, NacosCode } from '../core/errors';
import { holdOpen } from '../http/app';
import { restOk } from '../http/nacos-errors';
import { Params } from '../http/params';
import { route } from '../http/route-meta';
import { configAllInfoV1, configBetaV1, configInfoV1, historyV1, mapPage } from './config-json';
import { BETA_GRAY_NAME, normalizeNamespace, parseConfigKey } from './config-model';
import type { ConfigService } from './config-service';
import {
  configHeaders,
  contentTypeOf,
  labelsOf,
  NO_CACHE,
  publishInputOf,
  remoteIp,
  removeInputOf,
} from './http-support';
import { formatChanged, type LongPoller, legacyProbeHeaders, parseListeningConfigs } from './long-poll';
import { type ConfigTransfer, exportZipResponse, importFromForm } from './transfer-routes';

const READ = { resource: 'config', action: 'r' } as const;
const WRITE = { resource: 'config', action: 'w' } as const;

const notFoundV1 = () =>
  new Response('config data not exist\n', {
    status: 404,
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
  });

/** Parses `pageNo`/`pageSize` (defaults 1/100). */
export function pageOf(p: Params): { pageNo: number; pageSize: number } {
  const pageNo = p.int('pageNo', 1);
  const pageSize = p.int('pageSize', 100);
  if (pageNo < 1 || pageSize < 1)
    throw new InvalidArgument('pageNo and pageSize must be positive', NacosCode.PARAMETER_VALIDATE_ERROR);
  return { pageNo, pageSize: Math.min(pageSize, 1000) };
}

/** Nacos 1.x/2.x config API: `/v1/cs/configs`, the long poll and `/v1/cs/history`. */
export function nacosV1ConfigRoutes(
  svc: ConfigService,
  poller: LongPoller,
  transfer: ConfigTransfer,
  shutdown: AbortSignal,
) {
  return new Elysia({ name: 'config.nacos-v1', prefix: '/v1/cs' })
    .get(
      '/configs',
      ({ query, headers, server, request }) => {
        const p = Params.from(query, undefined);
        const ns = p.first('tenant', 'namespaceId');
        if (p.get('search') === 'accurate' || p.get('search') === 'blur') {
          const { pageNo, pageSize } = pageOf(p);
          const page = svc.search({
            namespaceId: normalizeNamespace(ns),
            dataId: p.get('dataId'),
            group: p.get('group'),
            appName: p.get('appName') || undefined,
            configTags: p.get('config_tags'),
            types: p.get('types'),
            mode: p.get('search') as 'accurate' | 'blur',
            pageNo,
            pageSize,
          });
          return mapPage(page, configInfoV1);
        }
        if (p.get('export') === 'true' || p.get('exportV2') === 'true')
          return exportZipResponse(transfer, p, p.get('exportV2') === 'true');
        const key = parseConfigKey(p.get('dataId'), p.get('group'), ns);
        if (p.get('show') === 'all') {
          const f = svc.record(key)?.formal;
          return f ? configAllInfoV1({ key, item: f }) : Response.json(null);
        }
        if (p.get('beta') === 'true') {
          const rec = svc.record(key);
          const g = rec?.grays.find((x) => x.grayName === BETA_GRAY_NAME);
          return restOk(rec && g ? configBetaV1(rec, g) : null, 'query beta ok');
        }
        const ip = remoteIp(headers, server, request);
        const v = svc.query(key, labelsOf(p, headers, ip));
        if (!v) return notFoundV1();
        return new Response(svc.plainContent(key.dataId, v), {
          headers: { 'Content-Type': contentTypeOf(v.type), ...configHeaders(v) },
        });
      },
      {
        detail: route(
          'Get a config (raw content); show=all, search=accurate|blur, beta=true, export=true|exportV2=true',
          READ,
        ),
      },
    )
    .post(
      '/configs',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        const ip = remoteIp(headers, server, request);
        if (p.get('import') === 'true') return restOk(...(await importFromForm(transfer, p, body, ip, 'v1')));
        if (p.get('clone') === 'true') return restOk(...(await transfer.cloneFromBody(p, body, ip)));
        await svc.publish(publishInputOf(p, headers, ip));
        return Response.json(true);
      },
      { detail: route('Publish a config (betaIps / casMd5 headers); import=true, clone=true', WRITE) },
    )
    .delete(
      '/configs',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        const ip = remoteIp(headers, server, request);
        if (p.get('delType') === 'ids') {
          const ids = parseIds(p.get('ids'));
          await svc.removeByIds(ids, p.str('src_user'), ip);
          return restOk(true, 'delete ok');
        }
        if (p.get('beta') === 'true') {
          const key = parseConfigKey(p.get('dataId'), p.get('group'), p.first('tenant', 'namespaceId'));
          await svc.removeGray(key, BETA_GRAY_NAME, p.str('src_user'), ip);
          return restOk(true, 'stop beta ok');
        }
        await svc.remove(removeInputOf(p, ip));
        return Response.json(true);
      },
      { detail: route('Delete a config; delType=ids&ids=1,2 batch; beta=true stops a beta', WRITE) },
    )
    .post(
      '/configs/listener',
      async ({ query, body, headers, server, request }) => {
        const p = Params.from(query, body);
        const entries = parseListeningConfigs(p.get('Listening-Configs'));
        const ip = remoteIp(headers, server, request);
        const t = headers['long-pulling-timeout'];
        const timeoutMs = t !== undefined && t.trim() !== '' ? Number(t) : undefined;
        if (timeoutMs !== undefined && !Number.isFinite(timeoutMs))
          throw new InvalidArgument('invalid Long-Pulling-Timeout');
        if (timeoutMs !== undefined) holdOpen(server, request);
        const changed = await poller.poll({
          entries,
          labels: { clientIp: ip, tag: headers['vipserver-tag']?.trim() || undefined },
          timeoutMs,
          noHangup: headers['long-pulling-timeout-no-hangup'] === 'true',
          signal: AbortSignal.any([request.signal, shutdown]),
        });
        return new Response(formatChanged(changed), {
          headers: {
            'content-type': 'text/html;charset=UTF-8',
            ...NO_CACHE,
            ...(timeoutMs === undefined ? legacyProbeHeaders(headers['client-version'], changed) : {}),
          },
        });
      },
      { detail: route('Long polling: answers with the changed keys of Listening-Configs', READ) },
    )
    .get(
      '/configs/listener',
      ({ query }) => {
        const p = Params.from(query, undefined);
        const key = parseConfigKey(p.get('dataId'), p.get('group'), p.get('tenant'));
        // compat(nacos): the field name is misspelt in Nacos' GroupkeyListenserStatus.
        return { collectStatus: 200, lisentersGroupkeyStatus: svc.listeners.ofConfig(key) };
      },
      { detail: route('Listener status of a config', READ) },
    )
    .get(
      '/history',
      async ({ query }) => {
        const p = Params.from(query, undefined);
        const ns = p.first('tenant', 'namespaceId');
        if (p.has('nid')) {
          const key = p.get('dataId') ? parseConfigKey(p.get('dataId'), p.get('group'), ns) : undefined;
          return historyV1(await svc.historyEntry(p.long('nid', 0), key));
        }
        const key = parseConfigKey(p.get('dataId'), p.get('group'), ns);
        const { pageNo, pageSize } = pageOf(p);
        return mapPage(await svc.history(key, pageNo, pageSize), historyV1);
      },
      { detail: route('History of a config (search=accurate, paged) or one entry (nid=)', READ) },
    )
    .get(
      '/history/previous',
      async ({ query }) => {
        const p = Params.from(query, undefined);
        const key = p.get('dataId')
          ? parseConfigKey(p.get('dataId'), p.get('group'), p.first('tenant', 'namespaceId'))
          : undefined;
        return historyV1(await svc.previousHistory(p.long('id', 0), key));
      },
      { detail: route('Latest history entry of a config id', READ) },
    )
    .get(
      '/history/configs',
      ({ query }) => {
        const p = Params.from(query, undefined);
        const ns = normalizeNamespace(p.first('tenant', 'namespaceId'));
        return svc.list(ns).map((e) => ({ ...configInfoV1(e), lastModified: e.item.modifyTime }));
      },
      { detail: route('Configs of a namespace (history view)', READ) },
    );
}

export function parseIds(raw: string | undefined): number[] {
  const ids = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (!ids.length || ids.some((n) => !Number.isInteger(n)))
    throw new InvalidArgument(`invalid ids : ${raw ?? ''}`, NacosCode.PARAMETER_VALIDATE_ERROR);
  return ids;
}

/** Maps the v1 "boolean" publish endpoints' failures: everything typed stays typed (one mapper). */
export function isClientError(e: unknown): boolean {
  return isBatataError(e) && e.kind !== 'internal' && e.kind !== 'unavailable';
}
