import { Elysia } from 'elysia';
import { isBatataError, PermissionDenied } from '../core/errors';
import { ok, restOk } from '../http/nacos-errors';
import { Params } from '../http/params';
import { type AuthDecl, OPEN, route } from '../http/route-meta';
import { PASSWORD_ENTRY, type RbacAuthGate } from './auth-gate-impl';
import { page, type UserRecord } from './auth-model';
import type { AuthService, SearchMode } from './auth-service';
import type { createHttpGuard } from './http-guard';

const USERS_R: AuthDecl = { admin: 'users', action: 'r' };
const USERS_W: AuthDecl = { admin: 'users', action: 'w' };
const ROLES_R: AuthDecl = { admin: 'roles', action: 'r' };
const ROLES_W: AuthDecl = { admin: 'roles', action: 'w' };
const PERMS_R: AuthDecl = { admin: 'permissions', action: 'r' };
const PERMS_W: AuthDecl = { admin: 'permissions', action: 'w' };
const PASSWORD: AuthDecl = { admin: PASSWORD_ENTRY, action: 'w' };

type Guard = ReturnType<typeof createHttpGuard>;
type Ctx = {
  query: Record<string, unknown>;
  body: unknown;
  request: Request;
  server: { requestIP(r: Request): { address: string } | null } | null;
};

const ipOf = (c: Ctx) => c.server?.requestIP(c.request)?.address ?? '';
// The hash never leaves the server; Nacos' console only reads `username`.
const userJson = (u: UserRecord) => ({ username: u.username, password: '' });
const searchMode = (p: Params): SearchMode => (p.get('search') === 'blur' ? 'blur' : 'accurate');

/**
 * Login: the same JSON on every path (spec §E.4), `Authorization: Bearer` header, and Nacos' 403
 * text on any failure (wrong password, unknown user, lockout).
 */
async function login(gate: RbacAuthGate, c: Ctx): Promise<Response> {
  const p = Params.from(c.query, c.body);
  try {
    const res = await gate.login(p.str('username'), p.str('password'), ipOf(c));
    return Response.json(res, { headers: { Authorization: `Bearer ${res.accessToken}` } });
  } catch (e) {
    if (isBatataError(e) && (e.kind === 'unauthenticated' || e.kind === 'permission_denied'))
      return new Response(e.message, {
        status: 403,
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
      });
    throw e;
  }
}

/**
 * The unauthenticated first-run endpoint only works with auth on: with auth off anyone could plant
 * the admin password that becomes valid the day auth is switched on.
 */
function checkInitAllowed(gate: RbacAuthGate, password: string | undefined): string | undefined {
  if (!gate.enabled)
    throw new PermissionDenied(
      'admin initialisation needs nacos.core.auth.enabled=true (or set nacos.core.auth.admin.password / BATATA_ADMIN_PASSWORD)',
    );
  return password;
}

/** Admin or the user themself (Nacos UPDATE_PASSWORD_ENTRY_POINT). */
function checkPasswordChange(gate: RbacAuthGate, guard: Guard, req: Request, username: string) {
  if (!gate.enabled) return;
  const id = guard.identityOf(req);
  if (id?.member || id?.globalAdmin || (id?.username && id.username === username)) return;
  throw new PermissionDenied('authorization failed!');
}

