import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { AuthDecl, RouteDetail } from '../../src/http/route-meta';
import { ADMIN_PASSWORD, AUTH_ON, expiredToken, foreignToken, login } from '../support/auth';
import { form, startTestServer, type TestServer } from '../support/server';

// BCrypt-heavy steps on a shared 2-core machine: hooks and tests get room beyond the 5 s default.
setDefaultTimeout(30_000);

/**
 * The auth matrix over the ROUTE TABLE: every route of the assembled app × every credential case
 * → exactly the expected outcome. Routes merged later by other domains are picked up
 * automatically; param values are chosen per declared resource type.
 */

const IDENTITY_KEY = 'X-Matrix-Member';
const IDENTITY_VALUE = 'matrix-member-secret-0123456789';

type Case = 'none' | 'malformed' | 'badSignature' | 'expired' | 'noPermission' | 'permitted';
const CASES: Case[] = ['none', 'malformed', 'badSignature', 'expired', 'noPermission', 'permitted'];

/** Nacos' reason per rejected case (the AccessException text). */
const REASON: Partial<Record<Case, string>> = {
  none: 'user not found!',
  malformed: 'token invalid!',
  badSignature: 'Invalid signature',
  expired: 'token expired!',
  noPermission: 'authorization failed!',
};
const GUARD_REASONS = Object.values(REASON) as string[];

interface RouteRow {
  /** `main` or `console` port. */
  port: 'main' | 'console';
  method: string;
  path: string;
  decl: AuthDecl | undefined;
}

type AnyRoute = { method: string; path: string; hooks: { detail?: RouteDetail } };

/** Every route of the main port's app and of the console port's app. */
function routeTable(t: TestServer): RouteRow[] {
  const rows = (port: RouteRow['port'], routes: AnyRoute[]) =>
    routes
      .filter((r) => r.method !== 'OPTIONS' && r.method !== 'WS')
      .map((r) => ({ port, method: r.method, path: r.path, decl: r.hooks?.detail?.['x-batata-auth'] }));
  return [
    ...rows('main', t.server.app.routes as AnyRoute[]),
    ...rows('console', (t.server.consoleApp?.routes ?? []) as AnyRoute[]),
  ];
}

const baseOf = (t: TestServer, row: RouteRow) =>
  row.port === 'main' ? t.url : `http://127.0.0.1:${t.ports.console}`;

/** Parameters every resource type reads (spec §E.5 extraction), all aimed at harmless targets. */
const PARAMS: Record<string, string> = {
  namespaceId: 'public',
  groupName: 'MATRIX_GROUP',
  group: 'MATRIX_GROUP',
  dataId: 'matrix.yaml',
  serviceName: 'matrix-svc',
  ip: '10.255.255.1',
  port: '8080',
  content: 'k: v',
  // Auth management targets: nobody real (password change targets the admin, see below).
  username: 'matrix-nobody',
  role: 'matrix-role',
  resource: 'matrix:*:*',
  action: 'r',
  newPassword: ADMIN_PASSWORD,
  namespaceName: 'matrix',
  customNamespaceId: 'matrix-ns',
  namespace: 'matrix-ns',
  pageNo: '1',
  pageSize: '10',
};

function concretePath(path: string): string {
  return path
    .split('/')
    .map((seg) => (seg.startsWith(':') || seg === '*' ? 'matrix' : seg))
    .join('/');
}

let t: TestServer;
let tokens: Record<'malformed' | 'badSignature' | 'expired' | 'admin' | 'granted' | 'denied', string>;

beforeAll(async () => {
  t = await startTestServer({
    ...AUTH_ON,
    'nacos.core.auth.server.identity.key': IDENTITY_KEY,
    'nacos.core.auth.server.identity.value': IDENTITY_VALUE,
    'nacos.core.auth.login.max-attempts': 0,
  });
  const admin = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
  const q = `accessToken=${admin}`;
  const must = async (p: Promise<{ status: number; text: string }>) => {
    const r = await p;
    if (r.status !== 200) throw new Error(`setup failed: ${r.status} ${r.text}`);
  };
  // granted: rw on everything in `public` (all resource types); denied: rw only in another namespace.
  await must(
    form('POST', `${t.nacos}/v1/auth/users?${q}`, { username: 'granted', password: 'granted-pass' }),
  );
  await must(form('POST', `${t.nacos}/v1/auth/users?${q}`, { username: 'denied', password: 'denied-pass' }));
  await must(form('POST', `${t.nacos}/v1/auth/roles?${q}`, { username: 'granted', role: 'public-rw' }));
  await must(form('POST', `${t.nacos}/v1/auth/roles?${q}`, { username: 'denied', role: 'other-rw' }));
  await must(
    form('POST', `${t.nacos}/v1/auth/permissions?${q}`, {
      role: 'public-rw',
      resource: 'public:*:*',
      action: 'rw',
    }),
  );
  await must(
    form('POST', `${t.nacos}/v1/auth/permissions?${q}`, {
      role: 'other-rw',
      resource: 'other:*:*',
      action: 'rw',
    }),
  );
  tokens = {
    malformed: 'not-a.jwt',
    badSignature: await foreignToken('nacos'),
    expired: await expiredToken('nacos'),
    admin,
    granted: await login(t.nacos, 'granted', 'granted-pass'),
    denied: await login(t.nacos, 'denied', 'denied-pass'),
  };
});
afterAll(async () => {
  await t.stop();
});

