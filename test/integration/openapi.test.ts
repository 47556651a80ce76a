import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { buildOpenApi, OPENAPI_PATH, openApiPath, undocumentedRoutes } from '../../src/http/openapi';
import { OPEN, route } from '../../src/http/route-meta';
import { VERSION } from '../../src/main';
import { startTestServer, type TestServer } from '../support/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

describe('OpenAPI document', () => {
  test('every route of the assembled app has a summary and an auth declaration', () => {
    const missing = undocumentedRoutes([{ listener: 'main', routes: t.server.app.routes }]);
    expect(missing).toEqual([]);
    expect(t.server.app.routes.length).toBeGreaterThan(20);
  });

  test('served by the server and lists every route with its method', async () => {
    const res = await fetch(`${t.nacos}${OPENAPI_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const doc = (await res.json()) as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, { summary: string; 'x-batata-auth': unknown }>>;
    };
    expect(doc.openapi).toStartWith('3.');
    expect(doc.info.version).toBe(VERSION);
    for (const r of t.server.app.routes) {
      const p = openApiPath(r.path).path;
      const methods = r.method === 'ALL' ? ['get'] : [r.method.toLowerCase()];
      for (const m of methods) {
        const op = doc.paths[p]?.[m];
        expect(op, `${r.method} ${r.path}`).toBeDefined();
        expect(op!.summary.length, `${r.method} ${r.path}`).toBeGreaterThan(0);
        expect(op!['x-batata-auth'], `${r.method} ${r.path}`).toBeDefined();
      }
    }
    // Every operation of every listener (main and console) is documented.
    const ops = Object.entries(doc.paths).flatMap(([p, m]) =>
      Object.entries(m).map(([k, op]) => ({ p, k, op })),
    );
    const bad = ops.filter(({ op }) => !op.summary || !op['x-batata-auth']).map(({ p, k }) => `${k} ${p}`);
    expect(bad).toEqual([]);
    const consoleOps = ops.filter(
      ({ op }) => (op as { 'x-batata-listener'?: string })['x-batata-listener'] === 'console',
    );
    expect(consoleOps.length).toBeGreaterThan(0);
    expect(doc.paths['/nacos/v1/console/health/liveness']?.get?.summary).toBe('Liveness (v1)');
    expect(doc.paths['/nacos/v1/console/namespaces']?.post).toBeDefined();
    expect(doc.paths[`/nacos${OPENAPI_PATH}`]?.get?.['x-batata-auth']).toEqual({ open: true });
  });

  test('a route without a summary is reported, path params and wildcards are converted', () => {
    const app = new Elysia()
      .get('/v1/kv/*', () => '', { detail: route('KV get', OPEN) })
      .get('/v1/agent/service/:id', () => '', { detail: route('Service', OPEN) })
      .get('/nope', () => '');
    expect(undocumentedRoutes([{ listener: 'main', routes: app.routes }])).toEqual(['GET /nope (main)']);
    const doc = buildOpenApi([{ listener: 'main', routes: app.routes }], { version: '1' }) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    };
    expect(doc.paths['/v1/kv/{path}']?.get?.parameters?.[0]).toMatchObject({ name: 'path', in: 'path' });
    expect(doc.paths['/v1/agent/service/{id}']?.get?.parameters?.[0]).toMatchObject({ name: 'id' });
  });
});
