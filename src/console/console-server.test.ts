import { afterAll, describe, expect, test } from 'bun:test';
import { loadSettings } from '../settings/settings';
import { consoleAssets, serveAsset } from './assets';
import { remoteBase } from './console-only';
import { httpForwarder } from './forward';

const settings = (o: Record<string, unknown>) =>
  loadSettings({ configPath: '/nonexistent.yml', configPathExplicit: false, env: {}, overrides: o });

describe('embedded assets', () => {
  const assets = consoleAssets('/ctx');
  const shell = assets.get('/')!;
  const js = [...assets.entries()].find(([p]) => p.endsWith('.js'))![1];

  test('the shell references hashed assets under the context path', () => {
    const html = new TextDecoder().decode(shell.raw);
    const paths = [...assets.keys()].filter((p) => p.startsWith('/assets/'));
    expect(paths).toHaveLength(2);
    for (const p of paths) expect(html).toContain(`"/ctx${p}"`);
    expect(html).toContain('<meta name="batata-base" content="/ctx">');
  });

  test('picks brotli, then gzip, then identity; answers 304 to a matching ETag', async () => {
    const req = (enc?: string, etag?: string) =>
      new Request('http://x/', {
        headers: { ...(enc ? { 'accept-encoding': enc } : {}), ...(etag ? { 'if-none-match': etag } : {}) },
      });
    const br = serveAsset(js, req('gzip, deflate, br'));
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(Buffer.from(await br.arrayBuffer()).equals(Buffer.from(js.br))).toBe(true);
    const gz = serveAsset(js, req('gzip'));
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(
      Buffer.from(Bun.gunzipSync(new Uint8Array(await gz.arrayBuffer()))).equals(Buffer.from(js.raw)),
    ).toBe(true);
    const plain = serveAsset(js, req());
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('cache-control')).toContain('immutable');
    expect(serveAsset(js, req('br', js.etag)).status).toBe(304);
    expect(serveAsset(shell, req()).headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});

describe('console-only remote address', () => {
  test('requires an address, adds the scheme and the remote context path', () => {
    expect(() => remoteBase(settings({}))).toThrow('nacos.console.remote.server.address');
    expect(remoteBase(settings({ 'nacos.console.remote.server.address': '10.0.0.5:8848' }))).toBe(
      'http://10.0.0.5:8848/nacos',
    );
    expect(
      remoteBase(
        settings({
          'nacos.console.remote.server.address': 'https://h:1/',
          'nacos.console.remote.server.context-path': '/',
        }),
      ),
    ).toBe('https://h:1');
  });
});

describe('httpForwarder', () => {
  const seen: Array<{ method: string; url: string; auth: string | null; body: string }> = [];
  const upstream = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      seen.push({
        method: req.method,
        url: req.url,
        auth: req.headers.get('authorization'),
        body: await req.text(),
      });
      return Response.json(
        { code: 0, message: 'success', data: 'up' },
        { status: 201, headers: { 'x-up': '1' } },
      );
    },
  });
  afterAll(() => upstream.stop(true));

  test('keeps method, path, query, body and credentials; returns status and headers', async () => {
    const fwd = httpForwarder(`http://127.0.0.1:${upstream.port}/nacos`, 2000);
    const res = await fwd(
      new Request('http://console/v3/console/core/namespace?x=1', {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'namespaceId=a',
      }),
      '/v3/console/core/namespace',
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('x-up')).toBe('1');
    expect((await res.json()).data).toBe('up');
    expect(seen[0]).toEqual({
      method: 'POST',
      url: `http://127.0.0.1:${upstream.port}/nacos/v3/console/core/namespace?x=1`,
      auth: 'Bearer t',
      body: 'namespaceId=a',
    });
  });

  test('an unreachable server is Unavailable naming it', async () => {
    const dead = Bun.serve({ port: 0, fetch: () => new Response('') });
    const port = dead.port;
    dead.stop(true);
    const fwd = httpForwarder(`http://127.0.0.1:${port}`, 1000);
    await expect(fwd(new Request('http://c/v3/x'), '/v3/x')).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });
});
