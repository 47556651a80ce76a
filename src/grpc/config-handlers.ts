import {
  type ClientLabels,
  CONFIG_TABLE,
  type ConfigKey,
  type ConfigRecord,
  type ConfigService,
  type ConfigView,
  configStateKey,
  normalizeNamespace,
  parseConfigKey,
} from '../config';
import { InvalidArgument } from '../core/errors';
import type { Logger } from '../core/log';
import type { AuthDecl } from '../http/route-meta';
import type { StateStore } from '../state';
import type { Connection, ConnectionManager } from './connection';
import { configGroupKey, matchesPattern, patternNamespace } from './fuzzy-pattern';
import { FuzzyWatch, type FuzzyWatchLimits, fuzzyWatchHandler } from './fuzzy-watch';
import { RemoteCode } from './grpc-errors';
import type { GrpcHandler, GrpcRequest } from './handler-registry';
import type { PushOptions } from './push';
import { Subscriptions } from './subscriptions';

const READ: AuthDecl = { resource: 'config', action: 'r' };
const WRITE: AuthDecl = { resource: 'config', action: 'w' };

const s = (v: unknown) => (typeof v === 'string' ? v : '');
const opt = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

const resource = (req: GrpcRequest) => ({
  namespaceId: normalizeNamespace(s(req.tenant)),
  group: s(req.group) || undefined,
  name: s(req.dataId) || undefined,
});

/** What a listening connection registered for one key. */
interface Listener {
  key: ConfigKey;
  /** Tenant exactly as the client sent it (echoed in changedConfigs / notifies). */
  tenant: string;
  /** md5 the client holds (as far as we know). */
  md5: string;
  /** `Vipserver-Tag` header of the listen request, if any. */
  tag?: string;
}

