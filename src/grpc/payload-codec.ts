import type { WirePayload } from './proto';

/** A decoded Nacos message body (Jackson bean as JSON). */
export type NacosBody = Record<string, unknown>;

export interface DecodedPayload {
  /** `metadata.type`: the simple Java class name of the message. */
  type: string;
  /** Self-reported client IP from the metadata (may be empty). */
  clientIp: string;
  /** Request headers from `metadata.headers` (accessToken, notify, Vipserver-Tag, …). */
  headers: Record<string, string>;
  /** Raw JSON bytes of the body; parse with `parseBody`. */
  raw: Uint8Array;
}

/** Raised when a payload cannot be read; `errorCode` is the Nacos code for the ErrorResponse. */
export class PayloadError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Reads the envelope without touching the JSON (so cheap checks can run before parsing). */
export function readEnvelope(p: WirePayload | undefined | null): DecodedPayload {
  const md = p?.metadata ?? {};
  return {
    type: md.type ?? '',
    clientIp: md.clientIp ?? '',
    headers: md.headers ?? {},
    raw: p?.body?.value ?? EMPTY,
  };
}

/**
 * Parses a body as Jackson would with FAIL_ON_UNKNOWN_PROPERTIES=false: unknown fields are kept but
 * ignored by handlers, an empty body is `{}`. Anything but a JSON object is a 502 (BAD_GATEWAY), as
 * Nacos answers a body it cannot parse.
 */
export function parseBody(raw: Uint8Array): NacosBody {
  if (raw.byteLength === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(raw));
  } catch (e) {
    throw new PayloadError(502, `invalid request body: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new PayloadError(502, 'Invalid request');
  return v as NacosBody;
}

/** Jackson `Include.NON_NULL`: null and undefined object fields are left out. */
function omitNulls(_key: string, value: unknown) {
  return value === null ? undefined : value;
}

/** JSON of a body with null fields omitted. */
export function toJson(body: object): string {
  return JSON.stringify(body, omitNulls);
}

/** Builds the wire envelope: `metadata.type` + JSON in `Any.value` with an empty type_url. */
export function encodePayload(type: string, body: object): WirePayload {
  return {
    metadata: { type, clientIp: '', headers: {} },
    body: { type_url: '', value: encoder.encode(toJson(body)) },
  };
}

export interface ResponseFields {
  resultCode?: number;
  errorCode?: number;
  message?: string | null;
  requestId?: string | null;
  [k: string]: unknown;
}

/**
 * A Nacos `Response` body: `resultCode` 200 and `errorCode` 0 unless given, and always the
 * getter-derived `success` (= resultCode == 200) that the Go SDK reads.
 */
export function responseBody(fields: ResponseFields = {}): NacosBody {
  const resultCode = fields.resultCode ?? 200;
  return { ...fields, resultCode, errorCode: fields.errorCode ?? 0, success: resultCode === 200 };
}

/** A failed Nacos `Response` (`setErrorInfo`): resultCode 500, the given errorCode and message. */
export function errorBody(errorCode: number, message: string, extra: NacosBody = {}): NacosBody {
  return responseBody({ ...extra, resultCode: 500, errorCode, message });
}

/**
 * A server→client `Request` body: the getter-derived `module` and the (empty) `headers` map that
 * Java-produced JSON carries, plus the push `requestId`.
 */
export function requestBody(module: string, fields: NacosBody, requestId?: string): NacosBody {
  return { headers: {}, ...(requestId === undefined ? {} : { requestId }), ...fields, module };
}

/** True for a message type that is a Nacos `Response` (client acks on the bi-stream). */
export function isResponseType(type: string): boolean {
  return type.endsWith('Response');
}
