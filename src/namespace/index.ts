import type { Clock } from '../core/clock';
import type { StateStore } from '../state';
import type { NamespaceRepo } from './namespace-repo';
import { NamespaceService } from './namespace-service';

export * from './namespace-errors';
export * from './namespace-model';
export type { NamespaceRepo } from './namespace-repo';
export { NAMESPACE_TABLE, NamespaceService, type NamespaceUsage } from './namespace-service';

export async function createNamespaceDomain(deps: { state: StateStore; repo: NamespaceRepo; clock: Clock }) {
  const service = new NamespaceService(deps.state, deps.repo, deps.clock);
  await service.load();
  return { service, dispose: async () => {} };
}