/** `java.net.URLEncoder.encode(s, "UTF-8")`: like encodeURIComponent, space as `+`, `!'()~` escaped. */
function javaUrlEncode(v: string): string {
  return encodeURIComponent(v)
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface ConfigGrpcDeps {
  config: ConfigService;
  state: StateStore;
  connections: ConnectionManager;
  log: Logger;
  /** Config push delivery (Nacos: ack timeout 3 s, retry 2 s × attempt, up to 50 times). */
  push: PushOptions;
  /** nacos.config.fuzzy.watch.max.pattern.count / .max.pattern.match.config.count */
  fuzzyLimits: FuzzyWatchLimits;
}

/**
 * The config request types of the SDK port (spec §B) over the shared ConfigService, and the
 * `ConfigChangeNotifyRequest` push to every connection listening on a key when it changes (formal
 * or gray, from any transport: the service's change stream is the one source).
 */
export function configGrpcHandlers(deps: ConfigGrpcDeps): { handlers: GrpcHandler[]; dispose(): void } {
  const { config, connections, log } = deps;
  const listeners = new Subscriptions<Listener>();
  const fuzzy = new FuzzyWatch(
    {
      module: 'config',
      syncRequest: 'ConfigFuzzyWatchSyncRequest',
      changeRequest: 'ConfigFuzzyWatchChangeNotifyRequest',
      keyField: 'groupKey',
      changeField: 'changeType',
      addType: 'ADD_CONFIG',
      deleteType: 'DELETE_CONFIG',
      existsType: 'CONFIG_CHANGED',
      batchSize: 20,
    },
    deps.fuzzyLimits,
    (pattern) =>
      config
        .list(normalizeNamespace(patternNamespace(pattern)))
        .filter((e) => matchesPattern(pattern, e.key.namespaceId, e.key.group, e.key.dataId))
        .map((e) => configGroupKey(e.key.dataId, e.key.group, e.key.namespaceId)),
    deps.push,
    log,
  );

  /** Gray selection for a connection: client IP, plus the requested tag or the connection's tag label. */
  const view = (key: ConfigKey, conn: Connection, requestedTag?: string): ConfigView | undefined => {
    const labels: ClientLabels = { clientIp: conn.clientIp };
    if (requestedTag) return config.query(key, { ...labels, tag: requestedTag });
    const labelTag = conn.meta.labels['Vipserver-Tag'];
    // A tag from the connection's labels only selects a matching tag gray; otherwise the formal one.
    return (labelTag && config.query(key, { ...labels, tag: labelTag })) || config.query(key, labels);
  };
  /** Same selection as `view`, without counting a query (used for every listener on each change). */
  const md5For = (key: ConfigKey, conn: Connection, tag?: string) => {
    const labelTag = tag || conn.meta.labels['Vipserver-Tag'];
    const md5 = labelTag ? config.md5Of(key, { clientIp: conn.clientIp, tag: labelTag }) : '';
    return md5 || config.md5Of(key, { clientIp: conn.clientIp });
  };

  const notify = (conn: Connection, l: Listener) => {
    // compat(nacos 3.x): a key listened with a blank tenant is notified without one.
    const body = { dataId: l.key.dataId, group: l.key.group, tenant: l.tenant.trim() ? l.tenant : null };
    conn.push
      .push('ConfigChangeNotifyRequest', 'config', body, {
        ...deps.push,
        coalesceKey: `config|${configStateKey(l.key)}`,
      })
      .catch((e) =>
        log.debug('config push failed', { connectionId: conn.id, dataId: l.key.dataId, err: e.message }),
      );
  };

  const offChange = config.onChange((keys) => {
    for (const key of keys)
      for (const { conn, data } of listeners.watchers(configStateKey(key))) {
        const md5 = md5For(key, conn, data.tag);
        // Only clients whose visible version changed (a beta publish reaches beta IPs only).
        if (md5 === data.md5) continue;
        data.md5 = md5;
        notify(conn, data);
      }
  });
  // Fuzzy watch follows formal configs appearing and disappearing. compat(nacos): every change is
  // offered (a key a full pattern ignored may fit later); only matched-set changes are notified.
  const offFuzzy = deps.state.subscribe((changes) => {
    for (const c of changes) {
      if (c.table !== CONFIG_TABLE) continue;
      const before = (c.prev as ConfigRecord | undefined)?.formal;
      const after = c.op === 'put' ? (c.value as ConfigRecord | undefined)?.formal : undefined;
      if (!before && !after) continue;
      const k = ((c.value ?? c.prev) as ConfigRecord).key;
      fuzzy.changed(
        k.namespaceId,
        k.group,
        k.dataId,
        configGroupKey(k.dataId, k.group, k.namespaceId),
        !!after,
      );
    }
  });
  const offClose = connections.onUnregister((conn) => {
    listeners.removeConnection(conn.id);
    fuzzy.removeConnection(conn.id);
  });

  const handlers: GrpcHandler[] = [
    {
      type: 'ConfigQueryRequest',
      responseType: 'ConfigQueryResponse',
      secured: READ,
      resource,
      // compat(nacos): ConfigQueryResponse.CONFIG_NOT_FOUND = 300. Its CONFIG_QUERY_CONFLICT (400)
      // means Nacos could not take the key's cache read lock while a dump held the write lock
      // (ConfigChainEntryHandler); our state store swaps records atomically, so that never happens.
      // 400 here is what Nacos' RemoteParamCheckFilter answers: a malformed dataId/group/tenant.
      errorCodes: { not_found: 300 },
      handle(req, conn) {
        const tag = opt(req.tag);
        const notFound = {
          resultCode: 500,
          errorCode: 300,
          message: 'config data not exist',
          // compat(nacos): "special tag not found" echoes the requested tag.
          tag: tag ?? null,
        };
        // compat(nacos): a blank dataId/group passes the param check and finds no cache item.
        if (!s(req.dataId).trim() || !s(req.group).trim()) return notFound;
        const key = parseKey(req);
        const v = view(key, conn, tag);
        if (!v) return notFound;
        const rule =
          v.tag !== undefined
            ? config.record(key)?.grays.find((g) => g.rule.type === 'tag' && g.rule.expr === v.tag)
            : undefined;
        return {
          content: v.content,
          encryptedDataKey: v.encryptedDataKey,
          contentType: v.type,
          md5: v.md5,
          lastModified: v.modifyTime,
          beta: v.beta,
          // Only when a tag gray matched (the Go SDK declares this field as bool: never send it otherwise).
          tag: rule ? javaUrlEncode(JSON.stringify(rule.rule)) : null,
        };
      },
    },
    {
      type: 'ConfigPublishRequest',
      responseType: 'ConfigPublishResponse',
      secured: WRITE,
      resource,
      // compat(nacos): CAS mismatch / already exists answer errorCode 500; validation 400.
      errorCodes: { conflict: RemoteCode.SERVER_ERROR, already_exists: RemoteCode.SERVER_ERROR },
      async handle(req, conn) {
        const add = (req.additionMap && typeof req.additionMap === 'object' ? req.additionMap : {}) as Record<
          string,
          unknown
        >;
        if (typeof req.content !== 'string') throw new InvalidArgument('content is required');
        await config.publish({
          dataId: s(req.dataId),
          group: s(req.group),
          namespaceId: s(req.tenant),
          content: req.content,
          casMd5: opt(req.casMd5),
          type: opt(add.type),
          appName: opt(add.appName) ?? conn.meta.labels.AppName,
          desc: opt(add.desc),
          use: opt(add.use),
          effect: opt(add.effect),
          schema: opt(add.schema),
          configTags: opt(add.config_tags),
          encryptedDataKey: opt(add.encryptedDataKey),
          srcUser: opt(add.src_user),
          srcIp: conn.clientIp,
          betaIps: opt(add.betaIps),
          tag: opt(add.tag),
        });
        return {};
      },
    },
    {
      type: 'ConfigRemoveRequest',
      responseType: 'ConfigRemoveResponse',
      secured: WRITE,
      resource,
      async handle(req, conn) {
        await config.remove({
          dataId: s(req.dataId),
          group: s(req.group),
          namespaceId: s(req.tenant),
          tag: opt(req.tag),
          srcIp: conn.clientIp,
        });
        return {};
      },
    },
    {
      type: 'ConfigBatchListenRequest',
      responseType: 'ConfigChangeBatchListenResponse',
      secured: READ,
      resource,
      handle(req, conn) {
        const listen = req.listen !== false;
        const tag = opt(req.headers['Vipserver-Tag']);
        const contexts = Array.isArray(req.configListenContexts) ? req.configListenContexts : [];
        const changedConfigs: Array<{ group: string; dataId: string; tenant: string }> = [];
        for (const raw of contexts) {
          if (!raw || typeof raw !== 'object') continue;
          const c = raw as Record<string, unknown>;
          const tenant = s(c.tenant);
          const key: ConfigKey = {
            namespaceId: normalizeNamespace(tenant),
            group: s(c.group),
            dataId: s(c.dataId),
          };
          if (!key.dataId || !key.group) continue;
          const sk = configStateKey(key);
          if (!listen) {
            listeners.remove(sk, conn.id);
            continue;
          }
          const clientMd5 = s(c.md5);
          const current = md5For(key, conn, tag);
          listeners.add(sk, conn, { key, tenant, md5: current, tag });
          if (clientMd5 !== current) changedConfigs.push({ group: key.group, dataId: key.dataId, tenant });
        }
        return { changedConfigs };
      },
    },
    fuzzyWatchHandler({
      type: 'ConfigFuzzyWatchRequest',
      responseType: 'ConfigFuzzyWatchResponse',
      resource: 'config',
      fuzzy,
      normalizeNamespace,
      rejectUnknownWatchType: false,
    }),
  ];

  return {
    handlers,
    dispose() {
      offChange();
      offFuzzy();
      offClose();
    },
  };
}

function parseKey(req: GrpcRequest): ConfigKey {
  return parseConfigKey(s(req.dataId), s(req.group), s(req.tenant));
}
