import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { CLI, spawnServer, type ServerProcess } from './server-process.js';

const exec = promisify(execFile);

/**
 * Runs the built `trainyard` CLI as a user would, with the tracking URI variables cleared so
 * the test's environment decides the mode. Never throws: returns the exit code and both streams.
 */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      env: { ...process.env, TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '', TRAINYARD_USER: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

export type CliMode = 'embedded' | 'server';
export const CLI_MODES: readonly CliMode[] = ['embedded', 'server'];

/**
 * The two places a CLI test runs against: a spawned server and an embedded local store, both
 * under one temp folder made before the tests (and removed after). `env(mode)` is the
 * environment that selects the mode; `dir()` the folder, for the test's own files; `url()` the
 * server's.
 */
export function useCliModes(prefix: string, setup: (dir: string) => void = () => undefined): { dir: () => string; url: () => string; env: (mode: CliMode) => NodeJS.ProcessEnv } {
  let dir = '';
  let server: ServerProcess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    setup(dir);
    server = await spawnServer(['--home', join(dir, 'server')]);
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir: () => dir, url: () => server.url, env: (mode) => (mode === 'embedded' ? { TRAINYARD_HOME: join(dir, 'local') } : { TRAINYARD_URI: server.url }) };
}
