/**
 * @module Path safety for artifact stores: a caller-supplied path may name anything under the
 * store's (or a run's) root and nothing outside it. Checks are pure string work, so a rejected
 * path touches nothing on disk or in a bucket; the symlink check only reads.
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { InvalidParameter } from '../core/errors.js';

/**
 * The store-root entry Trainyard keeps for itself (temp files, digest records, multipart parts).
 * Compared case-insensitively because macOS and Windows file systems are, and `.Trainyard` would
 * otherwise reach the same folder.
 */
export const RESERVED_ROOT_ENTRY = '.trainyard';

/** S3's key limit is 1024 bytes; holding local paths to the same keeps both adapters alike. */
export const MAX_ARTIFACT_PATH_BYTES = 1024;

/**
 * An HTTP path is decoded once before it reaches us; anything still percent-encoded is decoded
 * again here, up to this many times, so `%2e%2e` and `%252e%252e` are seen for what they mean.
 */
const MAX_DECODE_DEPTH = 4;

/**
 * Validates a caller-supplied artifact path and returns it normalized: relative, '/'-separated,
 * without '.' or empty segments; `''` is the root. The stored name is the path as given (a literal
 * `a%20b` stays `a%20b`); decoding is only used to look for hidden traversal.
 *
 * @throws InvalidParameter naming the path: `..` segments, absolute or drive paths, backslashes,
 *   NUL, any of these behind percent-encoding, the reserved root entry, or over 1024 bytes.
 * @example
 * normalizeArtifactPath('./model//weights.bin'); // 'model/weights.bin'
 * normalizeArtifactPath('%2e%2e/etc/passwd');    // throws InvalidParameter
 */
export function normalizeArtifactPath(userPath: string): string {
  if (typeof userPath !== 'string') throw new InvalidParameter('Artifact path must be a string.');
  const problem = findProblem(userPath);
  if (problem) throw reject(userPath, problem);
  const normalized = userPath
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
  const first = normalized.split('/', 1)[0]!;
  if (first.toLowerCase() === RESERVED_ROOT_ENTRY) {
    throw reject(userPath, `'${RESERVED_ROOT_ENTRY}' at the root is reserved for Trainyard's own files`);
  }
  return normalized;
}

/**
 * Joins `userPath` under `root` after validating it, and proves lexically that the result stays
 * inside. `root` is trusted: a local absolute folder or an object-key prefix (e.g. a run's
 * `1/abc123/artifacts`).
 *
 * @example
 * resolveSafeArtifactPath('/data/artifacts', 'run/model.pkl'); // '/data/artifacts/run/model.pkl'
 * resolveSafeArtifactPath('/data/artifacts', '../secrets');    // throws InvalidParameter
 */
export function resolveSafeArtifactPath(root: string, userPath: string): string {
  const relative = normalizeArtifactPath(userPath);
  if (relative === '') return root;
  const joined = path.posix.join(root, relative);
  const base = path.posix.join(root, '.');
  // Belt and braces: normalizeArtifactPath already refused every way out.
  const inside = base === '.' ? !joined.startsWith('../') : joined.startsWith(base.endsWith('/') ? base : `${base}/`);
  if (!inside) throw reject(userPath, 'it resolves outside the root');
  return joined;
}

/**
 * Local adapter only: rejects when `target`, or its deepest existing ancestor, is reached through
 * a symlink whose real path leaves `root`. A dangling symlink on the way is rejected too, since
 * creating through it would write wherever it points. Reads only (lstat, readlink, realpath).
 * A symlink swapped in between this check and the write is not caught; that takes write access to
 * the artifact folder, which already gives everything away.
 */
export async function assertRealPathInside(root: string, target: string, userPath: string): Promise<void> {
  const realRoot = await realpathOrNull(root);
  if (realRoot === null) return; // No root yet: nothing under it can be a symlink.
  let probe = target;
  for (;;) {
    const real = await realpathOrNull(probe);
    if (real !== null) {
      if (real !== realRoot && !real.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep)) {
        throw reject(userPath, 'it goes through a symlink that leaves the artifact root');
      }
      return;
    }
    if (await isSymlink(probe)) {
      throw reject(userPath, `it goes through a symlink whose target is missing (${await readlink(probe)})`);
    }
    const parent = path.dirname(probe);
    if (parent === probe) return;
    probe = parent;
  }
}

function findProblem(userPath: string): string | undefined {
  if (Buffer.byteLength(userPath) > MAX_ARTIFACT_PATH_BYTES) {
    return `it is longer than ${MAX_ARTIFACT_PATH_BYTES} bytes`;
  }
  // File systems refuse longer names (ENAMETOOLONG); S3 keys live with the same rule.
  if (userPath.split('/').some((segment) => Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)) return `a folder or file name in it is longer than ${MAX_SEGMENT_BYTES} bytes`;
  const forms = decodedForms(userPath);
  if (forms === null) return `it is percent-encoded more than ${MAX_DECODE_DEPTH} times`;
  for (const [depth, form] of forms.entries()) {
    const hidden = depth === 0 ? '' : ' (after percent-decoding)';
    if (form.includes('\0')) return `it contains a NUL byte${hidden}`;
    if (form.includes('\\')) return `it contains a backslash${hidden}; use '/' between folders`;
    if (form.startsWith('/')) return `it is absolute${hidden}; give a path relative to the artifact root`;
    if (/^[a-zA-Z]:/.test(form)) return `it starts with a drive letter${hidden}`;
    if (form.split('/').includes('..')) return `it contains a '..' segment${hidden}`;
  }
  return undefined;
}

/** The path and each successive percent-decoding of it; null when it never settles. */
function decodedForms(userPath: string): string[] | null {
  const forms = [userPath];
  let current = userPath;
  for (let depth = 0; depth < MAX_DECODE_DEPTH; depth++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return forms; // Not valid percent-encoding (e.g. a literal '100%'): taken as plain text.
    }
    if (next === current) return forms;
    forms.push(next);
    current = next;
  }
  return /%[0-9a-fA-F]{2}/.test(current) ? null : forms;
}

const MAX_SEGMENT_BYTES = 255;

function reject(userPath: string, reason: string): InvalidParameter {
  const shown = userPath.length > 200 ? `${JSON.stringify(userPath.slice(0, 200))}...` : JSON.stringify(userPath);
  return new InvalidParameter(`Artifact path ${shown} is not allowed: ${reason}.`);
}

async function realpathOrNull(p: string): Promise<string | null> {
  try {
    return await realpath(p);
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

async function isSymlink(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isSymbolicLink();
  } catch (e) {
    if (isMissing(e)) return false;
    throw e;
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
