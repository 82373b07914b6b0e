/**
 * @module One attempt of a job on this machine: `nprocPerNode` workers spawned directly (no
 * torchrun agent, which crashes on Python 3.11 with torch 1.13), each in its own process group,
 * stdout and stderr of each rank to its own files for this attempt (never interleaved).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchSpec } from './job-spec.js';
import type { RankExit } from './root-cause.js';
import { signalGroup } from './process-tree.js';
import { workerEnv, type GroupPlacement, type TrainyardVars } from './worker-env.js';

export interface RankFilesOnDisk {
  rank: number;
  stdout: string;
  stderr: string;
  heartbeat: string;
  error: string;
}

export class WorkerGroup {
  readonly files: RankFilesOnDisk[] = [];
  readonly exits: RankExit[] = [];
  readonly startedAt = Date.now();
  private readonly children: ChildProcess[] = [];
  private readonly done: Promise<void>;

  constructor(spec: LaunchSpec, placement: GroupPlacement, dir: string, metricsDir: string, ty: TrainyardVars) {
    mkdirSync(dir, { recursive: true });
    const waits: Promise<void>[] = [];
    for (let local = 0; local < spec.nprocPerNode; local++) {
      const rank = placement.groupRank * spec.nprocPerNode + local;
      const f: RankFilesOnDisk = {
        rank,
        stdout: join(dir, `rank-${rank}.stdout.log`),
        stderr: join(dir, `rank-${rank}.stderr.log`),
        heartbeat: join(dir, `rank-${rank}.beat.json`),
        error: join(dir, `rank-${rank}.error.json`),
      };
      this.files.push(f);
      const env = workerEnv(process.env, placement, local, { heartbeat: f.heartbeat, error: f.error, metrics: join(metricsDir, `rank-${rank}.jsonl`) }, ty, spec.env);
      const out = openSync(f.stdout, 'a');
      const err = openSync(f.stderr, 'a');
      const [file, ...args] = spec.noPython ? spec.command : [spec.python, ...spec.command];
      const child = spawn(file!, args, { cwd: spec.cwd, env, detached: true, stdio: ['ignore', out, err] });
      closeSync(out);
      closeSync(err);
      this.children.push(child);
      waits.push(
        new Promise((resolve) => {
          const record = (code: number | null, signal: NodeJS.Signals | null) => {
            if (!this.exits.some((e) => e.rank === rank)) this.exits.push({ rank, code, signal, exitedAt: Date.now(), stderrFile: f.stderr, errorFile: f.error });
            resolve();
          };
          child.on('exit', record);
          child.on('error', () => record(127, null));
        }),
      );
    }
    this.done = Promise.all(waits).then(() => undefined);
  }

  get size(): number {
    return this.children.length;
  }

  get allExited(): boolean {
    return this.exits.length === this.children.length;
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid!).filter(Boolean);
  }

  /** SIGTERM every rank's process group, SIGKILL what is left after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null && c.pid) signalGroup(c.pid, 'SIGTERM');
    const timer = new Promise<'grace'>((r) => setTimeout(() => r('grace'), graceMs).unref());
    if ((await Promise.race([this.done.then(() => 'done' as const), timer])) === 'grace') {
      for (const c of this.children) if (c.pid) signalGroup(c.pid, 'SIGKILL');
      await this.done;
    }
    // Descendants that left the group (setsid) still die: their group leader is gone.
    for (const c of this.children) if (c.pid) signalGroup(c.pid, 'SIGKILL');
  }

  wait(): Promise<void> {
    return this.done;
  }
}
