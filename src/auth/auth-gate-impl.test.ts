import { beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { silentLogger } from '../core/log';
import type { AuthDecl } from '../http/route-meta';
import type { Credentials } from '../server/auth-gate';
import { StateStore } from '../state';
import { AuditLog } from './audit-log';
import { type AuthGateOptions, PASSWORD_ENTRY, RbacAuthGate } from './auth-gate-impl';
import { AuthService } from './auth-service';
import { FakeAuthRepo } from './fake-auth-repo';
import { TokenService } from './token';

// BCrypt-heavy steps on a shared 2-core machine: hooks and tests get room beyond the 5 s default.
setDefaultTimeout(30_000);

const KEY = Buffer.alloc(32, 3).toString('base64');
const OPTS: AuthGateOptions = {
  enabled: true,
  adminEnabled: true,
  consoleEnabled: true,
  identityKey: 'x-member',
  identityValue: 'member-secret-value-1234',
  tokenCacheSize: 100,
  login: { maxAttempts: 3, windowMs: 60_000, lockoutMs: 600_000 },
  rateLimit: { rps: 0, burst: 0 },
};

let clock: FakeClock;
let svc: AuthService;
let lines: string[];

async function gate(opts: Partial<AuthGateOptions> = {}) {
  const sink = { write: (l: string) => lines.push(l), flush() {}, close() {} };
  return new RbacAuthGate(
    { ...OPTS, ...opts },
    svc,
    new TokenService(KEY, 3600, clock),
    new AuditLog(sink, clock),
    clock,
    silentLogger,
  );
}

const creds = (c: Partial<Credentials> = {}): Credentials => ({ headers: {}, ip: '10.0.0.1', ...c });
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'allow',
    (e: Error) => e.message,
  );

beforeEach(async () => {
  clock = new FakeClock(Date.now());
  svc = new AuthService(new StateStore(), new FakeAuthRepo(), silentLogger);
  await svc.load();
  await svc.initAdmin('admin-pass');
  await svc.createUser('dev', 'dev-pass');
  await svc.addRole('devs', 'dev');
  await svc.addPermission('devs', 'dev:*:config/*', 'rw');
  await svc.addPermission('devs', ':*:naming/*', 'r');
  lines = [];
});