/** Which token (or identity) proves "permitted" / "no permission" for this declaration. */
function credentialFor(decl: AuthDecl, c: Case): Record<string, string> {
  switch (c) {
    case 'none':
      return {};
    case 'malformed':
    case 'badSignature':
    case 'expired':
      return { accessToken: tokens[c] };
    case 'noPermission':
      // For console/admin/inner routes a valid non-admin user lacks permission.
      return { accessToken: 'resource' in decl ? tokens.denied : tokens.granted };
    case 'permitted':
      if ('inner' in decl) return { [IDENTITY_KEY]: IDENTITY_VALUE };
      return { accessToken: 'resource' in decl ? tokens.granted : tokens.admin };
  }
}

async function call(row: RouteRow, creds: Record<string, string>): Promise<{ status: number; body: string }> {
  // Consul clients send their token as X-Consul-Token; Nacos SDKs as accessToken.
  const consul = row.decl && 'resource' in row.decl && row.decl.resource.startsWith('consul-');
  const headers: Record<string, string> =
    consul && creds.accessToken ? { 'X-Consul-Token': creds.accessToken } : creds;
  const isPasswordChange = row.decl && 'admin' in row.decl && row.decl.admin === 'user/password';
  const params = { ...PARAMS, ...(isPasswordChange ? { username: 'nacos' } : {}) };
  const qs = new URLSearchParams(params).toString();
  const url = `${baseOf(t, row)}${concretePath(row.path)}`;
  const withBody = row.method !== 'GET' && row.method !== 'HEAD';
  try {
    const res = await fetch(withBody ? url : `${url}?${qs}`, {
      method: row.method,
      headers: { ...headers, ...(withBody ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: withBody ? qs : undefined,
      signal: AbortSignal.timeout(3000),
    });
    return { status: res.status, body: await res.text() };
  } catch (e) {
    // A handler that holds the request (long poll) was reached: the guard let it through.
    if ((e as Error).name === 'TimeoutError') return { status: 0, body: 'held open' };
    throw e;
  }
}

function denied(r: { status: number; body: string }): boolean {
  return r.status === 403;
}
function deniedByGuard(r: { status: number; body: string }): boolean {
  return r.status === 403 && GUARD_REASONS.some((m) => r.body.includes(m));
}

describe('auth matrix over the route table', () => {
  test('every route declares its auth need (x-batata-auth)', () => {
    const rows = routeTable(t);
    expect(rows.filter((r) => r.port === 'main').length).toBeGreaterThan(40);
    expect(rows.filter((r) => r.port === 'console').length).toBeGreaterThan(10);
    const missing = rows.filter((r) => !r.decl).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  test('route × {no token, malformed, bad signature, expired, no permission, permitted}', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const row of routeTable(t)) {
      const decl = row.decl!;
      const isConsul = 'resource' in decl && decl.resource.startsWith('consul-');
      for (const c of CASES) {
        const r = await call(row, credentialFor(decl, c));
        checked++;
        const where = `${row.port} ${row.method} ${row.path} [${c}] → ${r.status} ${r.body.slice(0, 120)}`;
        if ('open' in decl) {
          if (deniedByGuard(r)) failures.push(`open route denied: ${where}`);
          continue;
        }
        if (c === 'permitted') {
          if (isConsul ? denied(r) : deniedByGuard(r)) failures.push(`permitted caller denied: ${where}`);
          continue;
        }
        if (!denied(r)) {
          failures.push(`BYPASS: ${where}`);
          continue;
        }
        // Nacos paths carry the reason (v1 text, v2/v3 Result.data); Consul's renderer has its own text.
        if (!isConsul && !r.body.includes(REASON[c]!)) failures.push(`wrong reason: ${where}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(routeTable(t).length * CASES.length);
  }, 120_000);

  test('with auth disabled nothing but inner routes needs credentials', async () => {
    const s = await startTestServer({});
    try {
      const failures: string[] = [];
      for (const row of routeTable(s)) {
        if (row.decl && 'inner' in row.decl) continue;
        const url = `${baseOf(s, row)}${concretePath(row.path)}`;
        const qs = new URLSearchParams(PARAMS).toString();
        const withBody = row.method !== 'GET' && row.method !== 'HEAD';
        const res = await fetch(withBody ? url : `${url}?${qs}`, {
          method: row.method,
          headers: withBody ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
          body: withBody ? qs : undefined,
          signal: AbortSignal.timeout(3000),
        }).catch((e: Error) => (e.name === 'TimeoutError' ? undefined : Promise.reject(e)));
        if (!res) continue;
        const body = await res.text();
        if (deniedByGuard({ status: res.status, body })) failures.push(`${row.method} ${row.path} → ${body}`);
      }
      expect(failures).toEqual([]);
    } finally {
      await s.stop();
    }
  }, 60_000);
});
