import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, AUTH_ON, login } from '../support/auth';
import { closeConfigClient } from '../support/nacos-client';
import { form, startTestServer, type TestServer } from '../support/server';

const { NacosConfigClient } = require('nacos');

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer(AUTH_ON);
});
afterAll(async () => {
  await t.stop();
});

describe('config with auth enabled', () => {
  test('anonymous config reads and writes are refused; the npm client with credentials publishes, reads and listens', async () => {
    expect((await fetch(`${t.nacos}/v1/cs/configs?dataId=a&group=G`)).status).toBe(403);
    expect(
      (await form('POST', `${t.nacos}/v1/cs/configs`, { dataId: 'a', group: 'G', content: 'x' })).status,
    ).toBe(403);

    const c = new NacosConfigClient({
      serverAddr: `127.0.0.1:${t.ports.main}`,
      username: 'nacos',
      password: ADMIN_PASSWORD,
      requestTimeout: 5000,
      cacheDir: mkdtempSync(join(tmpdir(), 'batata-nacos-cache-')),
    });
    c.on('error', () => {});
    try {
      expect(await c.publishSingle('auth.yaml', 'G', 'v: 1')).toBe(true);
      expect(await c.getConfig('auth.yaml', 'G')).toBe('v: 1');
      const changed = new Promise<string>((resolve) =>
        c.subscribe({ dataId: 'auth.yaml', group: 'G' }, (v: string) => v === 'v: 2' && resolve(v)),
      );
      await Bun.sleep(200);
      const token = await login(t.nacos, 'nacos', ADMIN_PASSWORD);
      const r = await form('POST', `${t.nacos}/v1/cs/configs?accessToken=${token}`, {
        dataId: 'auth.yaml',
        group: 'G',
        content: 'v: 2',
      });
      expect(r.text).toBe('true');
      expect(await changed).toBe('v: 2');
    } finally {
      closeConfigClient(c);
    }
  });
});
