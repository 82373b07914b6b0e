/**
 * @module Input rules shared by both adapters (expected digests, multipart part lists, upload
 * ids), so bad input fails the same way, with a 400 and before any I/O, on local disk and on S3.
 */
import { InvalidParameter } from '../core/errors.js';
import type { CompletedPart, PutOptions } from './artifact-store.js';
import { isSha256Hex, type DigestResult } from './digest.js';

/** Refuses malformed `put` options before the body is read. */
export function checkPutOptions(options: PutOptions): void {
  const { expectedSha256, size } = options;
  if (expectedSha256 !== undefined && !isSha256Hex(expectedSha256)) {
    throw new InvalidParameter(`Expected sha256 ${JSON.stringify(expectedSha256)} is not 64 lowercase hex characters.`);
  }
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
    throw new InvalidParameter(`Body size ${size} is invalid: give a whole number of bytes.`);
  }
}

/** Throws when a finished body differs from what the caller announced (size or digest). */
export function assertBodyMatches(options: PutOptions, actual: DigestResult, artifactPath: string): void {
  const where = `Upload to ${JSON.stringify(artifactPath)} was discarded`;
  if (options.size !== undefined && options.size !== actual.size) {
    throw new InvalidParameter(`${where}: it has ${actual.size} bytes, not the announced ${options.size}.`);
  }
  if (options.expectedSha256 !== undefined && options.expectedSha256 !== actual.sha256) {
    throw new InvalidParameter(`${where}: its sha256 is ${actual.sha256}, not the expected ${options.expectedSha256}.`);
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
