import type { Logger } from '../core/log';

/**
 * Process-level safety net for `batata serve`: an error that escapes a request handler, timer or
 * socket callback is logged with a stack and the process keeps serving (each request is already
 * isolated by the HTTP error hook; this catches what runs outside it). Returns an uninstaller.
 * A failure while the server is shutting down still exits through the normal path.
 */
export function installProcessGuards(log: Logger, opts: { onError?: (e: unknown) => void } = {}): () => void {
  const l = log.child('process');
  let count = 0;
  const onException = (err: unknown) => {
    count++;
    l.error('uncaught exception; continuing', { err: err as Error, count });
    opts.onError?.(err);
  };
  const onRejection = (reason: unknown) => {
    count++;
    l.error('unhandled promise rejection; continuing', { err: reason as Error, count });
    opts.onError?.(reason);
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
