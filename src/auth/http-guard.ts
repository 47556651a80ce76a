import { PermissionDenied } from '../core/errors';
import type { GuardContext } from '../http/app';
import { Params } from '../http/params';
import type { AuthDecl } from '../http/route-meta';
import type { AuthResult, Credentials, ResourceRef } from '../server/auth-gate';
import type { RbacAuthGate } from './auth-gate-impl';

/** Values of `:param` and `*` segments of a matched Elysia route pattern. */
const DEFAULT_GROUP = 'DEFAULT_GROUP';

export function routeParams(pattern: string, pathname: string): Record<string, string> {
  const out: Record<string, string> = {};
  const ps = pattern.split('/');
  const xs = pathname.split('/');
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    if (p === '*') {
      out['*'] = decodeURIComponent(xs.slice(i).join('/'));
      break;
    }
    if (p.startsWith(':') && xs[i] !== undefined)
      out[p.slice(1).replace(/\?$/, '')] = decodeURIComponent(xs[i]!);
  }
  return out;
}

/** Where Consul resources live in the RBAC model (the Consul adapter's `consul.naming.*` settings). */
export interface ConsulScope {
  namespaceId: string;
  group: string;
}

const DEFAULT_CONSUL_SCOPE: ConsulScope = { namespaceId: 'public', group: DEFAULT_GROUP };

/** Spec §E.5 resource extraction from query/form/path, per declared resource kind. */
export function extractResource(
  decl: AuthDecl,
  ctx: GuardContext,
  consul: ConsulScope = DEFAULT_CONSUL_SCOPE,
): ResourceRef {
  if (!('resource' in decl)) return {};
  const p = Params.from(ctx.query, ctx.body);
  const ns = (v: string | undefined) => (!v || v.trim() === '' ? 'public' : v);
  switch (decl.resource) {
    case 'config':
      return {
        namespaceId: ns(p.first('namespaceId', 'tenant', 'namespace')),
        group: p.first('groupName', 'group'),
        name: p.first('dataId'),
      };
    case 'naming': {
      const service = p.first('serviceName');
      let group = p.first('groupName');
      let name = service;
      if (service?.includes('@@')) {
        const [g, ...rest] = service.split('@@');
        group ??= g;
        name = rest.join('@@');
      } else if (service && !group) group = DEFAULT_GROUP;
      return { namespaceId: ns(p.first('namespaceId')), group, name };
    }
    default: {
      // Consul: names come from the path (`/v1/kv/<key>`, `/v1/catalog/service/<name>`) or a JSON body;
      // namespace and group are the Consul adapter's, so its own per-key checks render the same resource.
      const path = routeParams(ctx.route, new URL(ctx.request.url).pathname);
      const body = (ctx.body && typeof ctx.body === 'object' ? ctx.body : {}) as Record<string, unknown>;
      const first = (...vs: unknown[]) =>
        vs.find((v) => typeof v === 'string' && v !== '') as string | undefined;
      const pathValue = first(path['*'], ...Object.values(path));
      const name = first(pathValue, body.Name, body.Service, body.ID);
      return { namespaceId: consul.namespaceId, group: consul.group, name };
    }
  }
}

/** Spec §E.3 (+ Consul's `X-Consul-Token` / `?token=` on Consul routes). */
export function extractCredentials(decl: AuthDecl, ctx: GuardContext): Credentials {
  const h = ctx.headers;
  const p = Params.from(ctx.query, ctx.body);
  const auth = h.authorization;
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
  let accessToken = h.accesstoken || paramCaseInsensitive(p, 'accesstoken');
  if ('resource' in decl && decl.resource.startsWith('consul-'))
    accessToken ||=
      h['x-consul-token'] || (typeof ctx.query.token === 'string' ? ctx.query.token : undefined);
  return {
    bearer: bearer || undefined,
    accessToken: accessToken || undefined,
    username: p.get('username'),
    password: p.get('password'),
    headers: h,
    ip: ctx.ip,
  };
}

function paramCaseInsensitive(p: Params, lower: string): string | undefined {
  for (const [k, v] of Object.entries(p.all())) if (k.toLowerCase() === lower && v) return v;
  return undefined;
}

/**
 * The HTTP guard handed to `createHttpApp`: every routed request goes through the one AuthGate.
 * A route without a declaration is refused (it cannot be reached by accident). The identity of
 * an allowed caller is kept per request for handlers that need it (`identityOf`).
 */
export function createHttpGuard(gate: RbacAuthGate, consul: ConsulScope = DEFAULT_CONSUL_SCOPE) {
  const identities = new WeakMap<Request, AuthResult>();
  return {
    identityOf: (req: Request) => identities.get(req),
    async guard(decl: AuthDecl | undefined, ctx: GuardContext): Promise<void> {
      if (!decl) throw new MissingDeclaration(`${ctx.method} ${ctx.route}`);
      if (gate.trivial(decl)) return;
      const res = await gate.authorize(
        decl,
        extractResource(decl, ctx, consul),
        extractCredentials(decl, ctx),
        `${ctx.method} ${new URL(ctx.request.url).pathname}`,
      );
      identities.set(ctx.request, res);
    },
  };
}

export class MissingDeclaration extends PermissionDenied {
  constructor(route: string) {
    super(`route ${route} has no auth declaration`);
  }
}
