import type { Clock } from '../core/clock';
import type { Logger } from '../core/log';
import type { StateStore } from '../state';
import type { ConfigRepo } from './config-repo';
import { ConfigService, type ConfigServiceOptions } from './config-service';

export * from './config-errors';
export * from './config-model';
export type { ConfigRepo } from './config-repo';
export {
  type ConfigEntry,
  ConfigService,
  type Page,
  type PublishInput,
  type RemoveInput,
  type SearchInput,
} from './config-service';

/** Builds the config service and loads stored configs into the state. */
export async function createConfigDomain(deps: {
  state: StateStore;
  repo: ConfigRepo;
  clock: Clock;
  log: Logger;
  options: ConfigServiceOptions;
}) {
  const service = new ConfigService(deps.state, deps.repo, deps.clock, deps.log, deps.options);
  await service.load();
  return { service, dispose: async () => {} };
}
