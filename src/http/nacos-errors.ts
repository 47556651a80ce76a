import type { BatataError, ErrorKind } from '../core/errors';

/** ErrorCode.java messages (`errAbstract`), the `message` of a failed v2/v3 Result. */
const CODE_MESSAGES: Record<number, string> = {
  0: 'success',
  10000: 'parameter missing',
  10001: 'access denied',
  10002: 'data access error',
  20001: "'tenant' parameter error",
  20002: 'parameter validate error',
  20003: 'MediaType Error',
  20004: 'resource not found',
  20005: 'resource conflict',
  20006: 'config listener is null',
  20007: 'config listener error',
  20008: 'invalid dataId',
  20009: 'parameter mismatch',
  20010: 'config gray version version over max count',
  20011: 'config gray rule format invalid',
  20012: 'config gray rule version invalid',
  20013: 'config gray name not recognized',
  5031: 'cluster capacity reach quota',
  5032: 'group capacity reach quota',
  5033: 'tenant capacity reach quota',
  5034: 'config content size is over limit',
  21000: 'service name error',
  21001: 'weight error',
  21002: 'instance metadata error',
  21003: 'instance not found',
  21004: 'instance error',
  21005: 'service metadata error',
  21006: 'selector error',
  21007: 'service already exist',
  21008: 'service not exist',
  21009: 'service delete failure',
  21010: 'healthy param miss',
  21011: 'health check still running',
  22000: 'illegal namespace',
  22001: 'namespace not exist',
  22002: 'namespace already exist',
  23000: 'illegal state',
  23001: 'node info error',
  23002: 'node down failure',
  30000: 'server error',
  40000: 'API deprecated.',
  40001: 'API function disabled.',
  100002: 'Imported metadata is invalid',
  100003: 'No valid data was read',
  100004: 'Failed to parse data',
  100005: 'Imported file data is empty',
  100006: 'No configuration selected',
};

/** HTTP status per error kind, for every Nacos API generation. */
const KIND_STATUS: Record<ErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  conflict: 409,
  unauthenticated: 403, // compat(nacos): auth failures are 403, never 401
  permission_denied: 403,
  rate_limited: 503,
  unavailable: 503,
  payload_too_large: 413,
  internal: 500,
};

/** Where Nacos picks a status other than the kind's for a detail code (NacosApiException call sites). */
const CODE_STATUS: Record<number, number> = {
  22002: 400, // namespace already exist → 400 (NamespaceOperationService.isNamespaceExist)
  21007: 400,
};

const KIND_DEFAULT_CODE: Record<ErrorKind, number> = {
  invalid_argument: 20002,
  not_found: 20004,
  already_exists: 20005,
  conflict: 20005,
  unauthenticated: 10001,
  permission_denied: 10001,
  rate_limited: 30000,
  unavailable: 30000,
  payload_too_large: 20002,
  internal: 30000,
};

export function nacosStatus(err: BatataError): number {
  return (err.detailCode !== undefined && CODE_STATUS[err.detailCode]) || KIND_STATUS[err.kind];
}

export function nacosCode(err: BatataError): number {
  return err.detailCode ?? KIND_DEFAULT_CODE[err.kind];
}

/** v2/v3 failure: `Result{code: detailCode, message: errAbstract, data: detail message}`. */
export function nacosResultError(err: BatataError): Response {
  const code = nacosCode(err);
  return Response.json(
    { code, message: CODE_MESSAGES[code] ?? err.message, data: err.message },
    { status: nacosStatus(err) },
  );
}

/** v1 failure: status + plain-text message (config/naming GlobalExceptionHandler). */
export function nacosV1Error(err: BatataError): Response {
  return new Response(err.message, {
    status: nacosStatus(err),
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
  });
}

/** v2/v3 success envelope. */
export function ok<T>(data: T): { code: 0; message: 'success'; data: T } {
  return { code: 0, message: 'success', data };
}

/** v1 RestResult success envelope (`RestResultUtils.success`). */
export function restOk<T>(
  data: T,
  message: string | null = null,
): { code: 200; message: string | null; data: T } {
  return { code: 200, message, data };
}

export function codeMessage(code: number): string | undefined {
  return CODE_MESSAGES[code];
}