/** `/v1/auth/...` (RestResult / plain Page generation). */
export function nacosV1AuthRoutes(gate: RbacAuthGate, svc: AuthService, guard: Guard) {
  const initAdmin = async (c: Ctx) => {
    try {
      return await svc.initAdmin(checkInitAllowed(gate, Params.from(c.query, c.body).get('password')));
    } catch (e) {
      if (isBatataError(e) && e.kind === 'conflict')
        return Response.json(
          { code: 409, message: 'have admin user cannot use it', data: null },
          { status: 409 },
        );
      throw e;
    }
  };
  return new Elysia({ name: 'auth.nacos-v1' })
    .post('/v1/auth/login', (c) => login(gate, c as Ctx), {
      detail: route('Login (Python v1 / Rust SDK path)', OPEN),
    })
    .post('/v1/auth/users/login', (c) => login(gate, c as Ctx), {
      detail: route('Login (Java/Go/Python v2 SDKs)', OPEN),
    })
    .post('/v1/auth/users/admin', (c) => initAdmin(c as Ctx), {
      detail: route('First-run: create admin `nacos` when no admin exists', OPEN),
    })
    .post('/v1/auth/admin', (c) => initAdmin(c as Ctx), {
      detail: route('First-run admin (alias path)', OPEN),
    })
    .get(
      '/v1/auth/users',
      ({ query }) => {
        const p = Params.from(query, undefined);
        const users = svc.listUsers(searchMode(p), p.str('username'));
        return page(users.map(userJson), p.int('pageNo', 1), p.int('pageSize', 100));
      },
      { detail: route('List users (search=accurate|blur)', USERS_R) },
    )
    .get(
      '/v1/auth/users/search',
      ({ query }) =>
        svc.listUsers('blur', Params.from(query, undefined).str('username')).map((u) => u.username),
      { detail: route('User names containing a string', USERS_R) },
    )
    .post(
      '/v1/auth/users',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        await svc.createUser(p.required('username'), p.required('password'));
        return restOk('create user ok!');
      },
      { detail: route('Create a user', USERS_W) },
    )
    .put(
      '/v1/auth/users',
      async ({ query, body, request }) => {
        const p = Params.from(query, body);
        const username = p.required('username');
        checkPasswordChange(gate, guard, request, username);
        await svc.updatePassword(username, p.required('newPassword'));
        return restOk('update user ok!');
      },
      { detail: route('Change a password (admin, or the user themself)', PASSWORD) },
    )
    .delete(
      '/v1/auth/users',
      async ({ query, body }) => {
        await svc.deleteUser(Params.from(query, body).required('username'));
        return restOk('delete user ok!');
      },
      { detail: route('Delete a user', USERS_W) },
    )
    .get(
      '/v1/auth/roles',
      ({ query }) => {
        const p = Params.from(query, undefined);
        const roles = svc.listRoles(searchMode(p), p.str('username'), p.str('role'));
        return page(roles, p.int('pageNo', 1), p.int('pageSize', 100));
      },
      { detail: route('List role bindings', ROLES_R) },
    )
    .get(
      '/v1/auth/roles/search',
      ({ query }) => {
        const role = Params.from(query, undefined).str('role');
        return svc.roleNames().filter((r) => r.includes(role));
      },
      { detail: route('Role names containing a string', ROLES_R) },
    )
    .post(
      '/v1/auth/roles',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        await svc.addRole(p.required('role'), p.required('username'));
        return restOk('add role ok!');
      },
      { detail: route('Bind a role to a user', ROLES_W) },
    )
    .delete(
      '/v1/auth/roles',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        const username = p.first('username');
        await svc.deleteRole(p.required('role'), username);
        return restOk(`delete role of user ${username ?? ''} ok!`);
      },
      { detail: route('Unbind a role (from one user, or from all)', ROLES_W) },
    )
    .get(
      '/v1/auth/permissions',
      ({ query }) => {
        const p = Params.from(query, undefined);
        if (!p.has('search') && p.has('resource'))
          return ok(
            svc.isDuplicatePermission(p.required('role'), p.required('resource'), p.required('action')),
          );
        const perms = svc.listPermissions(searchMode(p), p.str('role'));
        return page(perms, p.int('pageNo', 1), p.int('pageSize', 100));
      },
      { detail: route('List permissions, or check a duplicate (role+resource+action)', PERMS_R) },
    )
    .post(
      '/v1/auth/permissions',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        await svc.addPermission(p.required('role'), p.required('resource'), p.required('action'));
        return restOk('add permission ok!');
      },
      { detail: route('Grant a permission to a role', PERMS_W) },
    )
    .delete(
      '/v1/auth/permissions',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        await svc.deletePermission(p.required('role'), p.required('resource'), p.required('action'));
        return restOk('delete permission ok!');
      },
      { detail: route('Revoke a permission', PERMS_W) },
    );
}

