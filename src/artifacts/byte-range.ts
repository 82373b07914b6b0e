/**
 * @module Byte ranges for `ArtifactStore.get`, with HTTP's rules: inclusive ends, an end past the
 * file is clamped, a start at or past the end of the file cannot be served.
 */
import { InvalidParameter } from '../core/errors.js';
import type { ByteRange } from './artifact-store.js';

/** Checks a range's shape (non-negative integers, end >= start) before any I/O. */
export function assertValidByteRange(range: ByteRange, artifactPath: string): void {
  const { start, end } = range;
  const bad =
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start));
  if (bad) {
    throw new InvalidParameter(
      `Range ${formatByteRange(range)} for ${JSON.stringify(artifactPath)} is invalid: ` +
        'start and end must be whole numbers with 0 <= start <= end.',
    );
  }
}

/** Resolves a valid range against a file's size; throws when it starts past the last byte. */
export function resolveByteRange(range: ByteRange, totalSize: number, artifactPath: string): { start: number; end: number } {
  assertValidByteRange(range, artifactPath);
  if (range.start >= totalSize) throw rangeNotSatisfiable(range, artifactPath, totalSize);
  return { start: range.start, end: Math.min(range.end ?? totalSize - 1, totalSize - 1) };
}

/** A range past the end of a file: HTTP 416, with a Content-Range naming the size when it is known. */
export class RangeNotSatisfiable extends InvalidParameter {
  override readonly status: number = 416;
  readonly headers: Record<string, string>;
  constructor(message: string, totalSize?: number) {
    super(message);
    this.headers = totalSize === undefined ? {} : { 'content-range': `bytes */${totalSize}` };
  }
}

export function rangeNotSatisfiable(range: ByteRange, artifactPath: string, totalSize?: number): RangeNotSatisfiable {
  const size = totalSize === undefined ? '' : ` (the file has ${totalSize} bytes)`;
  return new RangeNotSatisfiable(`Range ${formatByteRange(range)} starts past the end of ${JSON.stringify(artifactPath)}${size}.`, totalSize);
}

/** `bytes=start-end` (or `bytes=start-`), the form HTTP and S3 both take. */
export function formatByteRange(range: ByteRange): string {
  return `bytes=${range.start}-${range.end ?? ''}`;
}
