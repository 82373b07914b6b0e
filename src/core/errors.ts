/**
 * @module The one error family of Trainyard. Every error that reaches a user carries a stable
 * code (MLflow's `error_code` names, so MLflow clients react correctly) and an HTTP status.
 */

/** MLflow error codes and the HTTP status MLflow answers them with (reference §2). */
export const ERROR_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  // MLflow answers INVALID_STATE with 500; clients retry 500s, so we answer 400 for rule
  // violations a retry cannot fix (see DESIGN: never a 500 for bad input).
  INVALID_STATE: 400,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}

/** Bad input: says what to fix. */
export class InvalidParameter extends AppError {
  constructor(message: string) {
    super('INVALID_PARAMETER_VALUE', message);
  }
}

export class NotFound extends AppError {
  constructor(message: string) {
    super('RESOURCE_DOES_NOT_EXIST', message);
  }
}

export class AlreadyExists extends AppError {
  constructor(message: string) {
    super('RESOURCE_ALREADY_EXISTS', message);
  }
}

/** A request that is well-formed but not allowed in the resource's current state. */
export class InvalidState extends AppError {
  constructor(message: string) {
    super('INVALID_STATE', message);
  }
}

export class Conflict extends AppError {
  constructor(message: string) {
    super('RESOURCE_CONFLICT', message);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
