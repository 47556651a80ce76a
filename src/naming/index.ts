/**
 * # Naming (service discovery) — the one registry behind every protocol
 *
 * Nacos HTTP v1/v2/v3 (this folder's routes), Nacos gRPC (grpc/ handlers) and Consul
 * (consul/ catalog/agent/health) all call the same {@link NamingService}, available to later
 * modules as `ctx.services.naming`. Nothing here imports a transport.
 *
 * ## Model
 * namespace → group → service (`ServiceId {namespaceId, groupName, serviceName}`, serviceName
 * ungrouped) → cluster (default `DEFAULT`) → instance (`InstanceRecord`). Instances carry arbitrary
 * string `metadata` (Consul keeps Tags/Meta/check info there). Instance id defaults to
 * `ip#port#cluster#group@@service` when the caller gives none.
 *
 * ## State tables (watchable with `ws.table/key/prefix`, see state/blocking-query.ts)
 * - `naming.services` (`SERVICES_TABLE`): key `serviceKey(id)` = `namespaceId/group@@service`,
 *   value `ServiceRecord` (protectThreshold, metadata, selector, clusters, ephemeral, persisted).
 *   Prefix `namespaceId/` = one namespace.
 * - `naming.instances` (`INSTANCES_TABLE`): key `instanceKey(serviceKey, instanceId)`, value
 *   `InstanceRecord`; `instancePrefix(serviceKey)` selects one service's instances.
 * Every registry change is one `state.write` on these tables (so `state.subscribe`/`feed`, Consul
 * blocking queries and cluster sync see the same stream). Heartbeat timestamps are NOT state
 * (a beat that changes nothing does not bump any index).
 *
 * ## Ownership (clients)
 * Every instance has a `clientId`:
 * - HTTP: `ip:port#true` (ephemeral, must beat) / `ip:port#false` (persistent) — the default when
 *   `registerInstance` gets no `ClientRef.clientId`.
 * - gRPC: the connection id: call `replaceClientInstances(connectionId, svc, [inst])` for
 *   `registerInstance` (a client holds one record per service), `(…, list)` for
 *   `BatchInstanceRequest`, `(…, [])` for `deregisterInstance`; `removeClient(connectionId)` on
 *   disconnect removes its ephemeral instances and subscriptions (and triggers pushes).
 * - Others (Consul agent): any stable id, `heartbeat: false` unless they want beat expiry.
 * Ephemeral instances live in memory only; persistent ones (`ephemeral:false`) are written to the
 * repo (`naming_instance`) before they enter state and are reloaded at boot.
 *
 * ## API ({@link NamingService})
 * Instances:
 * - `registerInstance(svc, input, client?)` → InstanceRecord (upsert by instanceId; validates:
 *   400 21004/21001/21002; ephemeral-vs-persistent service mismatch 400 21004).
 * - `replaceClientInstances(clientId, svc, inputs, {heartbeat?})` → InstanceRecord[].
 * - `deregisterInstance(svc, locator)` → boolean; locator `{instanceId}` or `{ip, port, clusterName?}`.
 * - `updateInstance(svc, input)`, `patchInstance(svc, locator, patch)`, `setHealth(svc, locator, healthy)`
 *   (NotFound 21003 when missing), `batchMetadata(svc, locators, metadata, 'update'|'delete')`.
 * - `beat(svc, {ip, port, clusterName}, beatInfo?)` → `{code: 10200|20404, clientBeatInterval}`.
 * - `removeClient(clientId)`, `clientIds()`, `clientInstanceKeys(clientId)`.
 * - `findInstance(svc, locator)` / `getInstance(svc, locator)` (throws), `instances(svc)`.
 * Services: `getService`, `requireService` (NotFound 21008), `createService(svc, patch)` (400 21007
 * if it exists), `updateService(svc, patch)`, `deleteService(svc)` (400 21009 while it has
 * instances), `updateCluster(svc, name, settings)`, `clusters(svc)`, `clusterSettings(svc, name)`,
 * `listServices(namespaceId, {groupName?, nameContains?, pageNo?, pageSize?})` → `{count, services}`.
 * Queries: `query(svc, {clusters?, healthyOnly?, enabledOnly?})` → `ServiceInfo` (spec §C.1
 * selection + protection threshold, `name` ungrouped — HTTP wraps it with `httpServiceInfo`).
 * Host lists are cached per (revision, selection); `revision(svc)` is the state index of the
 * service's last change.
 * Subscribers: `addSubscriber(svc, {clientId, kind, ip, port, agent, app, clusters, expires?})`,
 * `removeSubscriber(svc, clientId, clusters?)`, `subscribersOf(svc)`, `allSubscribers(ns?)`.
 * Push: `onPush(listener)` → unsubscribe; the listener gets one `PushEvent {service, serviceKey,
 * revision, subscribers, serviceInfo(clusters)}` per changed service, `pushDelayMs` (500 ms) after
 * the first change of a burst. Consumers pick their subscribers by `kind` (UDP push here uses
 * `udp`; gRPC should use `grpc`). `schedulePush(svc)` forces one (e.g. after a subscribe).
 * Stats: `stats()` → counts for metrics and `/operator/metrics`.
 */
export { PersistentHealthChecker } from './health-checker';
export * from './naming-model';
export type { NamingRepo } from './naming-repo';
export {
  type ClientRef,
  DEFAULT_NAMING_OPTIONS,
  INSTANCES_TABLE,
  type InstanceLocator,
  type NamingOptions,
  NamingService,
  type PushEvent,
  SERVICES_TABLE,
  type ServicePatch,
  type StagedInstance,
  type StagedRemoval,
  type Subscriber,
} from './naming-service';
