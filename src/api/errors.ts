import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isFaceStreamError, type ErrorCode } from '../errors/index.js';

/** The body of every error response: a stable code to branch on, a message for people. */
export interface ApiErrorBody { error: { code: string; message: string; details?: unknown } }

/** An HTTP error with a stable code (API-only outcomes: auth, validation, media type). */
export class ApiError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly details?: unknown, readonly headers?: Record<string, string>) {
    super(message);
    this.name = 'ApiError';
  }
}

const statusOfFaceStreamError: Partial<Record<ErrorCode, number>> = {
  E_NOT_FOUND: 404,
  E_FILE_NOT_FOUND: 404,
  E_MODEL_MISMATCH: 409,
  E_AMBIGUOUS_NAME: 409,
  E_NOT_AN_IMAGE: 415,
  E_CORRUPT_IMAGE: 422,
  E_EMPTY_FILE: 422,
  E_IMAGE_TOO_SMALL: 422,
  E_NO_FACE: 422,
  E_FACE_REJECTED: 422,
  E_FILE_TOO_LARGE: 413,
  E_IMAGE_TOO_LARGE: 413,
  E_INVALID_GALLERY_FILE: 400,
  // a stored crop path that leaves the data directory: the data is damaged, not the request
  E_PATH_OUTSIDE_DATA_DIR: 500,
};

/** Fastify's and its plugins' own error codes, mapped to ours. */
const fastifyCodes: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'E_MALFORMED_JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'E_MALFORMED_JSON'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'E_UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'E_PAYLOAD_TOO_LARGE'],
  FST_REQ_FILE_TOO_LARGE: [413, 'E_PAYLOAD_TOO_LARGE'],
  FST_FILES_LIMIT: [413, 'E_TOO_MANY_FILES'],
  FST_PARTS_LIMIT: [413, 'E_TOO_MANY_FILES'],
  FST_FIELDS_LIMIT: [413, 'E_TOO_MANY_FIELDS'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'E_UNSUPPORTED_MEDIA_TYPE'],
  FST_PROTO_VIOLATION: [400, 'E_BAD_REQUEST'],
};

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isFaceStreamError(err)) return new ApiError(statusOfFaceStreamError[err.code] ?? 400, err.code, err.message);
  const e = err as FastifyError;
  if (e && typeof e.code === 'string' && fastifyCodes[e.code]) {
    const [status, code] = fastifyCodes[e.code]!;
    return new ApiError(status, code, e.message);
  }
  if (e?.validation || e?.validationContext) return new ApiError(400, 'E_VALIDATION', e.message);
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return new ApiError(status, 'E_BAD_REQUEST', e.message);
  return new ApiError(500, 'E_INTERNAL', 'internal error');
}

export function errorHandler(this: unknown, err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const api = toApiError(err);
  if (api.statusCode >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ code: api.code, status: api.statusCode }, api.message);
  const body: ApiErrorBody = { error: { code: api.code, message: api.message, ...(api.details !== undefined ? { details: api.details } : {}) } };
  if (api.headers) void reply.headers(api.headers);
  void reply.status(api.statusCode).type('application/json').send(body);
}

/** JSON schema of the error body (for the OpenAPI document). */
export const errorBodySchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} }, required: ['code', 'message'] } },
  required: ['error'],
} as const;
