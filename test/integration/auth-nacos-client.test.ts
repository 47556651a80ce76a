import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataClient } from 'nacos';
import { ADMIN_PASSWORD, AUTH_ON } from '../support/auth';
import { startTestServer, type TestServer } from '../support/server';

/**
 * The real npm `nacos` 2.6.3 client against an auth-enabled server. Its HTTP agent attaches
 * `username`/`password` to every request (no login round trip); this drives the agent itself
 * against the routes available on this branch.
 */
let t: TestServer;
let cacheDir: string;
beforeAll(async () => {
  t = await startTestServer(AUTH_ON);
  cacheDir = mkdtempSync(join(tmpdir(), 'batata-nacos-client-'));
});
afterAll(async () => {
  await t.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

function client(username: string, password: string) {
  // DataClient is what NacosConfigClient runs in-process (the latter only adds cluster-client leader election).
  return new DataClient({
    serverAddr: `127.0.0.1:${t.ports.main}`,
    namespace: 'public',
    username,
    password,
    requestTimeout: 2000,
    cacheDir,
  } as ConstructorParameters<typeof DataClient>[0]);
}

describe('npm nacos client with username/password', () => {
  test('authenticates with its credentials on every request', async () => {
    const c = client('nacos', ADMIN_PASSWORD);
    try {
      const agent = (c as unknown as { httpAgent: { request(p: string, o: object): Promise<string> } })
        .httpAgent;
      const created = await agent.request('/v1/console/namespaces', {
        method: 'POST',
        data: { customNamespaceId: 'from-npm', namespaceName: 'npm', namespaceDesc: '' },
      });
      expect(String(created)).toBe('true');
      const list = JSON.parse(await agent.request('/v1/console/namespaces', { method: 'GET', data: {} }));
      expect(list.data.map((n: { namespace: string }) => n.namespace)).toContain('from-npm');
    } finally {
      c.close();
    }
  });

  test('a wrong password is refused with 403', async () => {
    const c = client('nacos', 'wrong-password');
    try {
      const agent = (c as unknown as { httpAgent: { request(p: string, o: object): Promise<string> } })
        .httpAgent;
      const err = await agent.request('/v1/console/namespaces', { method: 'GET', data: {} }).then(
        () => undefined,
        (e: Error & { body?: string }) => e,
      );
      expect(err?.message).toContain('Status: 403');
      // The agent retries until its timeout, so the lockout may kick in before it gives up.
      expect(err?.body).toMatch(
        /^(User not found! Please check user exist or password is right!|too many failed logins)/,
      );
    } finally {
      c.close();
    }
  });
});
