import { PermissionDenied } from '../core/errors';
import type { GuardContext } from '../http/app';
import { Params } from '../http/params';
import type { AuthDecl } from '../http/route-meta';
import type { AuthResult, Credentials, ResourceRef } from '../server/auth-gate';
import type { RbacAuthGate } from './auth-gate-impl';

const DEFAULT_GROUP = 'DEFAULT_GROUP';

/** Spec §E.5 resource extraction from query/form/path, per declared resource kind. */
export function extractResource(decl: AuthDecl, ctx: GuardContext): ResourceRef {
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
    default:
      // Consul routes authorize in their handlers (`x-batata-auth-in-handler`); should one reach
      // the guard, nothing is extracted and only a grant on every name of its kind passes.
      return {};
  }
}

/** Spec §E.3. */
export function extractCredentials(ctx: GuardContext): Credentials {
  const h = ctx.headers;
  const p = Params.from(ctx.query, ctx.body);
  const auth = h.authorization;
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
  const accessToken = h.accesstoken || paramCaseInsensitive(p, 'accesstoken');
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
export function createHttpGuard(gate: RbacAuthGate) {
  const identities = new WeakMap<Request, AuthResult>();
  return {
    identityOf: (req: Request) => identities.get(req),
    /** Synchronous (no promise) when the route is open: the common case with auth disabled. */
    guard(decl: AuthDecl | undefined, ctx: GuardContext): Promise<void> | undefined {
      if (!decl) throw new MissingDeclaration(`${ctx.method} ${ctx.route}`);
      if (gate.trivial(decl)) return undefined;
      return authorize(decl, ctx);
    },
  };
  async function authorize(decl: AuthDecl, ctx: GuardContext): Promise<void> {
    const res = await gate.authorize(
      decl,
      extractResource(decl, ctx),
      // Auth off (except inner routes): only the identity header and the address (rate limit,
      // audit) are looked at.
      gate.enabled || 'inner' in decl ? extractCredentials(ctx) : { headers: ctx.headers, ip: ctx.ip },
      `${ctx.method} ${new URL(ctx.request.url).pathname}`,
    );
    identities.set(ctx.request, res);
  }
}

export class MissingDeclaration extends PermissionDenied {
  constructor(route: string) {
    super(`route ${route} has no auth declaration`);
  }
}
