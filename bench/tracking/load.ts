/**
 * @module Runs N load-client processes against a server at once and adds up what they completed
 * in the same measurement window.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { round } from './stats.js';
import type { ClientConfig, ClientResult, LoadMode } from './load-client.js';

export interface LoadResult {
  clients: number;
  seconds: number;
  opsPerSec: number;
  pointsPerSec: number;
  errors: number;
  /** CPU seconds per wall second: all clients together, and the server (1.0 = one core busy). */
  clientCpu: number;
  serverCpu?: number;
}

export async function runLoad(opts: { url: string; serverPid?: number; mode: LoadMode; clients: number; warmupMs: number; durationMs: number; keys?: number; steps?: number }): Promise<LoadResult> {
  const children = Array.from({ length: opts.clients }, () =>
    fork(join(import.meta.dirname, 'load-client.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const next = (c: (typeof children)[number]) => new Promise<any>((resolve, reject) => {
    c.once('message', resolve);
    c.once('exit', (code) => code && reject(new Error(`load client exited with ${code}`)));
  });
  try {
    const ready = children.map(next);
    children.forEach((c, i) => c.send({ url: opts.url, mode: opts.mode, keys: opts.keys ?? 10, steps: opts.steps ?? 100, seed: i + 1 } satisfies ClientConfig));
    await Promise.all(ready);
    const done = children.map(next);
    const startAt = Date.now() + 200;
    const cpuBefore = opts.serverPid ? processCpuSec(opts.serverPid) : 0;
    children.forEach((c) => c.send({ startAt, warmupMs: opts.warmupMs, durationMs: opts.durationMs }));
    const results = (await Promise.all(done)).map((m) => m.result as ClientResult);
    const serverCpuSec = opts.serverPid ? processCpuSec(opts.serverPid) - cpuBefore : undefined;
    const wall = (opts.warmupMs + opts.durationMs + 200) / 1000;
    const errors = results.reduce((a, r) => a + r.errors, 0);
    if (errors) throw new Error(`${errors} failed requests; first: ${results.find((r) => r.firstError)?.firstError}`);
    const seconds = opts.durationMs / 1000;
    const ops = results.reduce((a, r) => a + r.ops, 0);
    const points = results.reduce((a, r) => a + r.points, 0);
    return { clients: opts.clients, seconds, opsPerSec: Math.round(ops / seconds), pointsPerSec: Math.round(points / seconds), errors,
      clientCpu: round(results.reduce((a, r) => a + r.cpuSec, 0) / wall), ...(serverCpuSec !== undefined ? { serverCpu: round(serverCpuSec / wall) } : {}) };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
}

/** utime + stime of a process from /proc/<pid>/stat, in seconds (clock ticks are 100 Hz on Linux). */
export function processCpuSec(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
