import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { bundleConsoleUi } from './bundle-ui' with { type: 'macro' };
import css from './ui/app.css' with { type: 'text' };

/** One embedded file with its precomputed encodings. */
export interface Asset {
  type: string;
  etag: string;
  /** Cache-Control value: the shell is revalidated, hashed assets are immutable. */
  cache: string;
  raw: Uint8Array;
  gzip: Uint8Array;
  br: Uint8Array;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Small files are compressed at start-up (milliseconds); the script comes precompressed. */
function makeAsset(
  text: string,
  type: string,
  cache: string,
  pre?: { gzip: Uint8Array; br: Uint8Array },
): Asset {
  const raw = new TextEncoder().encode(text);
  return {
    type,
    etag: `"${Bun.hash(raw).toString(36)}"`,
    cache,
    raw,
    gzip: pre?.gzip ?? Bun.gzipSync(raw, { level: 9 }),
    br:
      pre?.br ??
      new Uint8Array(
        brotliCompressSync(raw, {
          params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length },
        }),
      ),
  };
}

const fromBase64 = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

const UI = bundleConsoleUi();
let compiled: { js: Asset; css: Asset } | undefined;
const byContextPath = new Map<string, Map<string, Asset>>();

/**
 * The console's files by URL path (relative to the console context path), compressed once on first
 * use. Script and stylesheet names carry a content hash, so they can be cached forever.
 */
export function consoleAssets(contextPath: string): Map<string, Asset> {
  const cached = byContextPath.get(contextPath);
  if (cached) return cached;
  compiled ??= {
    js: makeAsset(UI.js, 'text/javascript; charset=utf-8', IMMUTABLE, {
      gzip: fromBase64(UI.gzip),
      br: fromBase64(UI.br),
    }),
    css: makeAsset(css, 'text/css; charset=utf-8', IMMUTABLE),
  };
  const { js, css: style } = compiled;
  const jsPath = `/assets/app.${js.etag.slice(1, 9)}.js`;
  const cssPath = `/assets/app.${style.etag.slice(1, 9)}.css`;
  const html = shellHtml(contextPath, `${contextPath}${jsPath}`, `${contextPath}${cssPath}`);
  const shell = makeAsset(html, 'text/html; charset=utf-8', 'no-cache');
  const built = new Map([
    ['/', shell],
    ['/index.html', shell],
    [jsPath, js],
    [cssPath, style],
  ]);
  byContextPath.set(contextPath, built);
  return built;
}

/** Serves an asset honouring `Accept-Encoding` (br, then gzip) and `If-None-Match`. */
export function serveAsset(asset: Asset, request: Request): Response {
  const headers: Record<string, string> = {
    'content-type': asset.type,
    'cache-control': asset.cache,
    etag: asset.etag,
    vary: 'Accept-Encoding',
    'x-content-type-options': 'nosniff',
  };
  if (asset.type.startsWith('text/html'))
    headers['content-security-policy'] =
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
  if (request.headers.get('if-none-match') === asset.etag)
    return new Response(null, { status: 304, headers });
  const accept = request.headers.get('accept-encoding') ?? '';
  let body = asset.raw;
  if (/\bbr\b/.test(accept)) {
    body = asset.br;
    headers['content-encoding'] = 'br';
  } else if (/\bgzip\b/.test(accept)) {
    body = asset.gzip;
    headers['content-encoding'] = 'gzip';
  }
  return new Response(body, { headers });
}

/** The page shell: everything else is drawn by the script. Paths are relative to the context path. */
function shellHtml(base: string, js: string, css: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="batata-base" content="${base}">
<title>Batata console</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23b5651d'/%3E%3C/svg%3E">
<link rel="stylesheet" href="${css}">
<script type="module" src="${js}"></script>
</head>
<body>
<noscript>The Batata console needs JavaScript.</noscript>
<div id="app" aria-live="polite"></div>
</body>
</html>
`;
}
