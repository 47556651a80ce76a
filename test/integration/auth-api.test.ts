import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, AUTH_ON, expiredToken, foreignToken, login, TEST_SECRET } from '../support/auth';
import { form, startTestServer, type TestServer } from '../support/server';

// BCrypt-heavy steps on a shared 2-core machine: hooks and tests get room beyond the 5 s default.
setDefaultTimeout(30_000);

let t: TestServer;
let auditFile: string;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'batata-auth-'));
  auditFile = join(dir, 'logs', 'audit.log');
  t = await startTestServer(
    { ...AUTH_ON, 'nacos.core.auth.login.max-attempts': 1000, 'nacos.core.auth.audit.file': auditFile },
    { dataDir: dir },
  );
});
afterAll(async () => {
  await t.stop();
  rmSync(join(auditFile, '..', '..'), { recursive: true, force: true });
});

const NS = () => `${t.nacos}/v1/console/namespaces`;

describe('login (spec §E.4)', () => {
  test('all three endpoints answer the same unwrapped JSON with a Bearer header', async () => {
    for (const path of ['/v1/auth/login', '/v1/auth/users/login', '/v3/auth/user/login']) {
      const r = await form('POST', `${t.nacos}${path}`, { username: 'nacos', password: ADMIN_PASSWORD });
      expect(r.status).toBe(200);
      const j = JSON.parse(r.text);
      expect(Object.keys(j).sort()).toEqual(['accessToken', 'globalAdmin', 'tokenTtl', 'username']);
      expect(j.username).toBe('nacos');
      expect(j.globalAdmin).toBe(true);
      expect(typeof j.tokenTtl).toBe('number');
      expect(j.tokenTtl).toBeGreaterThan(17990);
      expect(j.tokenTtl).toBeLessThanOrEqual(18000);
      expect(j.accessToken.split('.')[0]).toBe('eyJhbGciOiJIUzI1NiJ9');
      expect(r.headers.get('authorization')).toBe(`Bearer ${j.accessToken}`);
    }
  });

  test('Java 3.x style: username in the query, password in the form body', async () => {
    const res = await fetch(`${t.nacos}/v3/auth/user/login?username=nacos`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `password=${encodeURIComponent(ADMIN_PASSWORD)}`,
    });
    expect(res.status).toBe(200);
  });

  test('wrong password, unknown user, missing fields: 403 with Nacos text', async () => {
    for (const params of [
      { username: 'nacos', password: 'nope' },
      { username: 'ghost', password: 'x' },
      {},
    ]) {
      for (const path of ['/v1/auth/login', '/v3/auth/user/login']) {
        const r = await form('POST', `${t.nacos}${path}`, params as Record<string, string>);
        expect(r.status).toBe(403);
        expect(r.text).toBe('User not found! Please check user exist or password is right!');
      }
    }
  });

  test('lockout after repeated failures for that user and address, others unaffected', async () => {
    await startTestServer({ ...AUTH_ON, 'nacos.core.auth.login.max-attempts': 2 }).then(async (s) => {
      try {
        await form('POST', `${s.nacos}/v1/auth/users`, {}); // warm-up
        const token = await login(s.nacos, 'nacos', ADMIN_PASSWORD);
        await form('POST', `${s.nacos}/v1/auth/users?accessToken=${token}`, {
          username: 'bob',
          password: 'bob-pass',
        });
        for (let i = 0; i < 2; i++)
          expect(
            (await form('POST', `${s.nacos}/v1/auth/login`, { username: 'bob', password: 'bad' })).status,
          ).toBe(403);
        const locked = await form('POST', `${s.nacos}/v1/auth/login`, {
          username: 'bob',
          password: 'bob-pass',
        });
        expect(locked.status).toBe(403);
        expect(locked.text).toContain('too many failed logins');
        // Direct credentials on API calls are locked too.
        const direct = await fetch(`${s.nacos}/v1/console/namespaces?username=bob&password=bob-pass`);
        expect(direct.status).toBe(403);
        // Another user is not locked.
        expect(
          (await form('POST', `${s.nacos}/v1/auth/login`, { username: 'nacos', password: ADMIN_PASSWORD }))
            .status,
        ).toBe(200);
        expect(s.logs.lines.some((l) => l.includes('bob-pass'))).toBe(false);
        const metrics = await (await fetch(`${s.nacos}/metrics`)).text();
        const value = (line: string) =>
          Number(
            metrics
              .split('\n')
              .find((l) => l.startsWith(line))
              ?.split(' ')
              .at(-1) ?? 'NaN',
          );
        expect(value('batata_auth_logins_total{result="failure"}')).toBe(2);
        expect(value('batata_auth_logins_total{result="locked"}')).toBe(2);
        expect(value('batata_auth_logins_total{result="success"}')).toBeGreaterThanOrEqual(2);
        expect(value('batata_auth_denied_total{reason="unauthenticated"}')).toBeGreaterThanOrEqual(2);
        expect(value('batata_auth_users')).toBe(2);
      } finally {
        await s.stop();
      }
    });
  });
});

