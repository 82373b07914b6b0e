/**
 * @module The local adapter's record of each file's sha256, so `stat` and `get` can report it
 * without re-reading the file. Records live in a mirror tree under `<root>/.trainyard/meta/`.
 *
 * A record is the digest of what Trainyard stored at that path. It is reported even when the
 * file's size, inode or mtime no longer match, so a file edited or replaced behind Trainyard's
 * back fails download verification instead of silently losing its digest.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isSha256Hex } from './digest.js';

/** What identifies the file version a digest belongs to. */
export interface FileIdentity {
  size: number;
  ino: number;
  mtimeMs: number;
}

export interface DigestRecord extends FileIdentity {
  sha256: string;
}

/** The recorded sha256 when the record matches `file`, else undefined. */
export async function readDigestRecord(recordPath: string, file: FileIdentity): Promise<string | undefined> {
  let record: Partial<DigestRecord>;
  try {
    record = JSON.parse(await readFile(recordPath, 'utf8')) as Partial<DigestRecord>;
  } catch {
    return undefined; // Missing, a folder, or torn by a crash: all mean "not recorded".
  }
  void file;
  return isSha256Hex(record.sha256) ? record.sha256 : undefined;
}

/** Writes a record through a temp file in `tmpDir`; failures only cost the cached digest. */
export async function writeDigestRecord(recordPath: string, tmpDir: string, record: DigestRecord): Promise<void> {
  const tempPath = path.join(tmpDir, `${randomUUID()}.json`);
  try {
    await mkdir(path.dirname(recordPath), { recursive: true });
    await writeFile(tempPath, JSON.stringify(record));
    await rename(tempPath, recordPath);
  } catch {
    // A stale record or folder in the way (left by a crash) blocks us; clear it and go on without.
    await rm(tempPath, { force: true }).catch(() => {});
    await rm(recordPath, { recursive: true, force: true }).catch(() => {});
  }
}

/** Removes the record of a file, or every record under a folder. */
export async function removeDigestRecords(recordPath: string): Promise<void> {
  await rm(recordPath, { recursive: true, force: true });
}
