import type { Elysia } from 'elysia';
import type { ConfigService } from '../config/config-service';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/log';
import type { ReadinessCheck } from '../health/readiness';
import type { ErrorRenderer } from '../http/app';
import type { Metrics } from '../metrics/metrics';
import type { NamespaceService } from '../namespace';
import type { NamingService } from '../naming';
import type { Settings } from '../settings/settings';
import type { StateStore } from '../state';
import type { Db } from '../storage/db';
import type { AuthGate } from './auth-gate';

/** What transports may ask the cluster module. */
export interface ClusterInfo {
  /** Another UP member for ConnectResetRequest on graceful shutdown (`port` = its main port), or undefined. */
  resetTarget(): { ip: string; port: number } | undefined;
  /** Whether this member is responsible for `ip:port` (Distro hash over the healthy members). */
  isResponsible(ipPort: string): boolean;
}

// Elysia plugin generics differ per plugin.
export type AnyElysia = Elysia<any, any, any, any, any, any, any>;

/**
 * Services built so far, in dependency order. A module may use the services of modules created
 * before it; each domain adds its field here.
 */
export interface Services {
  namespace: NamespaceService;
  /** Service discovery registry (naming module); shared by Nacos HTTP/gRPC and Consul. */
  naming?: NamingService;
  /** Config service (src/config): transport-neutral publish/query/remove/listen for every adapter. */
  config?: ConfigService;
  /** Set by the auth module; transports call it on every request. Absent = allow everything. */
  auth?: AuthGate;
  /** Set by the cluster module (cluster mode only); transports read it, domains never do. */
  cluster?: ClusterInfo;
  /**
   * Set by the Consul module: its tables bring themselves up to date with the shared database
   * (everything committed after the storage index they last saw). Cluster sync calls `catchUp`.
   */
  consulSync?: { tables: string[]; catchUp(): Promise<number> };
}

/** What every module factory receives. */
export interface ServerContext {
  settings: Settings;
  log: Logger;
  metrics: Metrics;
  db: Db;
  state: StateStore;
  clock: Clock;
  services: Services;
  /** Server version (package.json). */
  version: string;
  /** Address this node advertises. */
  advertiseIp: string;
}

/**
 * One capability plugged into the server: the transports collect its adapters. Domains never
 * import the transports; `main.ts` hands each adapter list to the right listener.
 */
export interface ServerModule {
  name: string;
  /** Elysia plugins mounted under the Nacos context path (`/nacos`). */
  nacosRoutes?: AnyElysia[];
  /** Elysia plugins mounted at the root of the main port (Consul `/v1/...`). */
  rootRoutes?: AnyElysia[];
  /** Elysia plugins for the console port (v3 console API, UI). */
  consoleRoutes?: AnyElysia[];
  /** Error renderers for protocols this module owns (by path prefix). */
  renderers?: ErrorRenderer[];
  readiness?: ReadinessCheck[];
  /** Called after every listener is up. */
  start?(): Promise<void> | void;
  /** Called when shutdown begins, before the listeners stop: answer held requests (long polls) now. */
  drain?(): void;
  /** Called on shutdown, in reverse creation order: release waiters, stop timers. */
  dispose?(): Promise<void> | void;
}
