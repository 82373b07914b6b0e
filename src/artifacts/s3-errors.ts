/**
 * @module Turns AWS SDK errors into Trainyard's `AppError`s, so no SDK type or error shape leaves
 * the S3 adapter. Missing objects and bad ranges are mapped where they happen (they need the
 * artifact path); this file handles what is left: configuration and availability problems.
 */
import { AppError, isAppError } from '../core/errors.js';

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The S3 error code (`NoSuchKey`, `InvalidRange`, ...) or the Node error code for network faults. */
export function s3ErrorCode(e: unknown): string | undefined {
  const err = e as SdkErrorShape | undefined;
  // Socket failures arrive as a plain Error (or AggregateError) whose `code` is the errno.
  const named = err?.name && err.name !== 'Error' && err.name !== 'AggregateError' ? err.name : undefined;
  return err?.Code ?? named ?? err?.code;
}

/** The HTTP status the S3 server answered, when it answered. */
export function s3Status(e: unknown): number | undefined {
  return (e as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** True for "no such object" (GET answers `NoSuchKey`, HEAD a bare 404 `NotFound`). */
export function isS3NoSuchKey(e: unknown): boolean {
  const code = s3ErrorCode(e);
  return code === 'NoSuchKey' || code === 'NotFound' || (s3Status(e) === 404 && code !== 'NoSuchBucket' && code !== 'NoSuchUpload');
}

export function isS3NoSuchUpload(e: unknown): boolean {
  return s3ErrorCode(e) === 'NoSuchUpload';
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError']);
const CREDENTIALS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'CredentialsProviderError']);

/**
 * Wraps any other failure of `action` (e.g. "put 'model.bin'") in an `AppError` whose message says
 * what the operator should fix; the SDK error is kept as `cause`.
 */
export function toAppError(e: unknown, action: string, bucket: string): Error {
  if (isAppError(e)) return e;
  const code = s3ErrorCode(e);
  const detail = (e as SdkErrorShape | undefined)?.message ?? String(e);
  let wrapped: AppError;
  if (code === 'NoSuchBucket') {
    wrapped = new AppError('INTERNAL_ERROR', `S3 bucket '${bucket}' does not exist: create it or fix the artifact store URI (${action}).`);
  } else if (code && CREDENTIALS.has(code)) {
    wrapped = new AppError(
      'INTERNAL_ERROR',
      `S3 refused to ${action} (${code}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket policy.`,
    );
  } else if (code && UNREACHABLE.has(code)) {
    wrapped = new AppError(
      'TEMPORARILY_UNAVAILABLE',
      `S3 endpoint unreachable while trying to ${action} (${code}): check AWS_ENDPOINT_URL and the network.`,
    );
  } else {
    wrapped = new AppError('INTERNAL_ERROR', `S3 failed to ${action}: ${code ?? 'Error'}: ${detail}`);
  }
  wrapped.cause = e;
  return wrapped;
}
