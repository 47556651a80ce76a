import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';

// Runs in a child process: an uncaught throw or rejection must not end a guarded process.
const script = (guarded: boolean) => `
import { Log, MemorySink, LevelFilter } from '${resolve(import.meta.dir, '../../src/core/log')}';
import { installProcessGuards } from '${resolve(import.meta.dir, '../../src/server/process-guard')}';
const sink = new MemorySink();
const log = new Log({ filter: new LevelFilter('info'), sinks: [sink] });
if (${guarded}) installProcessGuards(log);
setTimeout(() => { throw new Error('boom in a timer'); }, 1);
Promise.reject(new Error('rejected nowhere'));
await Bun.sleep(50);
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('still here') });
console.log(await (await fetch(server.url)).text(), sink.lines.filter((l) => /boom in a timer|rejected nowhere/.test(l)).length);
server.stop(true);
`;

async function run(guarded: boolean) {
  const p = Bun.spawn([process.execPath, '-e', script(guarded)], { stdout: 'pipe', stderr: 'pipe' });
  const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return { out: out.trim(), code };
}

describe('process guards', () => {
  test('a guarded process logs uncaught errors and keeps serving', async () => {
    const r = await run(true);
    expect(r.code).toBe(0);
    expect(r.out).toBe('still here 2');
  });

  test('without the guards the same errors are unlogged and fail the process', async () => {
    const r = await run(false);
    expect(r.code).not.toBe(0);
    expect(r.out).not.toContain('still here 2');
  });
});
