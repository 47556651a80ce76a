import type { Params } from '../http/params';
import type { ClientLabels, ConfigView } from './config-model';
import type { PublishInput, RemoveInput } from './config-service';

type Headers = Record<string, string | undefined>;
type ServerLike = { requestIP?: (r: Request) => { address: string } | null } | null | undefined;

/** Nacos `RequestUtil.getRemoteIp`: X-Real-IP, then the first X-Forwarded-For, then the peer. */
export function remoteIp(headers: Headers, server: ServerLike, request: Request): string {
  const real = headers['x-real-ip']?.trim();
  if (real) return real;
  const fwd = headers['x-forwarded-for']?.split(',')[0]?.trim();
  if (fwd) return fwd;
  const addr = server?.requestIP?.(request)?.address ?? '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

/** Gray labels of an HTTP caller: its IP plus the `tag` param or `Vipserver-Tag` header. */
export function labelsOf(p: Params, headers: Headers, ip: string): ClientLabels {
  const tag = p.first('tag') ?? headers['vipserver-tag'];
  return { clientIp: ip, tag: tag?.trim() || undefined };
}

/**
 * Reads a publish from Nacos form fields. v1 spells some fields `src_user` / `config_tags` and
 * v2/v3 `srcUser` / `configTags`; v3 uses `groupName`. `betaIps` and `casMd5` are headers
 * (ConfigController reads `request.getHeader`), accepted as params too.
 */
export function publishInputOf(p: Params, headers: Headers, ip: string): PublishInput {
  return {
    dataId: p.str('dataId'),
    group: p.first('group', 'groupName') ?? '',
    namespaceId: p.first('tenant', 'namespaceId'),
    content: p.str('content'),
    type: p.get('type'),
    appName: p.get('appName'),
    desc: p.get('desc'),
    use: p.get('use'),
    effect: p.get('effect'),
    schema: p.get('schema'),
    configTags: p.get('config_tags') ?? p.get('configTags'),
    encryptedDataKey: p.get('encryptedDataKey'),
    srcUser: p.first('src_user', 'srcUser'),
    srcIp: ip,
    casMd5: headers.casmd5 ?? p.get('casMd5'),
    betaIps: headers.betaips ?? p.get('betaIps'),
    tag: p.get('tag'),
  };
}

export function removeInputOf(p: Params, ip: string): RemoveInput {
  return {
    dataId: p.str('dataId'),
    group: p.first('group', 'groupName') ?? '',
    namespaceId: p.first('tenant', 'namespaceId'),
    tag: p.get('tag'),
    srcUser: p.first('src_user', 'srcUser'),
    srcIp: ip,
  };
}

/** `Content-Type` per config type (FileTypeEnum). */
export function contentTypeOf(type: string): string {
  switch (type) {
    case 'json':
      return 'application/json;charset=UTF-8';
    case 'xml':
      return 'application/xml;charset=UTF-8';
    case 'html':
      return 'text/html;charset=UTF-8';
    default:
      return 'text/plain;charset=UTF-8';
  }
}

export const NO_CACHE = {
  Pragma: 'no-cache',
  Expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
  'Cache-Control': 'no-cache,no-store',
} as const;

/** Headers of a config GET (ConfigServletInner.setCommonResponseHead). */
export function configHeaders(v: ConfigView): Record<string, string> {
  const h: Record<string, string> = {
    'Config-Type': v.type,
    'Content-MD5': v.md5,
    ...NO_CACHE,
    'Last-Modified': new Date(v.modifyTime).toUTCString(),
  };
  if (v.encryptedDataKey) h['Encrypted-Data-Key'] = v.encryptedDataKey;
  if (v.beta) h.isBeta = 'true';
  if (v.tag) h.tag = encodeURIComponent(v.tag);
  return h;
}
