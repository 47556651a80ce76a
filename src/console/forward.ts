import { Unavailable } from '../core/errors';

/** Sends a console request on to the server that owns the API and returns its answer. */
export type Forwarder = (request: Request, path: string) => Promise<Response>;

const HOP_BY_HOP = ['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade'];

async function copyRequest(request: Request, url: string, signal?: AbortSignal): Promise<Request> {
  const headers = new Headers(request.headers);
  for (const h of HOP_BY_HOP) headers.delete(h);
  // fetch decompresses answers itself; ask for identity to keep header and body consistent.
  headers.delete('accept-encoding');
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return new Request(url, {
    method: request.method,
    headers,
    body: hasBody ? await request.arrayBuffer() : undefined,
    signal,
    redirect: 'manual',
  });
}

function copyResponse(res: Response): Response {
  const headers = new Headers(res.headers);
  for (const h of [...HOP_BY_HOP, 'content-encoding']) headers.delete(h);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * Forwards over HTTP to a remote server (deployment type `console`). `base` is
 * `http://host:port/<context path>`; the request path is appended unchanged. An unreachable server
 * is a 503 naming the address.
 */
export function httpForwarder(base: string, timeoutMs: number): Forwarder {
  const root = base.replace(/\/+$/, '');
  return async (request, path) => {
    const search = new URL(request.url).search;
    const target = `${root}${path}${search}`;
    const upstream = await copyRequest(request, target, AbortSignal.timeout(timeoutMs));
    try {
      return copyResponse(await fetch(upstream));
    } catch (e) {
      throw new Unavailable(`console cannot reach the server at ${root}: ${(e as Error).message}`);
    }
  };
}
