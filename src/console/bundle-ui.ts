/**
 * Bun macro (imported `with { type: 'macro' }`): bundles the browser UI at build/transpile time, so
 * the compiled binary carries the minified script as a string and nothing is read at run time.
 * `Bun.build` cannot run inside a macro, hence the CLI.
 */
export function bundleConsoleUi(): string {
  const entry = `${import.meta.dir}/ui/main.ts`;
  const r = Bun.spawnSync(
    [process.execPath, 'build', entry, '--minify', '--target=browser', '--format=esm'],
    {
      env: { ...process.env, BUN_BE_BUN: '1' },
    },
  );
  if (r.exitCode !== 0) throw new Error(`console UI bundle failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}
