import { tlsOptions } from '../auth/module';
import { ListenError } from '../main';
import type { ServerContext, ServerModule } from '../server/module';
import { clientMetricsRoutes } from './client-metrics-routes';
import { configGrpcHandlers } from './config-handlers';
import { ConnectionManager } from './connection';
import { createGrpcMetrics } from './grpc-metrics';
import { SdkGrpcServer } from './grpc-server';
import { type GrpcHandler, HandlerRegistry } from './handler-registry';
import { internalGrpcHandlers } from './internal-handlers';
import { namingGrpcHandlers } from './naming-handlers';
import { pushIdGenerator } from './push';

export interface GrpcModule extends ServerModule {
  /** Bound SDK port (0 until started). */
  readonly port: number;
  readonly connections: ConnectionManager;
}

/**
 * The Nacos SDK gRPC port (main port + 1000 by default). Collects the handlers of every domain
 * whose service is present in `ctx.services` and serves them after all other listeners are up.
 */
export function createGrpcModule(ctx: ServerContext): GrpcModule {
  const { settings, clock } = ctx;
  const log = ctx.log.child('grpc');
  const metrics = createGrpcMetrics(ctx.metrics.registry);
  const connections = new ConnectionManager({
    clock,
    log,
    metrics,
    maxConnections: settings.int('grpc.connection.max'),
    idleMs: settings.int('grpc.connection.idle-ms'),
    ejectIntervalMs: settings.int('grpc.connection.eject-interval-ms'),
    detectTimeoutMs: settings.int('grpc.connection.detect-timeout-ms'),
  });
  const handlers: GrpcHandler[] = [...internalGrpcHandlers()];
  const disposers: Array<() => void> = [];
  const pushDefaults = { maxRetries: settings.int('grpc.push.max-retries') };
  if (ctx.services.config) {
    const config = configGrpcHandlers({
      config: ctx.services.config,
      state: ctx.state,
      connections,
      log: log.child('config'),
      push: pushDefaults,
      fuzzyLimits: {
        maxPatterns: settings.int('nacos.config.fuzzy.watch.max.pattern.count'),
        maxMatched: settings.int('nacos.config.fuzzy.watch.max.pattern.match.config.count'),
      },
    });
    handlers.push(...config.handlers);
    disposers.push(config.dispose);
  }
  if (ctx.services.naming) {
    const naming = namingGrpcHandlers({
      naming: ctx.services.naming,
      state: ctx.state,
      connections,
      clock,
      log: log.child('naming'),
      pushDelayMs: settings.int('naming.push.delay-ms'),
      // Nacos naming push: ack timeout 5 s, retry every 1 s.
      push: { ...pushDefaults, timeoutMs: 5000, retryDelayMs: 1000 },
      fuzzyLimits: {
        maxPatterns: settings.int('nacos.naming.fuzzy.watch.max.pattern.count'),
        maxMatched: settings.int('nacos.naming.fuzzy.watch.max.pattern.match.service.count'),
      },
    });
    handlers.push(...naming.handlers);
    disposers.push(naming.dispose);
  }
  const registry = new HandlerRegistry(handlers, { auth: () => ctx.services.auth, log });
  const server = new SdkGrpcServer({
    clock,
    log,
    metrics,
    connections,
    handlers: registry,
    nextPushId: pushIdGenerator(),
    maxInboundMessageBytes: settings.int('nacos.remote.server.grpc.sdk.max-inbound-message-size'),
    keepAliveTimeMs: settings.int('nacos.remote.server.grpc.sdk.keep-alive-time'),
    keepAliveTimeoutMs: settings.int('nacos.remote.server.grpc.sdk.keep-alive-timeout'),
    pushLimits: {
      queueSize: settings.int('grpc.push.queue-size'),
      maxInFlight: settings.int('grpc.push.max-in-flight'),
      timeoutMs: settings.int('grpc.push.timeout-ms'),
      maxRetries: settings.int('grpc.push.max-retries'),
      retryDelayMs: settings.int('grpc.push.retry-delay-ms'),
    },
    serverAbilities: () => ({
      supportPersistentInstanceByGrpc: registry.has('PersistentInstanceRequest'),
      fuzzyWatch: registry.has('ConfigFuzzyWatchRequest') && registry.has('NamingFuzzyWatchRequest'),
      lock: false,
      mcp: false,
    }),
  });
  let started = false;
  let stopping: Promise<void> | undefined;
  return {
    name: 'grpc',
    nacosRoutes: ctx.services.config ? [clientMetricsRoutes(connections)] : [],
    connections,
    get port() {
      return server.port;
    },
    async start() {
      const port = settings.sdkPort;
      const host = settings.str('nacos.server.bind-address');
      try {
        await server.listen(host, port, tlsOptions(settings));
      } catch (e) {
        const msg = String((e as Error).message);
        throw new ListenError(
          /in use/i.test(msg)
            ? `port ${port} is already in use (nacos.sdk.port); stop the other process or choose another port`
            : `cannot listen on ${host}:${port} (nacos.sdk.port): ${msg}`,
        );
      }
      server.markStarted();
      connections.startEjector();
      started = true;
      log.info('SDK gRPC port open', { port: server.port, handlers: registry.types().length });
    },
    drain() {
      // Starts at once, in parallel with the other listeners stopping, while cluster membership is
      // still known: clients are asked to reconnect (to another member when there is one).
      if (!started || stopping) return;
      connections.stopEjector();
      const target = ctx.services.cluster?.resetTarget();
      stopping = server.stop(
        settings.int('grpc.shutdown.reset-wait-ms'),
        target ? { serverIp: target.ip, serverPort: String(target.port) } : {},
      );
    },
    async dispose() {
      this.drain?.();
      await stopping;
      for (const d of disposers) d();
    },
  };
}
