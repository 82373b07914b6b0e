import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Dependency lockfiles whose digest pins a run's environment, Node's and Python's. */
export const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'requirements.txt', 'poetry.lock', 'uv.lock', 'Pipfile.lock'];

/** sha256 of each lockfile present in `dir`. */
export function lockfileDigests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of LOCKFILES) {
    const path = join(dir, name);
    if (existsSync(path)) out[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}
