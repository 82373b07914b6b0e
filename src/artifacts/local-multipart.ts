/**
 * @module Multipart uploads for the local adapter, so callers (and the HTTP routes) use one
 * protocol whatever the store. Each upload is a folder `<root>/.trainyard/uploads/<id>/` holding
 * the target path and one file per part, named `<partNumber>-<sha256>`; the part's sha256 is its
 * etag. Completing concatenates the named parts into a temp file that the store then publishes
 * like any `put`. Nothing is kept in memory, so uploads survive a server restart.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { InvalidParameter, NotFound } from '../core/errors.js';
import type { CompletedPart } from './artifact-store.js';
import { discardTempFile, errnoCode, writeTempFile, type TempFile } from './local-atomic-file.js';
import { assertUploadId, checkPartNumber, checkPartList } from './input-rules.js';

export class LocalMultipartUploads {
  constructor(
    private readonly uploadsDir: string,
    private readonly tmpDir: string,
  ) {}

  /** Opens an upload for `key` (already validated) and returns its id. */
  async create(key: string): Promise<string> {
    const uploadId = randomBytes(16).toString('hex');
    const dir = path.join(this.uploadsDir, uploadId);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'target'), key);
    return uploadId;
  }

  /** Streams one part to disk; its sha256 is the etag. */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable): Promise<string> {
    checkPartNumber(partNumber);
    const dir = await this.openUpload(key, uploadId);
    const part = await writeTempFile(this.tmpDir, body);
    try {
      await rename(part.path, path.join(dir, `${partNumber}-${part.sha256}`));
    } catch (e) {
      await discardTempFile(part.path);
      if (errnoCode(e) === 'ENOENT') throw noSuchUpload(uploadId); // Aborted while we wrote.
      throw e;
    }
    return part.sha256;
  }

  /** Joins the listed parts into one temp file; the caller publishes it, then calls `remove`. */
  async assemble(key: string, uploadId: string, parts: CompletedPart[]): Promise<TempFile> {
    checkPartList(parts);
    const dir = await this.openUpload(key, uploadId);
    const files = parts.map((p) => path.join(dir, `${p.partNumber}-${p.etag.replaceAll('"', '')}`));
    for (const [i, file] of files.entries()) {
      const found = await stat(file).then(() => true, () => false);
      if (!found) {
        throw new InvalidParameter(
          `Part ${parts[i]!.partNumber} with etag ${parts[i]!.etag} was not uploaded to upload ${uploadId}.`,
        );
      }
    }
    return writeTempFile(this.tmpDir, Readable.from(concatFiles(files)));
  }

  /** Deletes an upload and its parts; an unknown upload is `NotFound`. */
  async abort(key: string, uploadId: string): Promise<void> {
    const dir = await this.openUpload(key, uploadId);
    await rm(dir, { recursive: true, force: true });
  }

  /** Deletes a completed upload's leftovers. */
  async remove(uploadId: string): Promise<void> {
    await rm(path.join(this.uploadsDir, uploadId), { recursive: true, force: true });
  }

  /** The upload's folder, after checking the id's shape and that it was opened for `key`. */
  private async openUpload(key: string, uploadId: string): Promise<string> {
    assertUploadId(uploadId, /^[0-9a-f]{32}$/);
    const dir = path.join(this.uploadsDir, uploadId);
    let target: string;
    try {
      target = await readFile(path.join(dir, 'target'), 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw noSuchUpload(uploadId);
      throw e;
    }
    if (target !== key) {
      // NotFound, as on S3, where an upload id only exists together with its path.
      throw new NotFound(`No multipart upload ${uploadId} for ${JSON.stringify(key)}: it was opened for ${JSON.stringify(target)}.`);
    }
    return dir;
  }
}

async function* concatFiles(files: string[]): AsyncGenerator<Buffer> {
  for (const file of files) {
    for await (const chunk of createReadStream(file)) yield chunk as Buffer;
  }
}

function noSuchUpload(uploadId: string): NotFound {
  return new NotFound(`No multipart upload ${uploadId}: it was completed, aborted, or never started.`);
}
