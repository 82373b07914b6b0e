/**
 * @module Input rules shared by both adapters (expected digests, multipart part lists, upload
 * ids), so bad input fails the same way, with a 400 and before any I/O, on local disk and on S3.
 */
import { InvalidParameter } from '../core/errors.js';
import type { CompletedPart } from './artifact-store.js';
import { isSha256Hex } from './digest.js';

/** Refuses a malformed `expectedSha256` before the body is read. */
export function checkExpectedSha256(expected: string | undefined): void {
  if (expected !== undefined && !isSha256Hex(expected)) {
    throw new InvalidParameter(`Expected sha256 ${JSON.stringify(expected)} is not 64 lowercase hex characters.`);
  }
}

/** Throws when a finished body's digest differs from what the caller announced. */
export function assertSha256Matches(expected: string | undefined, actual: string, artifactPath: string): void {
  if (expected !== undefined && expected !== actual) {
    throw new InvalidParameter(
      `Upload to ${JSON.stringify(artifactPath)} was discarded: its sha256 is ${actual}, not the expected ${expected}.`,
    );
  }
}

/** S3's limit, kept for local uploads too. */
export const MAX_PART_NUMBER = 10_000;

export function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new InvalidParameter(`Part number ${partNumber} is invalid: use a whole number from 1 to ${MAX_PART_NUMBER}.`);
  }
}

/** A non-empty list in strictly ascending part order, each with an etag (S3's own rule). */
export function checkPartList(parts: CompletedPart[]): void {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new InvalidParameter('Completing a multipart upload needs at least one part.');
  }
  let previous = 0;
  for (const part of parts) {
    checkPartNumber(part.partNumber);
    if (part.partNumber <= previous) {
      throw new InvalidParameter(
        `Parts must be listed in ascending order without repeats; part ${part.partNumber} follows ${previous}.`,
      );
    }
    if (typeof part.etag !== 'string' || part.etag.replaceAll('"', '') === '') {
      throw new InvalidParameter(`Part ${part.partNumber} has no etag; pass the one uploadPart returned.`);
    }
    previous = part.partNumber;
  }
}

/** Upload ids come back from clients; anything not shaped like one we issued is refused. */
export function assertUploadId(uploadId: string, shape: RegExp): void {
  if (typeof uploadId !== 'string' || !shape.test(uploadId)) {
    throw new InvalidParameter(`Upload id ${JSON.stringify(uploadId)} is malformed: pass the id createMultipartUpload returned.`);
  }
}
