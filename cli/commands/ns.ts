import type { Command } from 'commander';
import type { Io } from '../io';
import { registerNsBeat } from './ns-beat';
import { registerNsDeregister } from './ns-deregister';
import { registerNsList } from './ns-list';
import { registerNsRegister } from './ns-register';
import { registerNsServices } from './ns-services';

/**
 * `batata ns …`: service discovery against a running server. `signal` yields the abort signal
 * that ends a long-running `ns register` (Ctrl-C / SIGTERM in the real CLI; tests inject one).
 */
export function registerNs(program: Command, io: Io, signal: () => AbortSignal = interruptSignal) {
  const ns = program
    .command('ns')
    .description('service discovery: register, deregister, list, services, beat');
  registerNsRegister(ns, io, signal);
  registerNsDeregister(ns, io);
  registerNsList(ns, io);
  registerNsServices(ns, io);
  registerNsBeat(ns, io);
}

function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}
