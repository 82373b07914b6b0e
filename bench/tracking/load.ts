/**
 * @module A pool of load-client processes, started once and reused for every load test (forking
 * 8 TypeScript processes costs seconds of CPU on a 2-core machine). Each test runs K of them at
 * once and adds up what they completed in the same measurement window.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientKind, ClientResult, GoMessage, LoadMode } from './load-client.js';
import { round } from './stats.js';

export interface LoadResult {
  clients: number;
  seconds: number;
  opsPerSec: number;
  pointsPerSec: number;
  /** CPU seconds per wall second: all clients together, and the server (1.0 = one core busy). */
  clientCpu: number;
  serverCpu?: number;
  /** Server CPU microseconds per point (log-batch, log-metric) or per request (health). */
  serverUsPerUnit?: number;
}

export interface LoadOptions {
  url: string;
  serverPid?: number;
  mode: LoadMode;
  clients: number;
  warmupMs: number;
  durationMs: number;
  keys?: number;
  steps?: number;
  client?: ClientKind;
  /** Authorization header of every request (a server with --auth). */
  authorization?: string;
}

export class ClientPool {
  private constructor(private readonly children: ChildProcess[]) {}

  static async start(size: number, shape = { keys: 10, steps: 100 }): Promise<ClientPool> {
    const children = Array.from({ length: size }, () =>
      fork(join(import.meta.dirname, 'load-client.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    const pool = new ClientPool(children);
    await Promise.all(children.map((c, i) => pool.request(c, { type: 'prepare', ...shape, seed: i + 1 })));
    return pool;
  }

  private request(c: ChildProcess, msg: object): Promise<any> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`load client exited with ${code}`));
      c.once('exit', onExit);
      c.once('message', (m) => {
        c.off('exit', onExit);
        resolve(m);
      });
      c.send(msg);
    });
  }

  async run(opts: LoadOptions): Promise<LoadResult> {
    if (opts.clients > this.children.length) throw new Error(`pool has ${this.children.length} clients, asked for ${opts.clients}`);
    const startAt = Date.now() + 300;
    const cpuBefore = opts.serverPid ? processCpuSec(opts.serverPid) : 0;
    const results = (
      await Promise.all(
        this.children.slice(0, opts.clients).map((c, i) =>
          this.request(c, {
            type: 'go', url: opts.url, mode: opts.mode, keys: opts.keys ?? 10, steps: opts.steps ?? 100, seed: i + 1, client: opts.client ?? 'raw',
            startAt, warmupMs: opts.warmupMs, durationMs: opts.durationMs, ...(opts.authorization ? { authorization: opts.authorization } : {}),
          } satisfies { type: 'go' } & GoMessage),
        ),
      )
    ).map((m) => m.result as ClientResult);
    const wall = (Date.now() - startAt) / 1000;
    const serverCpuSec = opts.serverPid ? processCpuSec(opts.serverPid) - cpuBefore : undefined;
    const errors = results.reduce((a, r) => a + r.errors, 0);
    if (errors) throw new Error(`${errors} failed requests; first: ${results.find((r) => r.firstError)?.firstError}`);
    const seconds = opts.durationMs / 1000;
    const ops = results.reduce((a, r) => a + r.ops, 0);
    const points = results.reduce((a, r) => a + r.points, 0);
    const out: LoadResult = {
      clients: opts.clients,
      seconds,
      opsPerSec: Math.round(ops / seconds),
      pointsPerSec: Math.round(points / seconds),
      clientCpu: round(results.reduce((a, r) => a + r.cpuSec, 0) / wall),
    };
    if (serverCpuSec !== undefined) {
      out.serverCpu = round(serverCpuSec / wall);
      // Server CPU over the whole run (warm-up included) against the work done in the window,
      // scaled to the whole run by wall time: an estimate, good to ~10%.
      const units = (opts.mode === 'health' ? ops : points) * (wall / seconds);
      out.serverUsPerUnit = units ? round((serverCpuSec * 1e6) / units) : undefined;
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null) c.send({ type: 'exit' });
    await Promise.all(this.children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  }
}

/** utime + stime of a process from /proc/<pid>/stat, in seconds (USER_HZ is 100 on Linux). */
export function processCpuSec(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
