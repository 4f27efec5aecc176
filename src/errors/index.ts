/**
 * Errors users can act on. Each code has a stable string (for JSON/API) and a distinct
 * process exit code (for scripts). Anything else is a bug and keeps its stack trace.
 */
export const errorCodes = {
  E_USAGE: 64,
  E_CONFIG: 3,
  E_MODEL_MISSING: 4,
  E_BACKEND: 5,
  E_FILE_NOT_FOUND: 10,
  E_NOT_A_FILE: 11,
  E_EMPTY_FILE: 12,
  E_FILE_TOO_LARGE: 13,
  E_NOT_AN_IMAGE: 14,
  E_CORRUPT_IMAGE: 15,
  E_IMAGE_TOO_LARGE: 16,
  E_IMAGE_TOO_SMALL: 17,
  E_NO_FACE: 18,
  E_FACE_REJECTED: 19,
  E_MODEL_MISMATCH: 20,
  E_NOT_FOUND: 21,
  E_AMBIGUOUS_NAME: 22,
  E_INVALID_GALLERY_FILE: 23,
  /** A webhook target resolving to a loopback, private, link-local, ... address (SSRF guard). */
  E_WEBHOOK_TARGET: 24,
  /** A camera URL with a scheme, protocol nesting or file path the ingest policy does not allow. */
  E_CAMERA_URL: 25,
  /** A data-directory-relative path (crop, thumbnail, person folder) that resolves outside its folder. */
  E_PATH_OUTSIDE_DATA_DIR: 26,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class FaceStreamError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FaceStreamError';
    this.code = code;
    this.exitCode = errorCodes[code];
  }
}

export const isFaceStreamError = (e: unknown): e is FaceStreamError => e instanceof FaceStreamError;
