/**
 * @module The local-folder ArtifactStore, Trainyard's default (`./trainyard-data/artifacts`).
 * Writes are atomic (temp file + fsync + rename), digests are recorded beside the tree, and every
 * path is checked lexically and against symlinks before any I/O. Multipart uploads are
 * implemented with part files (see `local-multipart.ts`) rather than refused, so the HTTP routes
 * offer one protocol whatever the store.
 *
 * Layout under the root: the artifacts themselves, plus `.trainyard/` (reserved; never listed)
 * holding `tmp/` (in-flight writes; a kill -9 can leave files here, never at a final path),
 * `meta/` (digest records) and `uploads/` (multipart parts).
 */
import { open, readdir, rmdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidParameter, NotFound } from '../core/errors.js';
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
import { assertValidByteRange, resolveByteRange } from './byte-range.js';
import { assertBodyMatches, checkPutOptions } from './input-rules.js';
import { sortEntries } from './list-order.js';
import { discardTempFile, errnoCode, publishTempFile, writeTempFile, type TempFile } from './local-atomic-file.js';
import { readDigestRecord, removeDigestRecords, writeDigestRecord } from './local-digest-record.js';
import { LocalMultipartUploads } from './local-multipart.js';
import { RESERVED_ROOT_ENTRY, assertRealPathInside, normalizeArtifactPath } from './safe-path.js';

/** Where local artifacts go when nothing else is configured (relative to the working folder). */
export const DEFAULT_LOCAL_ARTIFACT_ROOT = 'trainyard-data/artifacts';

/** Entries stat'ed at once while listing: enough to hide latency, few enough to spare file handles. */
const LIST_STAT_CONCURRENCY = 32;

/**
 * Artifacts in a local folder.
 *
 * @example
 * const store = new LocalArtifactStore('/data/trainyard/artifacts');
 * await store.put('1/abc/artifacts/model.pkl', createReadStream('model.pkl'));
 */
export class LocalArtifactStore implements ArtifactStore {
  /** Absolute path of the root folder; created on the first write. */
  readonly root: string;
  readonly uri: string;
  readonly #tmpDir: string;
  readonly #metaDir: string;
  readonly #uploads: LocalMultipartUploads;

  constructor(root: string = DEFAULT_LOCAL_ARTIFACT_ROOT) {
    this.root = path.resolve(root);
    this.uri = this.root;
    const own = path.join(this.root, RESERVED_ROOT_ENTRY);
    this.#tmpDir = path.join(own, 'tmp');
    this.#metaDir = path.join(own, 'meta');
    this.#uploads = new LocalMultipartUploads(path.join(own, 'uploads'), this.#tmpDir);
  }

