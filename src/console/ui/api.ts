/** Calls to the console API (`/v3/console/...`, `/v3/auth/...`) with the Result envelope unwrapped. */

export const BASE = document.querySelector<HTMLMetaElement>('meta[name="batata-base"]')?.content ?? '';
const TOKEN_KEY = 'batata.console.token';
const USER_KEY = 'batata.console.user';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: number,
  ) {
    super(message);
  }
  get authProblem(): boolean {
    return (
      this.status === 401 ||
      (this.status === 403 && /token|login|user not found|unknown user/i.test(this.message))
    );
  }
}

export const session = {
  get token(): string {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  },
  get user(): string {
    return sessionStorage.getItem(USER_KEY) ?? '';
  },
  set(token: string, user: string) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, user);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  },
};

/** Set by the shell: called when a request fails for lack of a valid login. */
export const hooks = { onAuthRequired: (_e: ApiError) => {} };

type Params = Record<string, string | number | boolean | undefined | null>;

function encode(p: Params): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== null) u.set(k, String(v));
  return u.toString();
}

/** Readable message of a failed call: Result `data` (the detail) or `message`, else the body text. */
function errorMessage(status: number, text: string): { message: string; code?: number } {
  try {
    const j = JSON.parse(text);
    if (j && typeof j === 'object') {
      const detail = typeof j.data === 'string' && j.data ? j.data : '';
      return { message: detail || j.message || text, code: typeof j.code === 'number' ? j.code : undefined };
    }
  } catch {}
  return { message: text.trim() || `HTTP ${status}` };
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** Raw body (JSON, multipart); params then go to the query string. */
  body?: BodyInit;
  /** Return the Response untouched (downloads). */
  raw?: boolean;
  /** A 403 is the answer itself (the login form), not a reason to ask for a login. */
  quiet?: boolean;
}

/**
 * Sends params in the query (GET/DELETE) or as a form body (POST/PUT), as Nacos reads both.
 * Resolves with `data` of a `Result`, or the JSON/text body otherwise.
 */
export async function call<T = any>(
  method: string,
  path: string,
  params: Params = {},
  opts: CallOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { ...opts.headers };
  if (session.token) {
    headers.authorization = `Bearer ${session.token}`;
    headers.accessToken = session.token;
  }
  let url = `${BASE}${path}`;
  let body: BodyInit | undefined = opts.body;
  const q = encode(params);
  if (method === 'GET' || method === 'DELETE' || body !== undefined) {
    if (q) url += `?${q}`;
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = q;
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body });
  } catch (e) {
    throw new ApiError(`Cannot reach the console: ${(e as Error).message}`, 0);
  }
  if (opts.raw && res.ok) return res as T;
  const text = await res.text();
  if (!res.ok) {
    const { message, code } = errorMessage(res.status, text);
    const err = new ApiError(message, res.status, code);
    if (err.authProblem && !opts.quiet) hooks.onAuthRequired(err);
    throw err;
  }
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    return text as T;
  }
  if (json && typeof json === 'object' && 'code' in json && 'data' in json && 'message' in json) {
    if (json.code !== 0 && json.code !== 200) {
      throw new ApiError(
        typeof json.data === 'string' && json.data ? json.data : json.message,
        res.status,
        json.code,
      );
    }
    return json.data as T;
  }
  return json as T;
}

export interface Page<T> {
  totalCount: number;
  pageNumber: number;
  pagesAvailable: number;
  pageItems: T[];
}

/** Current namespace (the switcher); '' is the default namespace `public`. */
export const ns = {
  get id(): string {
    return localStorage.getItem('batata.console.ns') ?? '';
  },
  set(id: string) {
    localStorage.setItem('batata.console.ns', id === 'public' ? '' : id);
  },
};
