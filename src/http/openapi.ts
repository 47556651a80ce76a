import { Elysia } from 'elysia';
import { OPEN, type RouteDetail, route } from './route-meta';

/** The slice of an Elysia route the generator reads (`app.routes` items). */
export interface RouteEntry {
  method: string;
  path: string;
  hooks?: unknown;
}

/** A route table and the server (listener) it is served on. */
export interface RouteTable {
  /** Routes as mounted, paths absolute on that listener. */
  routes: readonly RouteEntry[];
  /** Tag added to every operation, e.g. `main` or `console`. */
  listener: string;
}

export interface OpenApiInfo {
  title?: string;
  version: string;
  description?: string;
}

/** Where the document is served, under the Nacos context path. */
export const OPENAPI_PATH = '/v3/admin/core/openapi.json';

type Json = Record<string, unknown>;

/** `/v1/kv/*` → `/v1/kv/{path}`, `/x/:id` → `/x/{id}`. */
export function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const out = path
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        const name = seg.slice(1).replace(/\?$/, '');
        params.push(name);
        return `{${name}}`;
      }
      if (seg === '*') {
        params.push('path');
        return '{path}';
      }
      return seg;
    })
    .join('/');
  return { path: out, params };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function routeDetail(r: RouteEntry): RouteDetail | undefined {
  return (r.hooks as { detail?: RouteDetail } | undefined)?.detail;
}

/** Routes that would appear in the document without a summary or auth declaration. */
export function undocumentedRoutes(tables: readonly RouteTable[]): string[] {
  const out: string[] = [];
  for (const t of tables)
    for (const r of t.routes) {
      const d = routeDetail(r);
      if (!d?.summary || !d['x-batata-auth']) out.push(`${r.method} ${r.path} (${t.listener})`);
    }
  return out;
}

function schemaParams(schema: unknown, where: 'query' | 'header'): Json[] {
  const props = (schema as { properties?: Record<string, Json>; required?: string[] } | undefined)
    ?.properties;
  if (!props) return [];
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: required.has(name),
    schema: plainSchema(s),
  }));
}

/** TypeBox schemas are JSON Schema plus symbol keys; keep the JSON part. */
function plainSchema(s: unknown): Json {
  return JSON.parse(JSON.stringify(s ?? {})) as Json;
}

/**
 * OpenAPI 3.0 document built from assembled route tables: every route's `detail` (summary,
 * `x-batata-auth`, tags) becomes an operation; path parameters and TypeBox query/body schemas are
 * carried over. `ALL` routes are listed under every method.
 */
export function buildOpenApi(tables: readonly RouteTable[], info: OpenApiInfo): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const tags = new Set<string>();
  for (const t of tables) {
    tags.add(t.listener);
    for (const r of t.routes) {
      const { path, params } = openApiPath(r.path);
      const d = routeDetail(r) ?? ({} as Partial<RouteDetail>);
      const hooks = (r.hooks ?? {}) as { query?: unknown; body?: unknown; headers?: unknown };
      const methods = r.method === 'ALL' ? METHODS : [r.method.toLowerCase()];
      const area = areaTag(r.path);
      tags.add(area);
      const entry = (paths[path] ??= {});
      for (const m of methods) {
        const parameters: Json[] = [
          ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
          ...schemaParams(hooks.query, 'query'),
          ...schemaParams(hooks.headers, 'header'),
        ];
        const op: Json = {
          summary: d.summary ?? '',
          ...(d.description ? { description: d.description } : {}),
          operationId: `${m}_${t.listener}_${path}`.replace(/[^A-Za-z0-9]+/g, '_'),
          tags: [t.listener, area, ...(d.tags ?? [])],
          ...(parameters.length ? { parameters } : {}),
          ...(hooks.body && m !== 'get'
            ? {
                requestBody: {
                  content: {
                    'application/json': { schema: plainSchema(hooks.body) },
                    'application/x-www-form-urlencoded': { schema: plainSchema(hooks.body) },
                  },
                },
              }
            : {}),
          responses: { default: { description: 'See the Batata README / Nacos and Consul API docs' } },
          'x-batata-auth': d['x-batata-auth'],
          'x-batata-listener': t.listener,
        };
        entry[m] = op;
      }
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: info.title ?? 'Batata',
      version: info.version,
      description:
        info.description ??
        'Nacos v1/v2/v3 and Consul HTTP API served by Batata. `x-batata-auth` on each operation says who may call it.',
    },
    tags: [...tags].sort().map((name) => ({ name })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** `nacos v1 cs` style area from the path: first segments up to the version. */
function areaTag(path: string): string {
  const segs = path.split('/').filter(Boolean);
  const v = segs.findIndex((s) => /^v\d$/.test(s));
  if (v < 0) return segs[0] ?? 'root';
  return segs.slice(v, v + 2).join('/');
}

/**
 * `GET <context>/v3/admin/core/openapi.json`. `tables` is called per request (after the app is
 * sealed, so every plugin's routes are included); the document is built once and cached.
 */
export function openApiRoutes(tables: () => RouteTable[], info: OpenApiInfo) {
  let cached: string | undefined;
  return new Elysia({ name: 'core.openapi' }).get(
    OPENAPI_PATH,
    () => {
      cached ??= JSON.stringify(buildOpenApi(tables(), info));
      return new Response(cached, { headers: { 'content-type': 'application/json' } });
    },
    { detail: route('OpenAPI 3 document of every HTTP route', OPEN) },
  );
}
