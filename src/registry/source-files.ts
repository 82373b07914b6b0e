import { sha256OfStream, type ArtifactStore } from '../artifacts/index.js';
import { InvalidParameter, NotFound, isAppError } from '../core/errors.js';
import type { VersionFile } from './entities.js';

/**
 * A version records one row per file. 100,000 files is far past any model package (a sharded
 * 70B checkpoint is ~30 files plus configs) and keeps registration's listing and hashing bounded.
 */
export const MAX_VERSION_FILES = 100_000;

/**
 * Every file under `root` in `store` with its size and sha256. The digest the store recorded at
 * write time is used when it has one (Trainyard's own writes always do), so registering a model
 * the server stored itself reads no file bytes; other files are hashed by streaming them.
 * A source that is one file is listed as one entry with path `''`.
 *
 * @throws NotFound when nothing exists at `root` (the caller names the source).
 */
export async function collectFiles(store: ArtifactStore, root: string): Promise<VersionFile[]> {
  let top;
  try {
    top = await store.stat(root);
  } catch (e) {
    if (isAppError(e) && e.code === 'RESOURCE_DOES_NOT_EXIST') throw new NotFound('nothing is stored there');
    throw e;
  }
  if (!top.isDir) return [{ path: '', size: top.size, sha256: top.sha256 ?? (await hashFile(store, root)) }];
  const out: VersionFile[] = [];
  const pending: string[] = [''];
  while (pending.length) {
    const rel = pending.shift()!;
    for (const entry of await store.list(join(root, rel))) {
      const child = join(rel, entry.path);
      if (entry.isDir) {
        pending.push(child);
        continue;
      }
      if (out.length >= MAX_VERSION_FILES) {
        throw new InvalidParameter(`The source holds more than ${MAX_VERSION_FILES} files; register a folder that holds only the model.`);
      }
      const st = await store.stat(join(root, child));
      const sha256 = !st.isDir && st.sha256 ? st.sha256 : await hashFile(store, join(root, child));
      out.push({ path: child, size: st.isDir ? 0 : st.size, sha256 });
    }
  }
  if (!out.length) throw new NotFound('it is an empty folder');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function hashFile(store: ArtifactStore, path: string): Promise<string> {
  return (await sha256OfStream((await store.get(path)).stream)).sha256;
}

function join(a: string, b: string): string {
  return [a, b].filter(Boolean).join('/');
}
