/**
 * @module The ArtifactStore contract: where run artifacts, dataset files and model packages live.
 * Two adapters implement it (local folder, S3-compatible) and one conformance suite
 * (`artifact-store.contract.ts`) holds both to the same behaviour.
 *
 * Every path is relative to the store's root, '/'-separated, and validated by `safe-path.ts`
 * before anything touches storage: a path that escapes the root is an `InvalidParameter`.
 * Bodies stream in and out; no method holds a whole file in memory, so a 1 GB transfer through
 * the server stays far below 200 MB of RSS.
 */
import type { Readable } from 'node:stream';

/** What a finished write reports: the bytes stored and their sha256 (lowercase hex). */
export interface PutResult {
  size: number;
  sha256: string;
}

export interface PutOptions {
  /**
   * The body's length when known (HTTP `Content-Length`). A body of another length is discarded
   * with `InvalidParameter`; on S3 it also sizes the parts, which bodies over ~48 GiB need.
   */
  size?: number;
  /**
   * The sha256 (hex) the caller expects. On a mismatch the write is discarded, whatever was at
   * the path before stays, and `put` throws `InvalidParameter`.
   */
  expectedSha256?: string;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`; `end` past the file is clamped. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ArtifactDownload {
  stream: Readable;
  /** Bytes `stream` yields: the range's length when a range was asked, else the file's size. */
  size: number;
  /** Size of the whole file (for `Content-Range`). */
  totalSize: number;
  /** The range served, end clamped to the file, when one was asked. */
  range?: { start: number; end: number };
  /** The whole file's sha256 when the store recorded it (Trainyard's own writes always do). */
  sha256?: string;
}

/** `stat` of a file or a directory (a directory on S3 is a prefix with at least one object). */
export type ArtifactStat =
  | { path: string; isDir: false; size: number; sha256?: string; modifiedAt: Date }
  | { path: string; isDir: true };

/** One entry of `list`: `path` is the entry's name inside the listed directory (its basename). */
export type ArtifactEntry = { path: string; isDir: false; size: number } | { path: string; isDir: true };

/** A part handed to `completeMultipartUpload`: the number and the etag `uploadPart` returned. */
export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface UploadPartOptions {
  /** The part's length in bytes when known (HTTP `Content-Length`); S3 needs it to stream. */
  size?: number;
}

/**
 * The storage every domain goes through for files. Adapters own their connections and expose no
 * SDK types. Errors: `InvalidParameter` for a bad path, range or digest; `NotFound` for a missing
 * file or upload; `Conflict` where a file and a directory would share a name (local only).
 *
 * @example
 * const store = openArtifactStore('s3://bucket/prefix');
 * const { sha256 } = await store.put('model/weights.bin', createReadStream('weights.bin'));
 * const { stream } = await store.get('model/weights.bin', { start: 0, end: 1023 });
 */
export interface ArtifactStore {
  /** Where the store lives, e.g. `/abs/trainyard-data/artifacts` or `s3://bucket/prefix`. */
  readonly uri: string;

  /** Streams `body` to `path`, hashing as it goes. Readers see the old file or the new one, never a part. */
  put(path: string, body: Readable, options?: PutOptions): Promise<PutResult>;
  /** Opens a file for reading, whole or one range. A directory or a missing file is `NotFound`. */
  get(path: string, range?: ByteRange): Promise<ArtifactDownload>;
  /** Describes a file or a directory; `''` is the root. Missing is `NotFound`. */
  stat(path: string): Promise<ArtifactStat>;
  /** One level of a directory, sorted by name; a missing directory or a file lists as `[]`. */
  list(dirPath?: string): Promise<ArtifactEntry[]>;
  /** Deletes a file or a whole directory (prefix). Deleting what is not there is not an error. */
  delete(path: string): Promise<void>;
  /** True for an existing file or directory. */
  exists(path: string): Promise<boolean>;

  /** Starts a multipart upload to `path`; the returned id is opaque. */
  createMultipartUpload(path: string): Promise<string>;
  /** Stores part `partNumber` (1..10000) and returns its etag; re-sending a number replaces it. */
  uploadPart(
    path: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    options?: UploadPartOptions,
  ): Promise<string>;
  /** Joins the parts in ascending order into the file at `path`, atomically, recording its sha256. */
  completeMultipartUpload(path: string, uploadId: string, parts: CompletedPart[]): Promise<PutResult>;
  /** Drops an unfinished upload and its parts. An unknown upload is `NotFound`. */
  abortMultipartUpload(path: string, uploadId: string): Promise<void>;

  /** Releases connections. The store is unusable afterwards. */
  close(): Promise<void>;
}