/** `/v3/auth/...` (Result envelope), mounted on the main port and on the console. */
export function nacosV3AuthRoutes(
  gate: RbacAuthGate,
  svc: AuthService,
  guard: Guard,
  name = 'auth.nacos-v3',
) {
  return new Elysia({ name, prefix: '/v3/auth' })
    .post('/user/login', (c) => login(gate, c as Ctx), { detail: route('Login (Java 3.x SDK)', OPEN) })
    .post(
      '/user/admin',
      async ({ query, body }) => {
        try {
          return ok(await svc.initAdmin(checkInitAllowed(gate, Params.from(query, body).get('password'))));
        } catch (e) {
          if (isBatataError(e) && e.kind === 'conflict')
            return Response.json(
              { code: 409, message: 'have admin user cannot use it.', data: null },
              { status: 409 },
            );
          throw e;
        }
      },
      { detail: route('First-run: create admin `nacos` when no admin exists', OPEN) },
    )
    .post(
      '/user',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        await svc.createUser(p.required('username'), p.required('password'));
        return ok('create user ok!');
      },
      { detail: route('Create a user', USERS_W) },
    )
    .put(
      '/user',
      async ({ query, body, request }) => {
        const p = Params.from(query, body);
        const username = p.required('username');
        checkPasswordChange(gate, guard, request, username);
        await svc.updatePassword(username, p.required('newPassword'));
        return ok('update user ok!');
      },
      { detail: route('Change a password (admin, or the user themself)', PASSWORD) },
    )
    .delete(
      '/user',
      async ({ query, body }) => {
        await svc.deleteUser(Params.from(query, body).required('username'));
        return ok('delete user ok!');
      },
      { detail: route('Delete a user', USERS_W) },
    )
    .get(
      '/user/list',
      ({ query }) => {
        const p = Params.from(query, undefined);
        const users = svc.listUsers(searchMode(p), p.str('username'));
        return ok(page(users.map(userJson), p.int('pageNo', 1), p.int('pageSize', 100)));
      },
      { detail: route('List users (search=accurate|blur)', USERS_R) },
    )
    .get(
      '/user/search',
      ({ query }) =>
        ok(svc.listUsers('blur', Params.from(query, undefined).str('username')).map((u) => u.username)),
      { detail: route('User names containing a string', USERS_R) },
    )
    .post(
      '/role',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        await svc.addRole(p.required('role'), p.required('username'));
        return ok('add role ok!');
      },
      { detail: route('Bind a role to a user', ROLES_W) },
    )
    .delete(
      '/role',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        const username = p.first('username');
        await svc.deleteRole(p.required('role'), username);
        return ok(`delete role of user ${username ?? ''} ok!`);
      },
      { detail: route('Unbind a role (from one user, or from all)', ROLES_W) },
    )
    .get(
      '/role/list',
      ({ query }) => {
        const p = Params.from(query, undefined);
        const roles = svc.listRoles(searchMode(p), p.str('username'), p.str('role'));
        return ok(page(roles, p.int('pageNo', 1), p.int('pageSize', 100)));
      },
      { detail: route('List role bindings', ROLES_R) },
    )
    .get(
      '/role/search',
      ({ query }) => {
        const role = Params.from(query, undefined).str('role');
        return ok(svc.roleNames().filter((r) => r.includes(role)));
      },
      { detail: route('Role names containing a string', ROLES_R) },
    )
    .post(
      '/permission',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        await svc.addPermission(p.required('role'), p.required('resource'), p.required('action'));
        return ok('add permission ok!');
      },
      { detail: route('Grant a permission to a role', PERMS_W) },
    )
    .delete(
      '/permission',
      async ({ query, body }) => {
        const p = Params.from(query, body);
        await svc.deletePermission(p.required('role'), p.required('resource'), p.required('action'));
        return ok('delete permission ok!');
      },
      { detail: route('Revoke a permission', PERMS_W) },
    )
    .get(
      '/permission',
      ({ query }) => {
        const p = Params.from(query, undefined);
        return ok(
          svc.isDuplicatePermission(p.required('role'), p.required('resource'), p.required('action')),
        );
      },
      { detail: route('Whether an equal permission already exists', PERMS_R) },
    )
    .get(
      '/permission/list',
      ({ query }) => {
        const p = Params.from(query, undefined);
        return ok(
          page(svc.listPermissions(searchMode(p), p.str('role')), p.int('pageNo', 1), p.int('pageSize', 100)),
        );
      },
      { detail: route('List permissions of a role', PERMS_R) },
    );
}
