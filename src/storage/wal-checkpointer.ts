/**
 * Copies the SQLite WAL back into the database file from a worker thread with its own connection.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold, on the thread
 * that commits — ours is the event loop — and includes an fsync of the database file. Under a
 * write load that was a large share of every publish and stalled requests behind it. A PASSIVE
 * checkpoint from another connection never blocks our writers or readers, so it runs on the
 * second core instead. The main connection keeps a (much higher) automatic threshold as a safety
 * net in case this thread falls behind or dies.
 */
const WORKER_SOURCE = `
import { Database } from 'bun:sqlite';
let db;
let timer;
self.onmessage = (e) => {
  if (e.data.stop) {
    clearInterval(timer);
    db?.close();
    postMessage({ closed: true });
    self.close();
    return;
  }
  const { path, intervalMs, sync } = e.data;
  db = new Database(path);
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA synchronous = ' + sync);
  const checkpoint = db.query('PRAGMA wal_checkpoint(PASSIVE)');
  timer = setInterval(() => {
    try {
      checkpoint.get();
    } catch (err) {
      postMessage({ error: String(err) });
    }
  }, intervalMs);
};
`;

let workerUrl: string | undefined;

export interface WalCheckpointer {
  /** Resolves once the worker closed its connection (or after 2 s, terminating it). */
  stop(): Promise<void>;
}

export function startWalCheckpointer(
  path: string,
  opts: { intervalMs: number; sync: 'NORMAL' | 'FULL'; onError?: (message: string) => void },
): WalCheckpointer {
  workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'application/javascript' }));
  const worker = new Worker(workerUrl);
  let closed: (() => void) | undefined;
  worker.onmessage = (e: MessageEvent<{ error?: string; closed?: boolean }>) => {
    if (e.data?.error) opts.onError?.(e.data.error);
    if (e.data?.closed) closed?.();
  };
  worker.postMessage({ path, intervalMs: opts.intervalMs, sync: opts.sync });
  worker.unref();
  return {
    // The worker closes its connection itself: a terminated thread would leave it open.
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          void worker.terminate();
          resolve();
        }, 2000);
        closed = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.postMessage({ stop: true });
      }),
  };
}
