/**
 * @module The S3-compatible ArtifactStore (`s3://bucket/prefix`): AWS S3, MinIO, Ceph, R2 and
 * friends. Every object Trainyard writes carries its sha256 as metadata (`x-amz-meta-sha256`).
 *
 * How `put` gets both atomicity and the digest: a body of up to one part (5 MiB) is read, hashed
 * and sent as one PutObject with the digest attached. A larger body streams through lib-storage's
 * `Upload` (multipart, a few parts in memory at a time) to a staging key under
 * `<prefix>/.trainyard/tmp/`, then is copied server-side to its path with the digest, and the
 * staging object is deleted. Readers see the old object or the new one, never a part, and never
 * one without its digest. A crash between the steps can leave staging objects and unfinished
 * multipart uploads behind: give the bucket a lifecycle rule expiring `<prefix>/.trainyard/` and
 * aborting incomplete multipart uploads after a day.
 */
import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AppError, InvalidParameter, NotFound } from '../core/errors.js';
import type {
  ArtifactDownload,
  ArtifactEntry,
  ArtifactStat,
  ArtifactStore,
  ByteRange,
  CompletedPart,
  PutOptions,
  PutResult,
  UploadPartOptions,
} from './artifact-store.js';
import { assertValidByteRange, formatByteRange, rangeNotSatisfiable } from './byte-range.js';
import { Sha256Tap, isSha256Hex } from './digest.js';
import { assertBodyMatches, checkPutOptions } from './input-rules.js';
import { sortEntries } from './list-order.js';
import { RESERVED_ROOT_ENTRY, normalizeArtifactPath } from './safe-path.js';
import { s3OptionsFromEnv, type S3ArtifactStoreOptions } from './s3-config.js';
import { copyWithMetadata } from './s3-copy.js';
import { isS3NoSuchKey, s3ErrorCode, toAppError } from './s3-errors.js';
import { deletePrefix, hasObjectsUnder, listOneLevel } from './s3-listing.js';
import { S3MultipartUploads } from './s3-multipart.js';
import { readHead } from './stream-head.js';

/**
 * Part size and parts in flight for `put`. Measured with a 256 MiB body on s3rver, peak RSS over a
 * ~80 MB baseline: 5 MiB x 2 added ~57 MB, 5 MiB x 4 ~92 MB, 8 MiB x 4 ~135 MB (lib-storage
 * copies each part, and freed buffers wait for GC). 5 MiB x 2 keeps a 1 GB transfer well under
 * the 200 MB bound; raise queueSize for throughput where memory allows.
 */
const DEFAULT_PART_SIZE = 5 * 1024 ** 2;
const DEFAULT_QUEUE_SIZE = 2;
/** S3 allows 10,000 parts; bodies of known size get parts large enough to fit. */
const MAX_PARTS = 10_000;
const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
const SHA256_METADATA = 'sha256';

