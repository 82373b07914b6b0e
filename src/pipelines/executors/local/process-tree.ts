/** @module Stopping a step's whole process tree: each command runs as its own process group. */
import { readFileSync } from 'node:fs';

/** Field 22 of /proc/<pid>/stat: the start time, so a recycled pid is never mistaken for ours. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
