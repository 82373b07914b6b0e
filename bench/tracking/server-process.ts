/**
 * @module The server under test as a separate process (`node bin/trainyard.js server`), the way a
 * user runs it, so client load, JSON encoding and GC are measured where they really happen. Its
 * memory comes from /proc/<pid>/status: VmHWM is the peak resident set since start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident set now and at its peak, in MB. */
  memory(): { rssMb: number; peakMb: number };
  stop(): Promise<void>;
}

export const REPO = join(import.meta.dirname, '..', '..');

/**
 * `entry`: the CLI's script of another build of the server (an A/B against an earlier commit);
 * `root`: the package folder whose bin/trainyard.js runs (a baseline build elsewhere); default
 * this checkout's bin/trainyard.js.
 */
export async function startServer(opts: { home: string; db?: string; cpuProfDir?: string; env?: Record<string, string>; entry?: string; root?: string; args?: string[] }): Promise<ServerProcess> {
  const args = [
    ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    opts.entry ?? join(opts.root ?? REPO, 'bin', 'trainyard.js'),
    'server', '--host', '127.0.0.1', '--port', '0', '--home', opts.home,
    ...(opts.db ? ['--db', opts.db] : []),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env, TRAINYARD_HOME: opts.home } });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s: ${stderr}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  child.stdout!.on('data', (d) => process.env.SERVER_LOG && process.stdout.write(d));
  return {
    url,
    pid: child.pid!,
    memory: () => readMemory(child.pid!),
    stop: () => stopChild(child),
  };
}

function readMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
