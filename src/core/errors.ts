/**
 * Typed domain errors. Domains throw subclasses of BatataError; each protocol adapter maps the
 * `kind` (and optional Nacos `detailCode`) to its own wire shape in exactly one table.
 */
export type ErrorKind =
  | 'not_found'
  | 'already_exists'
  | 'conflict'
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'rate_limited'
  | 'unavailable'
  | 'payload_too_large'
  | 'internal';

export abstract class BatataError extends Error {
  abstract readonly kind: ErrorKind;
  /** Nacos v2/v3 error code (ErrorCode.java ranges: 100xx common, 200xx config, 210xx naming, 220xx namespace). */
  readonly detailCode?: number;

  constructor(message: string, detailCode?: number) {
    super(message);
    this.name = new.target.name;
    this.detailCode = detailCode;
  }
}

export class InvalidArgument extends BatataError {
  readonly kind = 'invalid_argument' as const;
}
export class NotFound extends BatataError {
  readonly kind = 'not_found' as const;
}
export class AlreadyExists extends BatataError {
  readonly kind = 'already_exists' as const;
}
export class Conflict extends BatataError {
  readonly kind = 'conflict' as const;
}
export class Unauthenticated extends BatataError {
  readonly kind = 'unauthenticated' as const;
}
export class PermissionDenied extends BatataError {
  readonly kind = 'permission_denied' as const;
}
export class RateLimited extends BatataError {
  readonly kind = 'rate_limited' as const;
}
export class Unavailable extends BatataError {
  readonly kind = 'unavailable' as const;
}
export class PayloadTooLarge extends BatataError {
  readonly kind = 'payload_too_large' as const;
}
export class InternalError extends BatataError {
  readonly kind = 'internal' as const;
}

export function isBatataError(e: unknown): e is BatataError {
  return e instanceof BatataError;
}

/** Nacos common error codes (api/…/model/v2/ErrorCode.java) that several domains share. */
export const NacosCode = {
  SUCCESS: 0,
  PARAMETER_MISSING: 10000,
  ACCESS_DENIED: 10001,
  DATA_ACCESS_ERROR: 10002,
  TENANT_PARAM_ERROR: 20001,
  PARAMETER_VALIDATE_ERROR: 20002,
  MEDIA_TYPE_ERROR: 20003,
  RESOURCE_NOT_FOUND: 20004,
  RESOURCE_CONFLICT: 20005,
  CONFIG_LISTENER_IS_NULL: 20006,
  CONFIG_LISTENER_ERROR: 20007,
  INVALID_DATA_ID: 20008,
  PARAMETER_MISMATCH: 20009,
  CONFIG_GRAY_OVER_MAX_VERSION_COUNT: 20010,
  CONFIG_GRAY_RULE_FORMAT_INVALID: 20011,
  CONFIG_GRAY_VERSION_INVALID: 20012,
  CONFIG_GRAY_NAME_UNRECOGNIZED_ERROR: 20013,
  SERVICE_NAME_ERROR: 21000,
  WEIGHT_ERROR: 21001,
  INSTANCE_METADATA_ERROR: 21002,
  INSTANCE_NOT_FOUND: 21003,
  INSTANCE_ERROR: 21004,
  SERVICE_METADATA_ERROR: 21005,
  SELECTOR_ERROR: 21006,
  SERVICE_ALREADY_EXIST: 21007,
  SERVICE_NOT_EXIST: 21008,
  SERVICE_DELETE_FAILURE: 21009,
  HEALTHY_PARAM_MISS: 21010,
  HEALTH_CHECK_STILL_RUNNING: 21011,
  ILLEGAL_NAMESPACE: 22000,
  NAMESPACE_NOT_EXIST: 22001,
  NAMESPACE_ALREADY_EXIST: 22002,
  ILLEGAL_STATE: 23000,
  NODE_INFO_ERROR: 23001,
  NODE_DOWN_FAILURE: 23002,
  SERVER_ERROR: 30000,
  API_DEPRECATED: 40000,
} as const;