/**
 * Artifacts in an S3-compatible bucket, under an optional key prefix.
 *
 * @example
 * const store = S3ArtifactStore.fromUri('s3://ml-artifacts/team-a'); // endpoint etc. from AWS_* env
 * await store.put('1/abc/artifacts/model.pkl', createReadStream('model.pkl'));
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly uri: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  /** '' or 'some/prefix/': what every key starts with. */
  readonly #keyPrefix: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #uploads: S3MultipartUploads;

  /** Opens `s3://bucket/prefix`, taking endpoint, region and credentials from AWS_* variables. */
  static fromUri(uri: string, env: NodeJS.ProcessEnv = process.env): S3ArtifactStore {
    return new S3ArtifactStore(s3OptionsFromEnv(uri, env));
  }

  constructor(options: S3ArtifactStoreOptions) {
    const prefix = normalizeArtifactPath(options.prefix ?? '');
    this.#bucket = options.bucket;
    this.#keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.uri = `s3://${options.bucket}/${prefix}`;
    this.#partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.#queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    this.#client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint && { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      ...(options.credentials && { credentials: options.credentials }),
      // SDK 3.729+ adds CRC32 trailers to every upload by default; many S3-compatible servers
      // (older MinIO, Ceph, s3rver) reject or mis-store those bodies. Checksums only where required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.#uploads = new S3MultipartUploads(this.#client, this.#bucket, this.#stagingPrefix());
  }

  async put(userPath: string, body: Readable, options: PutOptions = {}): Promise<PutResult> {
    checkPutOptions(options);
    const key = this.#fileKey(userPath);
    if ((options.size ?? 0) > MAX_OBJECT_BYTES) {
      throw new InvalidParameter(`Body for ${JSON.stringify(userPath)} is over S3's 5 TiB object limit.`);
    }
    // Parts grow only as far as a known size needs (5 TiB -> ~525 MiB parts); memory grows with them.
    const partSize = Math.max(this.#partSize, Math.ceil((options.size ?? 0) / MAX_PARTS));
    const tap = new Sha256Tap();
    const hashed = pipeline(body, tap, () => {}); // Errors reach readers of `tap`.
    const head = await readHead(hashed, this.#partSize);
    try {
      if (head.kind === 'whole') {
        const { sha256, size } = tap.result();
        assertBodyMatches(options, { sha256, size }, userPath);
        await this.#client.send(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: key,
            Body: head.bytes,
            ContentLength: size,
            Metadata: { [SHA256_METADATA]: sha256 },
          }),
        );
        return { size, sha256 };
      }
      return await this.#putLarge(key, head.stream, tap, partSize, userPath, options);
    } catch (e) {
      if (e instanceof Error && /^Exceeded \d+ parts/.test(e.message)) {
        throw new InvalidParameter(
          `Body for ${JSON.stringify(userPath)} is over ${MAX_PARTS} parts of ${partSize} bytes: pass its size so the parts can grow.`,
        );
      }
      throw toAppError(e, `put '${userPath}'`, this.#bucket);
    }
  }

  async get(userPath: string, range?: ByteRange): Promise<ArtifactDownload> {
    if (range) assertValidByteRange(range, userPath);
    const relative = normalizeArtifactPath(userPath);
    if (relative === '') throw notFound(userPath);
    const key = this.#objectKey(relative);
    let response;
    try {
      response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: key, ...(range && { Range: formatByteRange(range) }) }),
      );
    } catch (e) {
      if (isS3NoSuchKey(e)) throw notFound(userPath);
      if (s3ErrorCode(e) === 'InvalidRange') throw rangeNotSatisfiable(range!, userPath);
      throw toAppError(e, `get '${userPath}'`, this.#bucket);
    }
    const stream = response.Body as Readable;
    const length = response.ContentLength ?? 0;
    const sha256 = sha256FromMetadata(response.Metadata);
    if (!range) return { stream, size: length, totalSize: length, ...(sha256 && { sha256 }) };
    const served = parseContentRange(response.ContentRange);
    if (!served) {
      stream.destroy();
      throw new AppError('INTERNAL_ERROR', `The S3 server ignored the Range header for '${userPath}'.`);
    }
    if (served.start >= served.total) {
      // AWS answers 416 here; some S3-compatible servers serve `bytes 0-0/0` for an empty object.
      stream.destroy();
      throw rangeNotSatisfiable(range, userPath, served.total);
    }
    return { stream, size: length, totalSize: served.total, range: { start: served.start, end: served.end }, ...(sha256 && { sha256 }) };
  }

  async stat(userPath: string): Promise<ArtifactStat> {
    const relative = normalizeArtifactPath(userPath);
    if (relative === '') return { path: '', isDir: true };
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#objectKey(relative) }));
      const sha256 = sha256FromMetadata(head.Metadata);
      return {
        path: relative,
        isDir: false,
        size: head.ContentLength ?? 0,
        modifiedAt: head.LastModified ?? new Date(0),
        ...(sha256 && { sha256 }),
      };
    } catch (e) {
      if (!isS3NoSuchKey(e)) throw toAppError(e, `stat '${userPath}'`, this.#bucket);
    }
    const isDir = await hasObjectsUnder(this.#client, this.#bucket, `${this.#objectKey(relative)}/`).catch((e: unknown) => {
      throw toAppError(e, `stat '${userPath}'`, this.#bucket);
    });
    if (isDir) return { path: relative, isDir: true };
    throw notFound(userPath);
  }

  async list(dirPath = ''): Promise<ArtifactEntry[]> {
    const relative = normalizeArtifactPath(dirPath);
    const prefix = relative === '' ? this.#keyPrefix : `${this.#objectKey(relative)}/`;
    let entries: ArtifactEntry[];
    try {
      entries = await listOneLevel(this.#client, this.#bucket, prefix);
    } catch (e) {
      throw toAppError(e, `list '${dirPath}'`, this.#bucket);
    }
    const visible = relative === '' ? entries.filter((e) => e.path.toLowerCase() !== RESERVED_ROOT_ENTRY) : entries;
    return sortEntries(visible);
  }

  async delete(userPath: string): Promise<void> {
    const relative = normalizeArtifactPath(userPath);
    if (relative === '') {
      throw new InvalidParameter(`Artifact path ${JSON.stringify(userPath)} names the root; delete the paths inside it instead.`);
    }
    const key = this.#objectKey(relative);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
      await deletePrefix(this.#client, this.#bucket, `${key}/`);
    } catch (e) {
      throw toAppError(e, `delete '${userPath}'`, this.#bucket);
    }
  }

  async exists(userPath: string): Promise<boolean> {
    try {
      await this.stat(userPath);
      return true;
    } catch (e) {
      if (e instanceof NotFound) return false;
      throw e;
    }
  }

  async createMultipartUpload(userPath: string): Promise<string> {
    return this.#uploads.create(this.#fileKey(userPath));
  }

  async uploadPart(userPath: string, uploadId: string, partNumber: number, body: Readable, options: UploadPartOptions = {}): Promise<string> {
    return this.#uploads.uploadPart(this.#fileKey(userPath), uploadId, partNumber, body, options.size);
  }

  async completeMultipartUpload(userPath: string, uploadId: string, parts: CompletedPart[]): Promise<PutResult> {
    const key = this.#fileKey(userPath);
    const { staging, size, sha256 } = await this.#uploads.complete(key, uploadId, parts);
    await this.#publish(staging, key, size, sha256, userPath);
    return { size, sha256 };
  }

  async abortMultipartUpload(userPath: string, uploadId: string): Promise<void> {
    await this.#uploads.abort(this.#fileKey(userPath), uploadId);
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  async #putLarge(key: string, body: Readable, tap: Sha256Tap, partSize: number, userPath: string, options: PutOptions): Promise<PutResult> {
    const staging = `${this.#stagingPrefix()}${randomUUID()}`;
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: staging, Body: body },
      partSize,
      queueSize: this.#queueSize,
    });
    try {
      await upload.done();
    } catch (e) {
      body.destroy();
      throw e;
    }
    const { size, sha256 } = tap.result();
    try {
      assertBodyMatches(options, { size, sha256 }, userPath);
    } catch (e) {
      await this.#deleteQuietly(staging);
      throw e;
    }
    await this.#publish(staging, key, size, sha256, userPath);
    return { size, sha256 };
  }

  /** Copies a staged object to its key with the digest attached, then drops the staging copy. */
  async #publish(staging: string, key: string, size: number, sha256: string, userPath: string): Promise<void> {
    try {
      await copyWithMetadata(this.#client, { bucket: this.#bucket, from: staging, to: key, size, metadata: { [SHA256_METADATA]: sha256 } });
    } catch (e) {
      throw toAppError(e, `publish '${userPath}'`, this.#bucket);
    } finally {
      await this.#deleteQuietly(staging);
    }
  }

  async #deleteQuietly(key: string): Promise<void> {
    // A leftover staging object is garbage for the lifecycle rule, not an error for the caller.
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key })).catch(() => {});
  }

  #objectKey(relative: string): string {
    return relative === '' ? this.#keyPrefix : `${this.#keyPrefix}${relative}`;
  }

  /** A validated key for a file (the root is refused). */
  #fileKey(userPath: string): string {
    const relative = normalizeArtifactPath(userPath);
    if (relative === '') {
      throw new InvalidParameter(`Artifact path ${JSON.stringify(userPath)} names the root; give a file path.`);
    }
    return this.#objectKey(relative);
  }

  #stagingPrefix(): string {
    return `${this.#keyPrefix}${RESERVED_ROOT_ENTRY}/tmp/`;
  }
}

function sha256FromMetadata(metadata: Record<string, string> | undefined): string | undefined {
  const value = metadata?.[SHA256_METADATA];
  return isSha256Hex(value) ? value : undefined;
}

function parseContentRange(header: string | undefined): { start: number; end: number; total: number } | undefined {
  const match = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header) : null;
  return match ? { start: Number(match[1]), end: Number(match[2]), total: Number(match[3]) } : undefined;
}

function notFound(userPath: string): NotFound {
  return new NotFound(`No artifact file at ${JSON.stringify(userPath)}.`);
}
