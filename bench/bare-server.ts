// Baseline for bench/run.ts: a bare Bun.serve answering the same bytes as Batata's liveness
// (`OK`, text/plain;charset=utf-8). Prints its port on stdout.
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.argv[2] ?? 0),
  fetch: () => new Response('OK', { headers: { 'content-type': 'text/plain;charset=utf-8' } }),
});
console.log(server.port);
