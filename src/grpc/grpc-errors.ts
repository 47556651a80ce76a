import { randomUUID } from 'node:crypto';
import { type ErrorKind, isBatataError } from '../core/errors';
import type { Logger } from '../core/log';

/** `NacosException` codes that appear on the gRPC wire (api/…/exception/NacosException.java). */
export const RemoteCode = {
  INVALID_PARAM: 400,
  NO_RIGHT: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CONFIG_ALREADY_EXISTS: 410,
  SERVER_ERROR: 500,
  INVALID_SERVER_STATUS: 300,
  UN_REGISTER: 301,
  NO_HANDLER: 302,
  BAD_GATEWAY: 502,
  OVER_THRESHOLD: 503,
} as const;

/** Default kind → `errorCode` table; a handler may override entries (e.g. ConfigQuery not_found → 300). */
const KIND_CODE: Record<ErrorKind, number> = {
  invalid_argument: RemoteCode.INVALID_PARAM,
  payload_too_large: RemoteCode.INVALID_PARAM,
  not_found: RemoteCode.NOT_FOUND,
  already_exists: RemoteCode.CONFLICT,
  conflict: RemoteCode.CONFLICT,
  unauthenticated: RemoteCode.NO_RIGHT,
  permission_denied: RemoteCode.NO_RIGHT,
  rate_limited: RemoteCode.OVER_THRESHOLD,
  unavailable: RemoteCode.INVALID_SERVER_STATUS,
  internal: RemoteCode.SERVER_ERROR,
};

export type ErrorCodeOverrides = Partial<Record<ErrorKind, number>>;

/**
 * Maps any thrown value to the `{errorCode, message}` of a Nacos response (resultCode 500). Typed
 * errors keep their message; anything else is logged once with a random id, which is all the
 * client sees.
 */
export function errorInfo(
  e: unknown,
  log: Logger,
  overrides: ErrorCodeOverrides = {},
): { errorCode: number; message: string; kind: ErrorKind } {
  if (isBatataError(e))
    return { errorCode: overrides[e.kind] ?? KIND_CODE[e.kind], message: e.message, kind: e.kind };
  const id = randomUUID();
  log.error('grpc handler failed', { errorId: id, err: e });
  return { errorCode: RemoteCode.SERVER_ERROR, message: `internal error (id ${id})`, kind: 'internal' };
}
