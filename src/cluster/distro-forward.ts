import { Elysia } from 'elysia';
import type { ServerIdentity } from './cluster-rpc';
import type { Distro } from './distro';

/** Header marking a request another member forwarded (never forwarded twice). */
export const FORWARDED_HEADER = 'x-batata-distro-forwarded';

/**
 * Where an ephemeral-instance write of an IP-port client must go (spec §G.4 `@CanDistro`):
 * returns the `ip:port` tag, or undefined when the request is not one (other path/method,
 * persistent instance, no ip/port).
 */
export function distroTag(method: string, path: string, params: URLSearchParams): string | undefined {
  const m = /\/v[12]\/ns\/instance(\/beat)?$/.exec(path);
  if (!m) return undefined;
  if (m[1] ? method !== 'PUT' : !['POST', 'PUT', 'DELETE', 'PATCH'].includes(method)) return undefined;
  if ((params.get('ephemeral') ?? '').toLowerCase() === 'false') return undefined;
  let ip = params.get('ip') ?? '';
  let port = params.get('port') ?? '';
  const beat = params.get('beat');
  if ((!ip || !port) && beat) {
    try {
      const b = JSON.parse(beat);
      ip ||= String(b.ip ?? '');
      port ||= String(b.port ?? '');
    } catch {}
  }
  if (!ip || !/^\d+$/.test(port)) return undefined;
  return `${ip}:${port}`;
}

/**
 * Forwards ephemeral-instance writes of IP-port clients to the responsible member and relays its
 * answer. Runs in `onRequest` (before routing) so it covers the naming routes wherever they are
 * mounted. Proxy failures answer 503 with the reason.
 */
export function distroForwardRoutes(distro: Distro, identity: ServerIdentity, contextPath: string) {
  return new Elysia({ name: 'cluster.distro-forward' }).onRequest(async ({ request }) => {
    const method = request.method;
    if (method === 'GET' || request.headers.get(FORWARDED_HEADER)) return;
    const url = new URL(request.url);
    if (!url.pathname.startsWith(`${contextPath}/v`) || !url.pathname.includes('/ns/instance')) return;
    const body = method === 'GET' ? '' : await request.clone().text();
    const params = new URLSearchParams(url.search);
    const ctype = request.headers.get('content-type') ?? '';
    if (body && ctype.includes('application/x-www-form-urlencoded'))
      for (const [k, v] of new URLSearchParams(body)) if (!params.has(k)) params.set(k, v);
    const tag = distroTag(method, url.pathname, params);
    if (!tag) return;
    const target = distro.responsibleFor(tag);
    if (target === distro.selfAddress) return;
    const headers = new Headers(request.headers);
    headers.set(FORWARDED_HEADER, distro.selfAddress);
    headers.delete('host');
    headers.delete('content-length');
    if (identity.key) headers.set(identity.key, identity.value);
    try {
      const res = await fetch(`http://${target}${url.pathname}${url.search}`, {
        method,
        headers,
        body: body || undefined,
        signal: AbortSignal.timeout(3000),
      });
      return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
    } catch (e) {
      return new Response(`distro forward to ${target} failed: ${(e as Error).message}`, { status: 503 });
    }
  });
}
