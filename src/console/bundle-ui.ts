import { brotliCompressSync, constants as zlib } from 'node:zlib';

/** The browser UI as built: minified script and its precompressed forms (base64). */
export interface BundledUi {
  js: string;
  br: string;
  gzip: string;
}

/**
 * Bun macro (imported `with { type: 'macro' }`): bundles and compresses the browser UI at
 * build/transpile time, so the compiled binary carries the result as string literals and nothing is
 * read or compressed at run time (brotli at maximum quality takes ~0.5 s). `Bun.build` cannot run
 * inside a macro, hence the CLI.
 */
export function bundleConsoleUi(): BundledUi {
  const entry = `${import.meta.dir}/ui/main.ts`;
  const r = Bun.spawnSync(
    [process.execPath, 'build', entry, '--minify', '--target=browser', '--format=esm'],
    {
      env: { ...process.env, BUN_BE_BUN: '1' },
    },
  );
  if (r.exitCode !== 0) throw new Error(`console UI bundle failed: ${r.stderr.toString()}`);
  const js = new Uint8Array(r.stdout);
  const br = brotliCompressSync(js, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: js.length },
  });
  return {
    js: new TextDecoder().decode(js),
    br: Buffer.from(br).toString('base64'),
    gzip: Buffer.from(Bun.gzipSync(js, { level: 9 })).toString('base64'),
  };
}
