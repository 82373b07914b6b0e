/**
 * @module Client-driven multipart uploads for the S3 adapter. Parts go to a staging key, not the
 * final one: S3 fixes metadata at the start and the whole file's sha256 is only known once all
 * parts are in (parts may come from different clients and server replicas). Completing reads the
 * staged object back to hash it, and the store then copies it to its path with the digest.
 *
 * The upload id handed out is `<token>.<S3 upload id>`. The staging key is derived from the token
 * and a hash of the target path, so the id is all the state there is (any replica can serve the
 * next part) and an id used with another path finds no upload.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InvalidParameter, NotFound } from '../core/errors.js';
import type { CompletedPart } from './artifact-store.js';
import { sha256OfStream, type DigestResult } from './digest.js';
import { assertUploadId, checkPartList, checkPartNumber } from './input-rules.js';
import { isS3NoSuchUpload, toAppError } from './s3-errors.js';

/** A part sent without its size is buffered to learn it; past this, the caller must give the size. */
export const MAX_UNSIZED_PART_BYTES = 64 * 1024 ** 2;

const UPLOAD_ID = /^([0-9a-f]{32})\.([\x21-\x7e]{1,1024})$/;

export class S3MultipartUploads {
  /**
   * @param stagingPrefix key prefix for staged uploads, ending in '/'.
   */
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly stagingPrefix: string,
  ) {}

  async create(key: string): Promise<string> {
    const token = randomBytes(16).toString('hex');
    const staging = this.#stagingKey(token, key);
    try {
      const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: staging }));
      return `${token}.${UploadId}`;
    } catch (e) {
      throw toAppError(e, `start a multipart upload to '${key}'`, this.bucket);
    }
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable, size?: number): Promise<string> {
    checkPartNumber(partNumber);
    const { staging, s3UploadId } = this.#parse(key, uploadId);
    // S3 needs Content-Length for a part; without it, learn it by buffering a bounded amount.
    const payload = size === undefined ? await readBounded(body, partNumber) : body;
    try {
      const { ETag } = await this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: staging,
          UploadId: s3UploadId,
          PartNumber: partNumber,
          Body: payload,
          ContentLength: size ?? (payload as Buffer).length,
        }),
      );
      return ETag ?? '';
    } catch (e) {
      throw this.#mapError(e, uploadId, `upload part ${partNumber} to '${key}'`);
    }
  }

  /** Joins the parts on the staging key and hashes the result; returns the staging key too. */
  async complete(key: string, uploadId: string, parts: CompletedPart[]): Promise<DigestResult & { staging: string }> {
    checkPartList(parts);
    const { staging, s3UploadId } = this.#parse(key, uploadId);
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: staging,
          UploadId: s3UploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: staging }));
      const digest = await sha256OfStream(Body as Readable);
      return { ...digest, staging };
    } catch (e) {
      if (['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall'].includes((e as Error).name)) {
        throw new InvalidParameter(`Cannot complete upload ${uploadId} to '${key}': ${(e as Error).message}`);
      }
      throw this.#mapError(e, uploadId, `complete a multipart upload to '${key}'`);
    }
  }

  async abort(key: string, uploadId: string): Promise<void> {
    const { staging, s3UploadId } = this.#parse(key, uploadId);
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: staging, UploadId: s3UploadId }));
    } catch (e) {
      throw this.#mapError(e, uploadId, `abort a multipart upload to '${key}'`);
    }
  }

  #parse(key: string, uploadId: string): { staging: string; s3UploadId: string } {
    assertUploadId(uploadId, UPLOAD_ID);
    const [, token, s3UploadId] = UPLOAD_ID.exec(uploadId)!;
    return { staging: this.#stagingKey(token!, key), s3UploadId: s3UploadId! };
  }

  #stagingKey(token: string, key: string): string {
    const pathHash = createHash('sha256').update(key).digest('hex').slice(0, 32);
    return `${this.stagingPrefix}mpu-${token}-${pathHash}`;
  }

  #mapError(e: unknown, uploadId: string, action: string): Error {
    if (isS3NoSuchUpload(e)) {
      return new NotFound(`No multipart upload ${uploadId} for this path: it was completed, aborted, or never started.`);
    }
    return toAppError(e, action, this.bucket);
  }
}

async function readBounded(body: Readable, partNumber: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += bytes.length;
    if (total > MAX_UNSIZED_PART_BYTES) {
      body.destroy();
      throw new InvalidParameter(
        `Part ${partNumber} is over ${MAX_UNSIZED_PART_BYTES} bytes and came without its size: send Content-Length.`,
      );
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
