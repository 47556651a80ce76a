import { Elysia } from 'elysia';
import type { AnyElysia } from '../server/module';

interface Endpoint {
  methods: string[];
}

/**
 * Consul's method handling for `/v1/...` (spec §1.1, Consul `agent/http.go` `wrap`): every
 * endpoint has a fixed method list. `OPTIONS` answers 200 with `Allow: OPTIONS,<methods>` and an
 * empty body; any other method outside the list answers 405 `method <M> not allowed` with the same
 * `Allow` header. Endpoints are matched as Go's ServeMux does: an exact path, else the longest
 * prefix endpoint (`/v1/agent/service/register` is PUT-only even though `/v1/agent/service/` is a
 * GET prefix). The table is built from the Consul routes themselves; unknown paths fall through.
 */
export function consulMethods(plugins: AnyElysia[]) {
  const exact = new Map<string, Endpoint>();
  const prefixes = new Map<string, Endpoint>();
  for (const p of plugins)
    for (const r of p.routes as Array<{ method: string; path: string }>) {
      if (!r.path.startsWith('/v1/') || r.method === 'OPTIONS') continue;
      const prefix = r.path.endsWith('/*');
      const table = prefix ? prefixes : exact;
      const key = prefix ? r.path.slice(0, -1) : r.path;
      const e = table.get(key) ?? { methods: [] };
      if (!e.methods.includes(r.method)) e.methods.push(r.method);
      table.set(key, e);
    }
  const byLength = [...prefixes].sort(([a], [b]) => b.length - a.length);
  const find = (path: string) => exact.get(path) ?? byLength.find(([p]) => path.startsWith(p))?.[1];

  return new Elysia({ name: 'consul.methods' }).onRequest(({ request }) => {
    const url = request.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    if (start < 0 || !url.startsWith('/v1/', start)) return;
    const q = url.indexOf('?', start);
    let path = url.slice(start, q < 0 ? undefined : q);
    try {
      path = decodeURIComponent(path);
    } catch {
      return;
    }
    const e = find(path);
    if (!e || e.methods.includes(request.method)) return;
    const allow = ['OPTIONS', ...e.methods].join(',');
    if (request.method === 'OPTIONS') {
      const r = new Response(null, { status: 200, headers: { Allow: allow } });
      r.headers.delete('content-type');
      return r;
    }
    return new Response(`method ${request.method} not allowed`, {
      status: 405,
      headers: { Allow: allow, 'Content-Type': 'text/plain; charset=utf-8' },
    });
  });
}
