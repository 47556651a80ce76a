import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface GrpcMetrics {
  /** Exact name from the product brief. */
  readonly activeConnections: Gauge;
  readonly requests: Counter<'type' | 'result'>;
  readonly requestDuration: Histogram<'type'>;
  readonly pushes: Counter<'type' | 'result'>;
  readonly pushLatency: Histogram<'type'>;
  readonly pushQueueDropped: Counter;
}

export function createGrpcMetrics(registry: Registry): GrpcMetrics {
  const registers = [registry];
  return {
    activeConnections: new Gauge({
      name: 'batata_active_connections',
      help: 'SDK gRPC connections registered (ConnectionSetupRequest done)',
      registers,
    }),
    requests: new Counter({
      name: 'batata_grpc_requests_total',
      help: 'Unary SDK gRPC requests by request type and result',
      labelNames: ['type', 'result'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'batata_grpc_request_duration_seconds',
      help: 'Unary SDK gRPC request latency by request type',
      labelNames: ['type'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2],
      registers,
    }),
    pushes: new Counter({
      name: 'batata_grpc_push_total',
      help: 'Server pushes over the bi-stream by type and result (success, timeout, failed, dropped)',
      labelNames: ['type', 'result'],
      registers,
    }),
    pushLatency: new Histogram({
      name: 'batata_grpc_push_latency_seconds',
      help: 'Time from first send of a push to its acknowledgement',
      labelNames: ['type'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    pushQueueDropped: new Counter({
      name: 'batata_grpc_push_queue_overflow_total',
      help: 'Pushes refused because a connection queue was full',
      registers,
    }),
  };
}
