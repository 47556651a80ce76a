import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startTestServer, type TestServer } from '../support/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

/** Every config route with hostile parameters: 4xx (or a 200 "nothing"), never a 5xx, nothing stored. */
test('hostile parameters on every config route never produce a 5xx or a stored config', async () => {
  const app = t.server.app;
  const routes = app.routes
    .map((r: { method: string; path: string }) => ({ method: r.method, path: r.path }))
    .filter((r: { path: string }) => /\/cs\//.test(r.path));
  expect(routes.length).toBeGreaterThan(30);
  const hostile = [
    'dataId=a/b&group=G&content=x',
    'dataId=&group=&content=',
    'dataId=x&group=G&tenant=bad%20tenant&namespaceId=bad%20ns&content=x',
    'nid=abc&id=abc&ids=1,x&pageNo=-1&pageSize=abc&otherNid=zz',
    'dataId=x&groupName=G&content=x&tag=way-too-long-tag-value&type=' + 'y'.repeat(40),
    'Listening-Configs=%zz&search=blur&pageNo=0',
    'import=true&clone=true&policy=WHAT&delType=ids&ids=',
  ];
  const failures: string[] = [];
  for (const r of routes)
    for (const q of hostile) {
      const url = `${t.url}${r.path}?${q}`;
      const init: RequestInit = { method: r.method };
      if (r.method === 'POST' || r.method === 'PUT') {
        init.headers = { 'content-type': 'application/x-www-form-urlencoded' };
        init.body = q;
      }
      const res = await fetch(url, init);
      if (res.status >= 500) failures.push(`${r.method} ${r.path}?${q} → ${res.status} ${await res.text()}`);
      else await res.arrayBuffer();
    }
  expect(failures).toEqual([]);
  expect(t.server.services.config!.count()).toBe(0);
}, 60_000);
