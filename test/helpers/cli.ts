import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI } from './server-process.js';

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
