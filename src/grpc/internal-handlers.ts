import type { GrpcHandler } from './handler-registry';

/** Connection-management requests (module `internal`) other than ServerCheck, which the transport answers. */
export function internalGrpcHandlers(): GrpcHandler[] {
  return [
    {
      type: 'HealthCheckRequest',
      responseType: 'HealthCheckResponse',
      handle: () => ({}),
    },
  ];
}
