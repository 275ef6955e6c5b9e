/**
 * Every error the REST API answers with, in one table: a stable `code` string per error and its
 * HTTP status (STYLE.md §5), and the mapping from the errors the rest of Signalbox throws.
 */
import { errorNames } from '../openflow/codec/constants.js';
import { OfDecodeError, OfEncodeError } from '../openflow/codec/errors.js';
import { NotMasterError, OfErrorReply, OfTimeoutError, SessionClosedError } from '../openflow/errors.js';
import { AppConfigError } from '../apps/schema.js';

/** code → HTTP status. Codes never change once published; add new ones instead. */
export const API_ERRORS = {
  /** Bad input: the message and `field` name what is wrong. */
  invalid_input: 400,
  /** The request body is not valid JSON. */
  invalid_json: 400,
  /** No or an unknown bearer token. */
  unauthorized: 401,
  /** The token's scope does not allow this (a read token on a write route). */
  forbidden: 403,
  /** The Host header is not a name of this controller (`api.allowedHosts`): DNS rebinding. */
  host_not_allowed: 403,
  /** A browser page of another origin tried to write or open the event stream (`api.corsOrigins`). */
  origin_not_allowed: 403,
  /** No such route. */
  route_not_found: 404,
  /** No switch with that datapath id is connected. */
  switch_not_found: 404,
  /** No such port, app, host, static flow, ACL rule, route... */
  not_found: 404,
  /** The thing exists already or is in the way. */
  conflict: 409,
  /** Request body larger than `api.bodyLimitBytes`. */
  payload_too_large: 413,
  /** Content-Type not JSON. */
  unsupported_media_type: 415,
  /** The switch refused the request with OFPT_ERROR; `details` has the type and code names. */
  switch_rejected: 422,
  /** Internal failure; logged with the request id. */
  internal: 500,
  /** The switch's OpenFlow version cannot do this (meters and groups need 1.3). */
  version_unsupported: 501,
  /** The switch went away while the request was in flight. */
  switch_disconnected: 502,
  /**
   * A service this route needs is not running (topology, apps, static flows...), or (cluster
   * mode) the switch is mastered by another instance or by none during a failover: retry.
   */
  service_unavailable: 503,
  /** `api.maxEventStreams` event streams are open already: retry later (Retry-After). */
  event_streams_full: 503,
  /** The switch did not answer within `openflow.requestTimeoutMs`. */
  switch_timeout: 504,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * `Retry-After` (seconds) of every 503 that does not set its own: about a lease renewal, so a
 * client retrying a write during a failover reaches the new master.
 */
export const RETRY_AFTER_SEC = 2;

/** An error the API answers with as `{ statusCode, code, error, message, field?, details? }`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly statusCode: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** The input field at fault, as a path (`body.match[1].value`, `params.dpid`). */
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.statusCode = API_ERRORS[code];
  }
}

/** The JSON body of an error reply. */
export interface ApiErrorBody {
  readonly statusCode: number;
  readonly code: ApiErrorCode;
  /** HTTP reason phrase. */
  readonly error: string;
  readonly message: string;
  readonly field?: string;
  readonly details?: Record<string, unknown>;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The reply body of an ApiError. */
export function errorBody(e: ApiError): ApiErrorBody {
  return {
    statusCode: e.statusCode,
    code: e.code,
    error: REASONS[e.statusCode] ?? 'Error',
    message: e.message,
    ...(e.field !== undefined ? { field: e.field } : {}),
    ...(e.details !== undefined ? { details: e.details } : {}),
  };
}

interface FastifyValidationItem {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/**
 * Any thrown value as an ApiError: our own, fastify's (validation, body limit, bad JSON),
 * the southbound's (switch refused, timed out, went away; bad flow spec), a service's (duck-typed
 * `code` of invalid_input / not_found / conflict, with `field`), or an internal error.
 */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof OfErrorReply) {
    const n = errorNames(e.reply.errType, e.reply.code);
    return new ApiError('switch_rejected', `the switch refused the ${e.requestType}: ${n.type}/${n.code}`, undefined, {
      type: n.type,
      code: n.code,
      errType: e.reply.errType,
      errCode: e.reply.code,
    });
  }
  if (e instanceof OfTimeoutError) return new ApiError('switch_timeout', e.message);
  if (e instanceof SessionClosedError) return new ApiError('switch_disconnected', e.message);
  // Cluster mode: this instance may not write to the switch (a slave, or a failover under way). Retryable.
  if (e instanceof NotMasterError) return new ApiError('service_unavailable', `${e.message}: another instance masters this switch (or a failover is under way); retry in a few seconds, or send the write to the switch's master (GET /api/v1/cluster)`, undefined, { retryable: true });
  if (e instanceof OfEncodeError) {
    const field = (e as OfEncodeError & { field?: string }).field;
    return new ApiError('invalid_input', e.message, field);
  }
  if (e instanceof OfDecodeError) return new ApiError('internal', `could not decode the switch's reply: ${e.message}`);
  // An app's settings (PUT /apps/:name/config): the body is the app's section, so the key is a body field.
  if (e instanceof AppConfigError) {
    const field = e.key === undefined ? 'body' : `body.${e.key}`;
    return new ApiError('invalid_input', `${field}: ${e.detail}`, field);
  }
  const err = e as Error & { code?: unknown; statusCode?: unknown; validation?: FastifyValidationItem[]; validationContext?: string; field?: unknown };
  if (err && Array.isArray(err.validation)) {
    const v = err.validation[0] ?? {};
    const where = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'body');
    let path = (v.instancePath ?? '').replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
    const missing = v.params?.missingProperty;
    const extra = v.params?.additionalProperty;
    if (typeof missing === 'string') path = path ? `${path}.${missing}` : missing;
    if (typeof extra === 'string') path = path ? `${path}.${extra}` : extra;
    const field = path ? `${where}.${path}` : where;
    const what = typeof extra === 'string' ? 'is not a known property' : v.message ?? 'is invalid';
    return new ApiError('invalid_input', `${field} ${what}`, field);
  }
  if (err && typeof err.code === 'string') {
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new ApiError('payload_too_large', 'request body is larger than the limit (api.bodyLimitBytes)');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new ApiError('unsupported_media_type', 'send the body as application/json');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return new ApiError('invalid_json', 'the body is empty but Content-Type is application/json', 'body');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return new ApiError('invalid_json', `the body is not valid JSON: ${err.message}`, 'body');
      case 'invalid_input':
      case 'not_found':
      case 'conflict':
      case 'service_unavailable':
        return new ApiError(err.code, err.message, typeof err.field === 'string' ? err.field : undefined);
      default:
        break;
    }
  }
  // The store (LevelDB, etcd) could not take the write now: unreachable, or a transaction that kept
  // losing to other writers. Nothing was acknowledged; retryable.
  if (err && err.name === 'StoreError' && (err as { reason?: unknown }).reason !== undefined) {
    const reason = (err as { reason?: unknown }).reason;
    if (reason === 'io' || reason === 'conflict') return new ApiError('service_unavailable', `the store could not take the change, nothing was stored: ${err.message}`, undefined, { retryable: true });
  }
  if (err instanceof SyntaxError) return new ApiError('invalid_json', `the body is not valid JSON: ${err.message}`, 'body');
  if (err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const code: ApiErrorCode = err.statusCode === 404 ? 'not_found' : err.statusCode === 409 ? 'conflict' : err.statusCode === 413 ? 'payload_too_large' : err.statusCode === 415 ? 'unsupported_media_type' : 'invalid_input';
    return new ApiError(code, err.message);
  }
  return new ApiError('internal', 'internal error');
}