  async put(userPath: string, body: Readable, options: PutOptions = {}): Promise<PutResult> {
    checkPutOptions(options);
    const { key, abs } = await this.#resolveFile(userPath);
    const temp = await writeTempFile(this.#tmpDir, body);
    try {
      assertBodyMatches(options, temp, userPath);
      await this.#publish(key, abs, temp, userPath);
    } catch (e) {
      await discardTempFile(temp.path);
      throw e;
    }
    return { size: temp.size, sha256: temp.sha256 };
  }

  async get(userPath: string, range?: ByteRange): Promise<ArtifactDownload> {
    if (range) assertValidByteRange(range, userPath);
    const { key, abs } = await this.#resolve(userPath);
    const handle = await open(abs, 'r').catch((e: unknown) => {
      throw isMissing(e) ? notFound(userPath) : e;
    });
    try {
      const stats = await handle.stat();
      if (!stats.isFile() || key === '') throw notFound(userPath, ' (it is a folder)');
      const served = range ? resolveByteRange(range, stats.size, userPath) : undefined;
      const sha256 = await readDigestRecord(this.#recordPath(key), stats);
      // The stream owns the handle from here and closes it when it ends or is destroyed.
      const stream = handle.createReadStream(served ?? {});
      return {
        stream,
        size: served ? served.end - served.start + 1 : stats.size,
        totalSize: stats.size,
        ...(served && { range: served }),
        ...(sha256 && { sha256 }),
      };
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async stat(userPath: string): Promise<ArtifactStat> {
    const { key, abs } = await this.#resolve(userPath);
    const stats = await stat(abs).catch((e: unknown) => {
      if (isMissing(e) && key === '') return null; // A root not yet created is an empty folder.
      throw isMissing(e) ? notFound(userPath) : e;
    });
    if (stats === null || stats.isDirectory()) return { path: key, isDir: true };
    if (!stats.isFile()) throw notFound(userPath, ' (it is not a regular file)');
    const sha256 = await readDigestRecord(this.#recordPath(key), stats);
    return { path: key, isDir: false, size: stats.size, modifiedAt: stats.mtime, ...(sha256 && { sha256 }) };
  }

  async list(dirPath = ''): Promise<ArtifactEntry[]> {
    const { key, abs } = await this.#resolve(dirPath);
    const dirents = await readdir(abs, { withFileTypes: true }).catch((e: unknown) => {
      if (isMissing(e)) return [];
      throw e;
    });
    const visible = dirents.filter((d) => key !== '' || d.name.toLowerCase() !== RESERVED_ROOT_ENTRY);
    const entries: ArtifactEntry[] = [];
    for (let i = 0; i < visible.length; i += LIST_STAT_CONCURRENCY) {
      const batch = visible.slice(i, i + LIST_STAT_CONCURRENCY);
      const described = await Promise.all(batch.map((d) => this.#describeEntry(abs, d.name, dirPath)));
      for (const entry of described) if (entry) entries.push(entry);
    }
    return sortEntries(entries);
  }

  async delete(userPath: string): Promise<void> {
    const { key, abs } = await this.#resolve(userPath);
    if (key === '') throw refuseRootDelete(userPath);
    await rm(abs, { recursive: true, force: true });
    await removeDigestRecords(this.#recordPath(key));
    await this.#pruneEmptyParents(path.dirname(abs));
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
    const { key } = await this.#resolveFile(userPath);
    return this.#uploads.create(key);
  }

  async uploadPart(
    userPath: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    _options?: UploadPartOptions,
  ): Promise<string> {
    const key = normalizeArtifactPath(userPath);
    return this.#uploads.uploadPart(key, uploadId, partNumber, body);
  }

  async completeMultipartUpload(userPath: string, uploadId: string, parts: CompletedPart[]): Promise<PutResult> {
    const { key, abs } = await this.#resolveFile(userPath);
    const temp = await this.#uploads.assemble(key, uploadId, parts);
    try {
      await this.#publish(key, abs, temp, userPath);
    } catch (e) {
      await discardTempFile(temp.path);
      throw e;
    }
    await this.#uploads.remove(uploadId);
    return { size: temp.size, sha256: temp.sha256 };
  }

  async abortMultipartUpload(userPath: string, uploadId: string): Promise<void> {
    await this.#uploads.abort(normalizeArtifactPath(userPath), uploadId);
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  /** Validates a path, maps it under the root and checks symlinks on the way; reads only. */
  async #resolve(userPath: string): Promise<{ key: string; abs: string }> {
    const key = normalizeArtifactPath(userPath);
    const abs = key === '' ? this.root : path.join(this.root, key);
    await assertRealPathInside(this.root, abs, userPath);
    return { key, abs };
  }

  /** Like `#resolve`, for operations that need a file path rather than the root. */
  async #resolveFile(userPath: string): Promise<{ key: string; abs: string }> {
    const resolved = await this.#resolve(userPath);
    if (resolved.key === '') {
      throw new InvalidParameter(`Artifact path ${JSON.stringify(userPath)} names the root folder; give a file path.`);
    }
    return resolved;
  }

  async #publish(key: string, abs: string, temp: TempFile, userPath: string): Promise<void> {
    // The record is written first: it is the truth of what Trainyard stored, so a download can
    // detect a file changed behind Trainyard's back. A crash between the two steps leaves the old
    // file with the new digest, which verification reports; the client's retried put fixes it.
    const { sha256, size, ino, mtimeMs } = temp;
    await writeDigestRecord(this.#recordPath(key), this.#tmpDir, { sha256, size, ino, mtimeMs });
    await publishTempFile(temp.path, abs, userPath);
  }

  #recordPath(key: string): string {
    return path.join(this.#metaDir, key);
  }

  async #describeEntry(dirAbs: string, name: string, dirPath: string): Promise<ArtifactEntry | undefined> {
    const abs = path.join(dirAbs, name);
    try {
      // Follows symlinks, after refusing any that leave the root (they are not listed).
      await assertRealPathInside(this.root, abs, `${dirPath}/${name}`);
      const stats = await stat(abs);
      if (stats.isDirectory()) return { path: name, isDir: true };
      if (stats.isFile()) return { path: name, isDir: false, size: stats.size };
      return undefined;
    } catch (e) {
      if (e instanceof InvalidParameter || isMissing(e)) return undefined;
      throw e;
    }
  }

  /** S3 has no empty folders; removing ours after a delete keeps `list` the same on both. */
  async #pruneEmptyParents(dir: string): Promise<void> {
    for (let current = dir; current.startsWith(this.root + path.sep); current = path.dirname(current)) {
      try {
        await rmdir(current);
      } catch {
        return; // Not empty (or already gone): everything above is in use too.
      }
    }
  }
}

function isMissing(e: unknown): boolean {
  const code = errnoCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function notFound(userPath: string, why = ''): NotFound {
  return new NotFound(`No artifact file at ${JSON.stringify(userPath)}${why}.`);
}

function refuseRootDelete(userPath: string): InvalidParameter {
  return new InvalidParameter(
    `Artifact path ${JSON.stringify(userPath)} names the root folder; delete the paths inside it instead.`,
  );
}
