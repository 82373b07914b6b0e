/**
 * A fresh user project with this package installed the way a user installs it: `npm pack` of the
 * repository (dist/ must be built), `npm init -y` in an empty folder, and npm installing the
 * tarball. Two departures, both so the test runs without a network on a 2-core machine:
 *
 * - The project gets a lockfile pinned to this repository's (the tarball plus every non-dev entry
 *   of package-lock.json), so `npm ci --offline` installs the same versions from npm's local cache
 *   (`npm install <tgz> --offline` cannot: npm ci leaves no registry metadata in the cache).
 * - Install scripts are off, and better-sqlite3's compiled addon is copied from this repository's
 *   node_modules (same version): what prebuild-install would otherwise download, instead of a
 *   one-minute C++ build.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The environment a user's shell has: no test or npm-run variables, no tracking URI set. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|TRAINYARD_|MLFLOW_|VITEST|NODE_OPTIONS$|INIT_CWD$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, env: userEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Packs the repository into `dir` and returns the tarball's path. */
export function packRepository(dir: string): string {
  if (!existsSync(join(REPO, 'dist', 'client', 'index.js'))) throw new Error('dist/ is not built: run `npm run build` first');
  const out = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], REPO);
  const [{ filename }] = JSON.parse(out) as [{ filename: string }];
  return join(dir, filename);
}

/** Creates `dir` as a new npm project (`npm init -y`) with the tarball installed. */
export function createUserProject(dir: string, tarball: string): void {
  mkdirSync(dir, { recursive: true });
  sh('npm', ['init', '-y'], dir);
  const pkgPath = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as Record<string, unknown>;
  const spec = `file:${tarball}`;
  pkg.dependencies = { trainyard: spec };
  writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + '\n');

  const ours = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const integrity = 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64');
  const packages: Record<string, unknown> = {
    '': { name: pkg.name, version: pkg.version, license: pkg.license, dependencies: pkg.dependencies },
    'node_modules/trainyard': { version: ours.version, resolved: spec, integrity, license: ours.license, dependencies: ours.dependencies, bin: ours.bin, engines: ours.engines },
  };
  for (const [key, entry] of Object.entries(lock.packages)) if (key.startsWith('node_modules/') && !entry.dev) packages[key] = entry;
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages }, null, 2));

  sh('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
  const addon = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(join(dir, addon, '..'), { recursive: true });
  copyFileSync(join(REPO, addon), join(dir, addon));
}