describe('token handling (spec §E.2-E.3)', () => {
  test('token accepted as accessToken query, header, form field and Authorization: Bearer', async () => {
    const tok = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
    expect((await fetch(`${NS()}?accessToken=${tok}`)).status).toBe(200);
    expect((await fetch(NS(), { headers: { accessToken: tok } })).status).toBe(200);
    expect((await fetch(NS(), { headers: { Authorization: `Bearer ${tok}` } })).status).toBe(200);
    const r = await form('POST', NS(), { accessToken: tok, customNamespaceId: 'tok-ns', namespaceName: 'x' });
    expect(r.text).toBe('true');
  });

  test('Authorization: Bearer wins over accessToken (a bad bearer is not rescued)', async () => {
    const tok = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
    const res = await fetch(`${NS()}?accessToken=${tok}`, { headers: { Authorization: 'Bearer garbage' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('token invalid!');
  });

  test('username + password params authenticate directly (npm SDK style)', async () => {
    expect(
      (await fetch(`${NS()}?username=nacos&password=${encodeURIComponent(ADMIN_PASSWORD)}`)).status,
    ).toBe(200);
    expect((await fetch(`${NS()}?username=nacos&password=wrong`)).status).toBe(403);
  });

  test('rejections carry the Nacos reason: missing, malformed, forged, expired', async () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'user not found!'],
      ['abc.def', 'token invalid!'],
      [await foreignToken('nacos'), 'Invalid signature'],
      [await expiredToken('nacos'), 'token expired!'],
    ];
    for (const [tok, reason] of cases) {
      const res = await fetch(tok ? `${NS()}?accessToken=${tok}` : NS());
      expect(res.status).toBe(403);
      expect(await res.text()).toBe(reason);
      const v3 = await fetch(`${t.nacos}/v3/admin/core/namespace/list${tok ? `?accessToken=${tok}` : ''}`);
      expect(v3.status).toBe(403);
      expect(await v3.json()).toEqual({ code: 10001, message: 'access denied', data: reason });
    }
  });

  test('token of a deleted user stops working', async () => {
    const admin = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
    await form('POST', `${t.nacos}/v1/auth/users?accessToken=${admin}`, {
      username: 'temp',
      password: 'temp-pass',
    });
    await form('POST', `${t.nacos}/v1/auth/roles?accessToken=${admin}`, {
      username: 'temp',
      role: 'ROLE_ADMIN',
    });
    const tok = await login(t.nacos, 'temp', 'temp-pass');
    expect((await fetch(`${NS()}?accessToken=${tok}`)).status).toBe(200);
    expect(
      (await form('DELETE', `${t.nacos}/v1/auth/users?accessToken=${admin}`, { username: 'temp' })).status,
    ).toBe(200);
    const res = await fetch(`${NS()}?accessToken=${tok}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('user not found!');
  });

  test('token expiry is honoured (short expiry setting)', async () => {
    const s = await startTestServer({ ...AUTH_ON, 'nacos.core.auth.plugin.nacos.token.expire.seconds': 1 });
    try {
      const r = await form('POST', `${s.nacos}/v1/auth/login`, {
        username: 'nacos',
        password: ADMIN_PASSWORD,
      });
      const { accessToken, tokenTtl } = JSON.parse(r.text);
      expect(tokenTtl).toBeLessThanOrEqual(1);
      expect((await fetch(`${s.nacos}/v1/console/namespaces?accessToken=${accessToken}`)).status).toBe(200);
      let status = 200;
      let body = '';
      const until = Date.now() + 4000;
      while (status === 200 && Date.now() < until) {
        await Bun.sleep(250);
        const res = await fetch(`${s.nacos}/v1/console/namespaces?accessToken=${accessToken}`);
        status = res.status;
        body = await res.text();
      }
      expect(status).toBe(403);
      expect(body).toBe('token expired!');
    } finally {
      await s.stop();
    }
  });
});

describe('users, roles, permissions APIs', () => {
  test('v1: create user, bind role, grant permission; RBAC follows', async () => {
    const admin = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
    const q = `accessToken=${admin}`;
    let r = await form('POST', `${t.nacos}/v1/auth/users?${q}`, { username: 'dev1', password: 'dev1-pass' });
    expect(JSON.parse(r.text)).toEqual({ code: 200, message: null, data: 'create user ok!' });
    r = await form('POST', `${t.nacos}/v1/auth/users?${q}`, { username: 'dev1', password: 'x' });
    expect(r.status).toBe(409);
    r = await form('POST', `${t.nacos}/v1/auth/roles?${q}`, { username: 'dev1', role: 'devs' });
    expect(JSON.parse(r.text).data).toBe('add role ok!');
    r = await form('POST', `${t.nacos}/v1/auth/permissions?${q}`, {
      role: 'devs',
      resource: 'dev:*:*',
      action: 'rw',
    });
    expect(JSON.parse(r.text).data).toBe('add permission ok!');
    r = await form('POST', `${t.nacos}/v1/auth/permissions?${q}`, {
      role: 'nope',
      resource: 'dev:*:*',
      action: 'rw',
    });
    expect(r.status).toBe(400);
    r = await form('POST', `${t.nacos}/v1/auth/permissions?${q}`, {
      role: 'devs',
      resource: 'x',
      action: 'x',
    });
    expect(r.status).toBe(400);

    const users = await (
      await fetch(`${t.nacos}/v1/auth/users?search=accurate&pageNo=1&pageSize=10&${q}`)
    ).json();
    expect(users.totalCount).toBeGreaterThanOrEqual(2);
    expect(users.pageItems.map((u: { username: string }) => u.username)).toContain('dev1');
    expect(users.pageItems.every((u: { password: string }) => u.password === '')).toBe(true);
    const blur = await (
      await fetch(`${t.nacos}/v1/auth/users?search=blur&username=ev&pageNo=1&pageSize=10&${q}`)
    ).json();
    expect(blur.pageItems.map((u: { username: string }) => u.username)).toEqual(['dev1']);
    const roles = await (
      await fetch(`${t.nacos}/v1/auth/roles?search=accurate&pageNo=1&pageSize=10&username=dev1&${q}`)
    ).json();
    expect(roles.pageItems).toEqual([{ username: 'dev1', role: 'devs' }]);
    const perms = await (
      await fetch(`${t.nacos}/v1/auth/permissions?search=accurate&pageNo=1&pageSize=10&role=devs&${q}`)
    ).json();
    expect(perms.pageItems).toEqual([{ role: 'devs', resource: 'dev:*:*', action: 'rw' }]);
    const dup = await (
      await fetch(`${t.nacos}/v1/auth/permissions?role=devs&resource=dev:*:*&action=r&${q}`)
    ).json();
    expect(dup).toEqual({ code: 0, message: 'success', data: true });

    const dev = await login(t.nacos, 'dev1', 'dev1-pass');
    // Non-admin: console resources are denied.
    expect((await fetch(`${NS()}?accessToken=${dev}`)).status).toBe(403);
    expect((await fetch(`${t.nacos}/v1/auth/users?search=accurate&accessToken=${dev}`)).status).toBe(403);
  });

  test('password change: self allowed, someone else denied, admin allowed', async () => {
    const admin = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
    await form('POST', `${t.nacos}/v1/auth/users?accessToken=${admin}`, {
      username: 'pw1',
      password: 'pw1-pass',
    });
    const self = await login(t.nacos, 'pw1', 'pw1-pass');
    let r = await form('PUT', `${t.nacos}/v1/auth/users?accessToken=${self}`, {
      username: 'pw1',
      newPassword: 'pw1-new',
    });
    expect(r.status).toBe(200);
    expect(
      (await form('POST', `${t.nacos}/v1/auth/login`, { username: 'pw1', password: 'pw1-new' })).status,
    ).toBe(200);
    r = await form('PUT', `${t.nacos}/v3/auth/user?accessToken=${self}`, {
      username: 'nacos',
      newPassword: 'hijack',
    });
    expect(r.status).toBe(403);
    r = await form('PUT', `${t.nacos}/v3/auth/user?accessToken=${admin}`, {
      username: 'pw1',
      newPassword: 'pw1-admin',
    });
    expect(JSON.parse(r.text)).toEqual({ code: 0, message: 'success', data: 'update user ok!' });
    expect(
      (await form('POST', `${t.nacos}/v1/auth/login`, { username: 'pw1', password: 'pw1-admin' })).status,
    ).toBe(200);
  });

  test('the last admin cannot lose ROLE_ADMIN or be deleted; a second admin makes it possible', async () => {
    const admin = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
    const q = `accessToken=${admin}`;
    for (const r of [
      await form('DELETE', `${t.nacos}/v3/auth/role?${q}`, { role: 'ROLE_ADMIN', username: 'nacos' }),
      await form('DELETE', `${t.nacos}/v3/auth/role?${q}`, { role: 'ROLE_ADMIN' }),
      await form('DELETE', `${t.nacos}/v3/auth/user?${q}`, { username: 'nacos' }),
    ]) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    await form('POST', `${t.nacos}/v3/auth/user?${q}`, { username: 'admin2', password: 'admin2-pass' });
    expect(
      (await form('POST', `${t.nacos}/v3/auth/role?${q}`, { role: 'ROLE_ADMIN', username: 'admin2' })).status,
    ).toBe(200);
    const a2 = await login(t.nacos, 'admin2', 'admin2-pass');
    const r = await form('DELETE', `${t.nacos}/v3/auth/role?accessToken=${a2}`, {
      role: 'ROLE_ADMIN',
      username: 'admin2',
    });
    expect(r.status).toBe(200);
    // admin2 no longer admin.
    expect((await fetch(`${NS()}?accessToken=${a2}`)).status).toBe(403);
  });

  test('v3 lists use the Result envelope', async () => {
    const admin = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
    const j = await (
      await fetch(`${t.nacos}/v3/auth/user/list?pageNo=1&pageSize=2&accessToken=${admin}`)
    ).json();
    expect(j.code).toBe(0);
    expect(j.data.pageItems.length).toBeLessThanOrEqual(2);
    expect(j.data.pageNumber).toBe(1);
    const s = await (await fetch(`${t.nacos}/v3/auth/user/search?username=nac&accessToken=${admin}`)).json();
    expect(s.data).toEqual(['nacos']);
  });

  test('first-run admin endpoint refuses once an admin exists', async () => {
    for (const path of ['/v1/auth/users/admin', '/v3/auth/user/admin']) {
      const r = await form('POST', `${t.nacos}${path}`, { password: 'takeover' });
      expect(r.status).toBe(409);
    }
    expect(
      (await form('POST', `${t.nacos}/v1/auth/login`, { username: 'nacos', password: 'takeover' })).status,
    ).toBe(403);
  });

  test('every write is audited (who, what, from where) and no secret is written', async () => {
    const admin = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
    await form('POST', `${NS()}?accessToken=${admin}`, { customNamespaceId: 'audited', namespaceName: 'A' });
    await form('POST', NS(), { customNamespaceId: 'denied', namespaceName: 'D' });
    await Bun.sleep(300); // the file sink flushes every 200 ms
    const lines = readFileSync(auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const allow = lines.find((l) => l.via === 'POST /nacos/v1/console/namespaces' && l.decision === 'allow');
    expect(allow).toMatchObject({
      user: 'nacos',
      action: 'w',
      resource: 'console/namespaces',
      ip: '127.0.0.1',
    });
    expect(typeof allow.ts).toBe('string');
    expect(lines.some((l) => l.decision === 'deny' && l.reason === 'user not found!')).toBe(true);
    const raw = readFileSync(auditFile, 'utf8');
    expect(raw.includes(admin)).toBe(false);
    expect(raw.includes(ADMIN_PASSWORD)).toBe(false);
    expect(raw.includes(TEST_SECRET)).toBe(false);
  });
});

describe('first start and server identity', () => {
  test('auth on, no users, no admin password: nobody gets in until /v3/auth/user/admin initialises', async () => {
    const s = await startTestServer({ ...AUTH_ON, 'nacos.core.auth.admin.password': '' }, {});
    try {
      expect(s.logs.lines.some((l) => l.includes('no admin user exists'))).toBe(true);
      expect(
        (await form('POST', `${s.nacos}/v1/auth/login`, { username: 'nacos', password: 'nacos' })).status,
      ).toBe(403);
      const r = await form('POST', `${s.nacos}/v3/auth/user/admin`, {});
      const j = JSON.parse(r.text);
      expect(j.data.username).toBe('nacos');
      expect(j.data.password.length).toBeGreaterThanOrEqual(16);
      expect((await form('POST', `${s.nacos}/v1/auth/login`, j.data)).status).toBe(200);
      expect(s.logs.lines.some((l) => l.includes(j.data.password))).toBe(false);
    } finally {
      await s.stop();
    }
  });

  test('auth disabled: everything open, login still checks the password and returns AUTH_DISABLED', async () => {
    const s = await startTestServer({ 'nacos.core.auth.admin.password': 'pw-when-off' });
    try {
      expect((await fetch(`${s.nacos}/v1/console/namespaces`)).status).toBe(200);
      const r = await form('POST', `${s.nacos}/v1/auth/login`, {
        username: 'nacos',
        password: 'pw-when-off',
      });
      expect(JSON.parse(r.text)).toEqual({
        accessToken: 'AUTH_DISABLED',
        tokenTtl: 18000,
        globalAdmin: true,
        username: 'nacos',
      });
      expect(
        (await form('POST', `${s.nacos}/v1/auth/login`, { username: 'nacos', password: 'x' })).status,
      ).toBe(403);
      // No planting an admin password while auth is off.
      for (const path of ['/v1/auth/users/admin', '/v3/auth/user/admin'])
        expect((await form('POST', `${s.nacos}${path}`, { password: 'planted' })).status).toBe(403);
    } finally {
      await s.stop();
    }
  });

  test('a configured server identity header passes without a user; a wrong value does not', async () => {
    const s = await startTestServer({
      ...AUTH_ON,
      'nacos.core.auth.server.identity.key': 'X-Batata-Member',
      'nacos.core.auth.server.identity.value': 'member-secret-0123456789',
    });
    try {
      const url = `${s.nacos}/v1/console/namespaces`;
      expect((await fetch(url, { headers: { 'X-Batata-Member': 'member-secret-0123456789' } })).status).toBe(
        200,
      );
      expect((await fetch(url, { headers: { 'X-Batata-Member': 'member-secret-012345678' } })).status).toBe(
        403,
      );
    } finally {
      await s.stop();
    }
  });
});
