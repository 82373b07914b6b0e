/** @module Digests of step outputs: a file's bytes, or a folder's sorted `path\0sha256` list. */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Artifact } from '../definition/refs.js';

async function fileSha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/** The artifact record of a file or folder; throws when it does not exist. */
export async function describeArtifact(kind: string, path: string): Promise<Artifact> {
  const st = statSync(path);
  if (st.isFile()) return { kind, path, uri: pathToFileURL(path).href, digest: `sha256:${await fileSha(path)}`, size: st.size };
  const files = walk(path).sort();
  const h = createHash('sha256');
  let size = 0;
  for (const f of files) {
    h.update(`${relative(path, f)}\0${await fileSha(f)}\n`);
    size += statSync(f).size;
  }
  return { kind, path, uri: pathToFileURL(path).href, digest: `sha256:${h.digest('hex')}`, size };
}
