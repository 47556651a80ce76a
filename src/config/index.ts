/**
 * Configuration domain: the surface other folders (gRPC, console, cluster) use.
 *
 * For transport adapters (e.g. gRPC ConfigQuery/Publish/Remove/BatchListen handlers):
 * - `parseConfigKey(dataId, group, tenant)` validates like Nacos ParamUtils and normalises the
 *   namespace (blank/`public`/`null` → `public`); throws InvalidArgument (detailCode 20002).
 * - `service.query(key, { clientIp, tag })` → `ConfigView | undefined`: gray-aware (beta by client
 *   IP, tag gray by `tag`/`Vipserver-Tag`); `undefined` = not found, including an explicit tag with
 *   no such gray. The view carries `content` as stored (encrypted for `cipher-` dataIds when
 *   encryption is on), `encryptedDataKey`, `md5`, `type` (contentType), `modifyTime`
 *   (lastModified), `beta`, `tag`. `service.plainContent(dataId, view)` decrypts for HTTP.
 * - `service.md5Of(key, labels)` → md5 the client should hold ('' when missing): compare it with
 *   a listener's md5 for ConfigBatchListen.
 * - `service.publish(PublishInput)`: `dataId, group, namespaceId, content, type, appName, desc,
 *   use, effect, schema, configTags, encryptedDataKey, srcUser, srcIp, casMd5, betaIps, tag`
 *   (raw wire values; gRPC `additionMap` keys map 1:1, `config_tags` → configTags,
 *   `src_user` → srcUser). Rejects with InvalidArgument, ConfigCasMismatch (conflict, 20005).
 * - `service.remove({ dataId, group, namespaceId, tag, srcUser, srcIp })` → whether it existed
 *   (removing a missing config succeeds; `tag` removes only that tag gray).
 * - Change notification: `service.onChange((keys, index) => …)` after every commit that touched a
 *   config (formal or gray), or watch one key with `service.topic(key)` / the state key
 *   `configStateKey(key)` = `namespaceId/group/dataId` in state table `CONFIG_TABLE` (`config`).
 * - Listener status: `service.listeners.add(key, clientIp, md5)` / `.remove(key, clientIp)` while a
 *   listener is registered, so the listener-status APIs show gRPC listeners next to HTTP long polls.
 */
import type { Clock } from '../core/clock';
import type { Logger } from '../core/log';
import type { StateStore } from '../state';
import type { ConfigRepo } from './config-repo';
import { ConfigService, type ConfigServiceOptions } from './config-service';

export * from './config-errors';
export * from './config-model';
export type { ConfigRepo } from './config-repo';
export {
  buildConfigRecords,
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
