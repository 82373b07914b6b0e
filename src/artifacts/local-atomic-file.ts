/**
 * @module Atomic file writes for the local adapter: stream into a temp file on the same file
 * system, fsync it, rename it over the destination, fsync the folder. A reader (or a process
 * restarted after kill -9) sees the old file or the new one, never half of one.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Conflict } from '../core/errors.js';
import { Sha256Tap } from './digest.js';

/** A fully written, fsynced temp file and what identifies it after the rename. */
export interface TempFile {
  path: string;
  sha256: string;
  size: number;
  /** Inode and mtime survive `rename`; the digest record keys on them to spot later edits. */
  ino: number;
  mtimeMs: number;
}

/** Streams `body` into a new file under `tmpDir` (created if needed), hashing and fsyncing it. */
export async function writeTempFile(tmpDir: string, body: Readable): Promise<TempFile> {
  await mkdir(tmpDir, { recursive: true });
  const tempPath = path.join(tmpDir, randomUUID());
  try {
    const tap = new Sha256Tap();
    // `flush` fsyncs before the stream closes, so the bytes are on disk before any rename.
    await pipeline(body, tap, createWriteStream(tempPath, { flags: 'wx', flush: true }));
    const stats = await stat(tempPath);
    return { path: tempPath, ...tap.result(), ino: stats.ino, mtimeMs: stats.mtimeMs };
  } catch (e) {
    await discardTempFile(tempPath);
    throw e;
  }
}

/**
 * Renames a temp file to `destPath`, creating parent folders. `displayPath` names the artifact in
 * errors. A folder where the file should go, or a file where a folder should, is a `Conflict`.
 */
export async function publishTempFile(tempPath: string, destPath: string, displayPath: string): Promise<void> {
  const dir = path.dirname(destPath);
  // A concurrent delete prunes empty folders; if it removes ours between mkdir and rename, the
  // rename fails with ENOENT and one more mkdir fixes it. Three tries are plenty.
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOTDIR' || code === 'EEXIST') {
        throw new Conflict(`Cannot write ${JSON.stringify(displayPath)}: one of its parent folders is a file.`);
      }
      throw e;
    }
    try {
      await rename(tempPath, destPath);
      break;
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' && attempt < 3) continue;
      if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw new Conflict(`Cannot write ${JSON.stringify(displayPath)}: a folder of that name exists; delete it first.`);
      }
      throw e;
    }
  }
  await fsyncDir(dir);
}

/** Removes a temp file, ignoring one that is already gone. */
export async function discardTempFile(tempPath: string): Promise<void> {
  await rm(tempPath, { force: true });
}

/** Makes a rename durable: without it a power cut can forget the new directory entry. */
async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}
