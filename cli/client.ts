import { CliError, EXIT } from './exit-codes';
import type { Io } from './io';

export interface ClientOptions {
  server?: string;
  username?: string;
  password?: string;
  token?: string;
  contextPath?: string;
  timeoutMs?: number;
}

export interface ApiResponse {
  status: number;
  text: string;
  json<T = any>(): T;
}

/**
 * Admin HTTP client used by every remote CLI command. Resolves the server from `--server`,
 * `BATATA_SERVER`, then 127.0.0.1:8848; logs in once with username/password when given and reuses
 * the token; maps failures to exit codes (network ≠ not found ≠ bad input ≠ auth).
 */
export class AdminClient {
  readonly base: string;
  private token?: string;
  private readonly opts: ClientOptions;

  constructor(opts: ClientOptions, io: Io) {
    const server = opts.server ?? io.env.BATATA_SERVER ?? '127.0.0.1:8848';
    const url = /^https?:\/\//.test(server) ? server : `http://${server}`;
    this.base = url.replace(/\/+$/, '');
    this.opts = {
      ...opts,
      username: opts.username ?? io.env.BATATA_USERNAME,
      password: opts.password ?? io.env.BATATA_PASSWORD,
      token: opts.token ?? io.env.BATATA_TOKEN,
      contextPath: opts.contextPath ?? '/nacos',
    };
    this.token = this.opts.token;
  }

  /** Calls `path` under the Nacos context path with form/query params. */
  async nacos(
    method: string,
    path: string,
    params: Record<string, string | number | boolean | undefined> = {},
  ): Promise<ApiResponse> {
    return this.raw(method, `${this.opts.contextPath}${path}`, params);
  }

  async raw(
    method: string,
    path: string,
    params: Record<string, string | number | boolean | undefined> = {},
    opts: {
      body?: string | Uint8Array | FormData | Blob;
      headers?: Record<string, string>;
      noAuth?: boolean;
    } = {},
  ): Promise<ApiResponse> {
    if (!opts.noAuth) await this.ensureLogin();
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
    if (this.token && !opts.noAuth) qs.set('accessToken', this.token);
    const useBody = opts.body === undefined && (method === 'POST' || method === 'PUT');
    const url = `${this.base}${path}${!useBody && qs.size ? `?${qs}` : useBody && this.token ? `?accessToken=${encodeURIComponent(this.token)}` : ''}`;
    if (useBody && this.token) qs.delete('accessToken');
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          ...(useBody ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...opts.headers,
        },
        body: opts.body ?? (useBody ? qs.toString() : undefined),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw new CliError(`cannot reach ${this.base}: ${(e as Error).message}`, EXIT.UNAVAILABLE);
    }
    const text = await res.text();
    return {
      status: res.status,
      text,
      json: () => {
        try {
          return JSON.parse(text);
        } catch {
          throw new CliError(`unexpected reply from ${this.base}${path}: ${text.slice(0, 200)}`, EXIT.ERROR);
        }
      },
    };
  }

  private async ensureLogin() {
    if (this.token || !this.opts.username) return;
    const res = await this.raw(
      'POST',
      `${this.opts.contextPath}/v1/auth/login`,
      { username: this.opts.username, password: this.opts.password ?? '' },
      { noAuth: true },
    );
    if (res.status !== 200)
      throw new CliError(`login failed for ${this.opts.username}: ${res.text.trim()}`, EXIT.AUTH);
    this.token = res.json().accessToken;
  }
}

/** Turns a non-2xx reply into a CliError with the matching exit code. */
export function failOn(res: ApiResponse, what: string): void {
  if (res.status >= 200 && res.status < 300) return;
  let detail = res.text.trim();
  try {
    const j = JSON.parse(detail);
    detail = j.data && typeof j.data === 'string' ? j.data : (j.message ?? detail);
  } catch {}
  const code =
    res.status === 404
      ? EXIT.NOT_FOUND
      : res.status === 401 || res.status === 403
        ? EXIT.AUTH
        : res.status === 409
          ? EXIT.CONFLICT
          : res.status >= 400 && res.status < 500
            ? EXIT.USAGE
            : res.status === 503
              ? EXIT.UNAVAILABLE
              : EXIT.ERROR;
  throw new CliError(`${what} failed (HTTP ${res.status}): ${detail}`, code);
}
