import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { sha256OfFile } from '../../artifacts/index.js';
import { AppError } from '../../core/errors.js';
import type { FileDigest } from './manifest.js';

/**
 * @module Digests of a package folder on disk, and their verification: what `logModel` records
 * and what `load` checks before handing back a path.
 */

/** Every regular file under `dir` ('/'-separated relative paths), sorted. Symlinks are skipped. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

export async function digestFolder(dir: string, skip: (path: string) => boolean = () => false): Promise<Record<string, FileDigest>> {
  const out: Record<string, FileDigest> = {};
  for (const rel of listFiles(dir)) {
    if (skip(rel)) continue;
    const { sha256, size } = await sha256OfFile(join(dir, ...rel.split('/')));
    out[rel] = { sha256, size };
  }
  return out;
}

/** A file that does not match its recorded digest: the message names the file and both digests. */
export class IntegrityError extends AppError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('INVALID_STATE', message);
    this.name = 'IntegrityError';
  }
}

/**
 * Checks that every expected file exists under `dir` with the expected sha256 and size.
 * @throws IntegrityError naming the first file that is missing or differs.
 */
export async function verifyFolder(dir: string, expected: Record<string, FileDigest>, what: string): Promise<void> {
  for (const [rel, want] of Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const file = join(dir, ...rel.split('/'));
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw new IntegrityError(rel, `Integrity check failed for ${what}: file '${rel}' is missing.`);
    }
    const got = size === want.size ? (await sha256OfFile(file)).sha256 : undefined;
    if (got !== want.sha256) {
      throw new IntegrityError(
        rel,
        `Integrity check failed for ${what}: file '${rel}' has ${got ? `sha256 ${got}` : `${size} bytes`} but ${got ? `sha256 ${want.sha256}` : `${want.size} bytes`} was recorded; it was modified after registration.`,
      );
    }
  }
}
