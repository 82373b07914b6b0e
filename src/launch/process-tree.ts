/**
 * @module Finding and killing a job's processes. Every worker and everything it starts inherits
 * TRAINYARD_JOB_ID / TRAINYARD_LAUNCH_NONCE, and /proc/<pid>/environ keeps them even after a
 * process is re-parented or calls setsid, so a scan finds what a process-group kill misses.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Pids (other than ours) whose environment has `name=value`. Linux only (/proc). */
export function pidsWithEnv(name: string, value: string): number[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${e}/environ`);
      if (env.indexOf(needle) === 0 || env.indexOf(Buffer.concat([Buffer.from('\0'), needle])) >= 0) {
        // Skip zombies: they hold no resources and cannot be signalled away.
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') out.push(pid);
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Signals a worker's process group (it was spawned detached, so pgid = pid). */
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    signal(pid, sig);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs every process carrying `name=value`, repeating until none is left (or 2 s). */
export async function killAllWithEnv(name: string, value: string): Promise<number> {
  let killed = 0;
  const until = Date.now() + 2000;
  for (;;) {
    const pids = pidsWithEnv(name, value);
    if (pids.length === 0 || Date.now() > until) return killed;
    for (const p of pids) signal(p, 'SIGKILL');
    killed += pids.length;
    await new Promise((r) => setTimeout(r, 50));
  }
}
