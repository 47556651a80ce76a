/**
 * Closes an npm `nacos` NacosConfigClient without leaking its in-flight long poll: `close()`
 * removes every listener from its workers, so the poll that fails once the server stops would
 * emit an unhandled 'error' into whichever test runs next. Keep a no-op listener on each worker.
 */
export function closeConfigClient(client: any): void {
  const workers = [...(client.clients?.values?.() ?? [])];
  client.close();
  for (const w of workers) w.on?.('error', () => {});
}