describe('RbacAuthGate decisions', () => {
  test('resource, admin, password-entry, inner and open declarations for an ordinary user', async () => {
    const g = await gate();
    const dev = creds({ accessToken: (await g.login('dev', 'dev-pass', '10.0.0.1')).accessToken });
    const cfgW: AuthDecl = { resource: 'config', action: 'w' };
    expect(await outcome(g.authorize(cfgW, { namespaceId: 'dev', group: 'G', name: 'a' }, dev))).toBe(
      'allow',
    );
    expect(await outcome(g.authorize(cfgW, { namespaceId: 'prod', group: 'G', name: 'a' }, dev))).toBe(
      'authorization failed!',
    );
    const nsR: AuthDecl = { resource: 'naming', action: 'r' };
    const nsW: AuthDecl = { resource: 'naming', action: 'w' };
    expect(await outcome(g.authorize(nsR, { namespaceId: 'public', name: 's' }, dev))).toBe('allow');
    expect(await outcome(g.authorize(nsW, { namespaceId: 'public', name: 's' }, dev))).toBe(
      'authorization failed!',
    );
    expect(await outcome(g.authorize({ admin: 'users', action: 'r' }, {}, dev))).toBe(
      'authorization failed!',
    );
    expect(await outcome(g.authorize({ admin: PASSWORD_ENTRY, action: 'w' }, {}, dev))).toBe('allow');
    expect(await outcome(g.authorize({ inner: true }, {}, dev))).toBe('authorization failed!');
    expect(await outcome(g.authorize({ open: true }, {}, creds()))).toBe('allow');
  });

  test('admin passes everything; server identity passes without a user, a near miss does not', async () => {
    const g = await gate();
    const admin = creds({ bearer: (await g.login('nacos', 'admin-pass', '10.0.0.1')).accessToken });
    expect(await outcome(g.authorize({ inner: true }, {}, admin))).toBe('allow');
    expect(await outcome(g.authorize({ resource: 'consul-kv', action: 'w' }, { name: 'k' }, admin))).toBe(
      'allow',
    );
    const member = creds({ headers: { 'x-member': OPTS.identityValue } });
    expect(await g.authorize({ inner: true }, {}, member)).toEqual({ member: true });
    const near = creds({ headers: { 'x-member': `${OPTS.identityValue}x` } });
    expect(await outcome(g.authorize({ inner: true }, {}, near))).toBe('user not found!');
  });

  test('auth disabled: only inner routes with a configured identity need it', async () => {
    const g = await gate({ enabled: false });
    expect(await outcome(g.authorize({ resource: 'config', action: 'w' }, {}, creds()))).toBe('allow');
    expect(await outcome(g.authorize({ admin: 'users', action: 'w' }, {}, creds()))).toBe('allow');
    expect(await outcome(g.authorize({ inner: true }, {}, creds()))).toContain('Invalid server identity');
    const noIdentity = await gate({ enabled: false, identityKey: '', identityValue: '' });
    expect(await outcome(noIdentity.authorize({ inner: true }, {}, creds()))).toBe('allow');
  });

  test('admin.enabled=false leaves admin resources open while client resources stay protected', async () => {
    const g = await gate({ adminEnabled: false });
    expect(await outcome(g.authorize({ admin: 'namespaces', action: 'w' }, {}, creds()))).toBe('allow');
    expect(await outcome(g.authorize({ resource: 'config', action: 'r' }, {}, creds()))).toBe(
      'user not found!',
    );
    expect(await outcome(g.authorize({ resource: 'config', action: 'r', api: 'admin' }, {}, creds()))).toBe(
      'allow',
    );
  });

  test('direct credentials: cached after success, invalidated by a password change', async () => {
    const g = await gate();
    const c = creds({ username: 'dev', password: 'dev-pass' });
    const decl: AuthDecl = { resource: 'config', action: 'r' };
    expect(await outcome(g.authorize(decl, { namespaceId: 'dev' }, c))).toBe('allow');
    await svc.updatePassword('dev', 'dev-new');
    expect(await outcome(g.authorize(decl, { namespaceId: 'dev' }, c))).toBe(
      'User not found! Please check user exist or password is right!',
    );
  });

  test('lockout per user+address, and per address across many users (password spraying)', async () => {
    const g = await gate();
    for (let i = 0; i < 3; i++) await outcome(g.login('dev', 'wrong', '10.0.0.9'));
    expect(await outcome(g.login('dev', 'dev-pass', '10.0.0.9'))).toContain('too many failed logins');
    expect(await outcome(g.login('dev', 'dev-pass', '10.0.0.8'))).toBe('allow');
    for (let i = 0; i < 30; i++) await outcome(g.login(`ghost${i}`, 'x', '10.0.0.7'));
    expect(await outcome(g.login('nacos', 'admin-pass', '10.0.0.7'))).toContain('too many failed logins');
    clock.advance(600_000);
    expect(await outcome(g.login('nacos', 'admin-pass', '10.0.0.7'))).toBe('allow');
  });

  test('audit: writes and denials are recorded with user, resource and address, no secrets', async () => {
    const g = await gate();
    const { accessToken } = await g.login('dev', 'dev-pass', '10.0.0.1');
    await g.authorize(
      { resource: 'config', action: 'w' },
      { namespaceId: 'dev', group: 'G', name: 'a' },
      creds({ accessToken }),
      'POST /x',
    );
    await g.authorize({ resource: 'config', action: 'r' }, { namespaceId: 'dev' }, creds({ accessToken }));
    await outcome(g.authorize({ admin: 'users', action: 'r' }, {}, creds({ accessToken })));
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      user: 'dev',
      action: 'w',
      resource: 'dev:G:config/a',
      ip: '10.0.0.1',
      decision: 'allow',
      via: 'POST /x',
    });
    expect(entries[1]).toMatchObject({
      decision: 'deny',
      resource: 'console/users',
      reason: 'authorization failed!',
    });
    expect(lines.join('').includes(accessToken)).toBe(false);
  });

  test('rate limit per client address', async () => {
    const g = await gate({ rateLimit: { rps: 1, burst: 2 } });
    const open: AuthDecl = { open: true };
    expect(await outcome(g.authorize(open, {}, creds()))).toBe('allow');
    expect(await outcome(g.authorize(open, {}, creds()))).toBe('allow');
    expect(await outcome(g.authorize(open, {}, creds()))).toContain('too many requests');
    expect(await outcome(g.authorize(open, {}, creds({ ip: '10.0.0.2' })))).toBe('allow');
    clock.advance(1000);
    expect(await outcome(g.authorize(open, {}, creds()))).toBe('allow');
  });
});
