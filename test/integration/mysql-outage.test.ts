import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { migrate } from '../../src/storage/migrate';
import { MysqlDb } from '../../src/storage/mysql-db';
import { createTestDatabase, MYSQL_SERVER_URL } from '../support/mysql';
import { form, startTestServer, type TestServer } from '../support/server';
import { TcpProxy } from '../support/tcp-proxy';

// The server talks to MariaDB through a loopback TCP proxy the test cuts and restores: a real
// outage as the server sees it (open connections reset, new connects refused).
let dbInfo: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let t: TestServer;

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const readiness = async () => (await fetch(`${t.nacos}/v1/console/health/readiness`)).status;
const createNs = (id: string) =>
  form('POST', `${t.nacos}/v1/console/namespaces`, { customNamespaceId: id, namespaceName: id });

beforeAll(async () => {
  dbInfo = await createTestDatabase('batata_outage');
  const direct = new MysqlDb({ url: dbInfo.url, poolSize: 2 });
  await migrate(direct);
  await direct.close();
  const u = new URL(MYSQL_SERVER_URL);
  proxy = new TcpProxy(u.hostname, Number(u.port || 3306)).start();
  const viaProxy = `${dbInfo.url.replace(`${u.hostname}:${u.port || 3306}`, `127.0.0.1:${proxy.port}`)}`;
  t = await startTestServer({ 'db.url': viaProxy, 'db.pool.size': 4 });
});

afterAll(async () => {
  await t?.stop();
  proxy?.stop();
  await dbInfo?.drop();
});

describe('MySQL outage', () => {
  test('reads from memory, writes 503 fast, readiness follows, recovery without restart', async () => {
    expect((await createNs('before-outage')).text).toBe('true');
    const cfg = { dataId: 'outage.properties', group: 'OPS' };
    expect((await form('POST', `${t.nacos}/v1/cs/configs`, { ...cfg, content: 'v=1' })).text).toBe('true');
    const getCfg = () => fetch(`${t.nacos}/v1/cs/configs?dataId=${cfg.dataId}&group=${cfg.group}`);
    expect(await readiness()).toBe(200);

    proxy.cut();

    // Writes fail fast with 503 and say why.
    const t0 = performance.now();
    const w = await createNs('during-outage');
    expect(w.status).toBe(503);
    expect(w.text).toContain('storage unavailable');
    expect(performance.now() - t0).toBeLessThan(2000);
    // Once the breaker is open, later writes answer at once.
    const t1 = performance.now();
    const v2 = await fetch(`${t.nacos}/v2/console/namespace`, {
      method: 'POST',
      body: new URLSearchParams({ namespaceId: 'during-v2', namespaceName: 'x' }),
    });
    expect(v2.status).toBe(503);
    expect(((await v2.json()) as { code: number }).code).toBe(30000);
    expect(performance.now() - t1).toBeLessThan(200);

    // Readiness turns 500 (checked every 2 s off the request path) and says storage.
    await until('readiness 500', async () => (await readiness()) === 500);
    const body = await (await fetch(`${t.nacos}/v1/console/health/readiness`)).text();
    expect(body).toContain('storage');

    // Reads keep working from memory.
    const list = await fetch(`${t.nacos}/v1/console/namespaces`);
    expect(list.status).toBe(200);
    const ids = ((await list.json()) as { data: Array<{ namespace: string }> }).data.map((n) => n.namespace);
    expect(ids).toContain('before-outage');
    expect(ids).not.toContain('during-outage');
    expect((await fetch(`${t.nacos}/v1/console/health/liveness`)).status).toBe(200);
    const c = await getCfg();
    expect(c.status).toBe(200);
    expect(await c.text()).toBe('v=1');
    const t2 = performance.now();
    const pub = await form('POST', `${t.nacos}/v1/cs/configs`, { ...cfg, content: 'v=2' });
    expect(pub.status).toBe(503);
    expect(performance.now() - t2).toBeLessThan(200);
    expect(await (await getCfg()).text()).toBe('v=1');
    const metrics = await (await fetch(`${t.nacos}/metrics`)).text();
    expect(metrics).toContain('batata_healthy 0');
    expect(metrics).toMatch(
      /batata_storage_query_duration_seconds_count\{[^}]*outcome="unavailable"[^}]*\} [1-9]/,
    );

    proxy.restore();

    await until('writes succeed again', async () => (await createNs('after-outage')).text === 'true');
    await until('readiness 200', async () => (await readiness()) === 200);
    expect((await form('POST', `${t.nacos}/v1/cs/configs`, { ...cfg, content: 'v=3' })).text).toBe('true');
    expect(await (await getCfg()).text()).toBe('v=3');

    // The write after recovery is durable in MariaDB.
    const direct = new MysqlDb({ url: dbInfo.url, poolSize: 1 });
    const rows = await direct.all<{ tenant_id: string }>(
      sql`SELECT tenant_id FROM tenant_info ORDER BY tenant_id`,
    );
    await direct.close();
    expect(rows.map((r) => r.tenant_id)).toEqual(['after-outage', 'before-outage']);
  }, 40_000);

  test('a silent partition (no resets): readiness times out, then writes fail fast; heals without restart', async () => {
    expect(await readiness()).toBe(200);
    proxy.freeze();
    // The readiness ping gets no answer; after its 3 s timeout the breaker opens.
    await until('readiness 500 on a silent partition', async () => (await readiness()) === 500, 15_000);
    expect(await (await fetch(`${t.nacos}/v1/console/health/readiness`)).text()).toContain('no answer');
    const t0 = performance.now();
    const w = await createNs('during-partition');
    expect(w.status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(200);
    expect((await fetch(`${t.nacos}/v1/console/namespaces`)).status).toBe(200);
    proxy.thaw();
    await until(
      'writes after the partition',
      async () => (await createNs('after-partition')).text === 'true',
    );
    await until('readiness 200 after the partition', async () => (await readiness()) === 200);
  }, 40_000);
});
