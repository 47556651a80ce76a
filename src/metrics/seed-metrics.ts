/**
 * Metric names the product brief promises operators (README "Metrics", the Grafana dashboard and
 * Prometheus alerts use them). Each is registered by the module that owns it; tests check that
 * the ones of merged modules are exposed exactly under these names.
 */
export const SEED_METRICS = {
  httpRequests: 'batata_http_requests_total',
  grpcRequests: 'batata_grpc_requests_total',
  configPublish: 'batata_config_publish_total',
  configQuery: 'batata_config_query_total',
  serviceRegister: 'batata_service_register_total',
  serviceQuery: 'batata_service_query_total',
  activeConnections: 'batata_active_connections',
  uptime: 'batata_uptime_seconds',
  clusterSize: 'batata_cluster_size',
  healthy: 'batata_healthy',
} as const;

export const SEED_METRIC_NAMES: readonly string[] = Object.values(SEED_METRICS);
