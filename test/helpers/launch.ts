import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { connect } from '../../src/client/connect.js';
import { CLI } from './server-process.js';

/** Debian's interpreter with python3-torch (.ci/run installs it). */
export const TORCH_PYTHON = '/usr/bin/python3';
export const EXAMPLE = fileURLToPath(new URL('../../examples/pytorch-ddp/train.py', import.meta.url));

export interface LaunchProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `trainyard ARGS` as a real process on the local store under `home`. */
export function startCli(args: string[], home: string, env: NodeJS.ProcessEnv = {}): LaunchProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '', TRAINYARD_HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

export async function runLaunch(args: string[], home: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const p = startCli(args, home, env);
  const code = await p.exited;
  return { code, output: p.output() };
}

export function jobDir(home: string, jobId: string): string {
  return join(home, 'launch', jobId);
}

/** The `final_loss=` line of rank 0 in the job's last attempt. */
export function finalLoss(home: string, jobId: string): number {
  for (let a = 20; a >= 0; a--) {
    const f = join(jobDir(home, jobId), `attempt-${a}`, 'rank-0.stdout.log');
    if (!existsSync(f)) continue;
    const m = /final_loss=([0-9.]+)/.exec(readFileSync(f, 'utf8'));
    if (m) return Number(m[1]);
  }
  throw new Error(`no final_loss line for job ${jobId}`);
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The latest checkpoint step of a job (0 before the first). */
export function checkpointStep(home: string, jobId: string): number {
  try {
    return JSON.parse(readFileSync(join(jobDir(home, jobId), 'checkpoints', 'latest.json'), 'utf8')).step;
  } catch {
    return 0;
  }
}

/** The pid rank `rank` reports in its heartbeat file for `attempt`. */
export function rankPid(home: string, jobId: string, rank: number, attempt = 0): number | undefined {
  try {
    return JSON.parse(readFileSync(join(jobDir(home, jobId), `attempt-${attempt}`, `rank-${rank}.beat.json`), 'utf8')).pid;
  } catch {
    return undefined;
  }
}

/** A launch test's own home (removed after the file) and a reader of a job's record in it. */
export function useLaunchHome(prefix: string): { home: string; job: (id: string) => Promise<any> } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const job = async (id: string) => {
    const c = await connect({ home });
    try {
      return (await c.call<{ job: any }>('GET', `/api/v1/jobs/${id}`)).job;
    } finally {
      await c.close();
    }
  };
  return { home, job };
}
