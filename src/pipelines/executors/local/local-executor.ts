/**
 * @module The `local` executor: command steps as child processes (`/bin/sh -c`, each its own
 * process group so cancel and timeout kill the whole tree), TypeScript steps in this process,
 * both under one concurrency cap (default: the number of CPUs).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Executor, ExecutorContext, OrphanTask, OutputValue, StepOutcome, StepTask, TaskEvents, TaskHandle } from '../executor.js';
import { describeArtifact } from '../../runtime/digest-output.js';
import { killGroup, processStartTime } from './process-tree.js';

// SIGTERM first so a step can flush; SIGKILL after this grace if the group is still there.
const KILL_GRACE_MS = 2000;
// A line longer than this is cut: a step printing one 100 MB line must not hold it in memory.
const MAX_LINE = 16 * 1024;

// setpriv (util-linux, in every Debian) execs the shell with PR_SET_PDEATHSIG: if the server dies
// (kill -9), the kernel kills the step's shell at once, so a step cannot complete while no one
// records it; what the shell started is killed by `reclaim` when the server comes back.
const SETPRIV = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : undefined;

export interface LocalExecutorOptions {
  concurrency?: number;
}

function lineSplitter(emit: (line: string) => void): { push(d: Buffer): void; end(): void } {
  let pending = '';
  return {
    push(d) {
      pending += d.toString('utf8');
      let at: number;
      while ((at = pending.indexOf('\n')) >= 0) {
        emit(pending.slice(0, Math.min(at, MAX_LINE)));
        pending = pending.slice(at + 1);
      }
      if (pending.length > MAX_LINE) {
        emit(pending.slice(0, MAX_LINE) + ' [line cut]');
        pending = '';
      }
    },
    end() {
      if (pending) emit(pending);
      pending = '';
    },
  };
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly concurrency: number;

  constructor(
    private readonly ctx: Pick<ExecutorContext, 'runFunctionTask'>,
    opts: LocalExecutorOptions = {},
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? cpus().length);
  }

  start(task: StepTask, events: TaskEvents): TaskHandle {
    const abort = new AbortController();
    let kill: ((reason: string) => void) | undefined;
    const done = (async (): Promise<StepOutcome> => {
      await this.slot();
      try {
        if (abort.signal.aborted) return { status: 'cancelled', reason: String(abort.signal.reason) };
        mkdirSync(task.workdir, { recursive: true });
        if (task.kind === 'function') {
          events.started({ pid: process.pid });
          return await this.ctx.runFunctionTask(task, events, abort.signal);
        }
        return await this.runCommand(task, events, abort.signal, (k) => (kill = k));
      } finally {
        this.release();
      }
    })();
    return {
      done,
      cancel: async (reason) => {
        abort.abort(reason);
        kill?.(reason);
      },
    };
  }

  private runCommand(task: StepTask, events: TaskEvents, signal: AbortSignal, onKill: (k: (reason: string) => void) => void): Promise<StepOutcome> {
    return new Promise((resolveOutcome) => {
      const [cmd, args] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', '/bin/sh', '-c', task.command!.shell]] : ['/bin/sh', ['-c', task.command!.shell]];
      // Commands run in the project's folder (the YAML file's), so `python3 train.py` finds
      // train.py; outputs go to the attempt's workdir through {{outputs.x}} / $TRAINYARD_STEP_WORKDIR.
      // A spec sent from another machine names a folder that may not exist here: then the workdir.
      const cwd = task.cwd && existsSync(task.cwd) ? task.cwd : task.workdir;
      if (task.cwd && cwd !== task.cwd) events.log('system', `project folder ${task.cwd} is not on this machine: running in the step's workdir`);
      const child = spawn(cmd, args, {
        cwd,
        env: { ...process.env, ...task.env, TRAINYARD_STEP_WORKDIR: task.workdir },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let cancelled: string | undefined;
      const pid = child.pid;
      if (pid !== undefined) events.started({ pid, pidStartTime: processStartTime(pid) });
      const out = lineSplitter((l) => events.log('stdout', l));
      const err = lineSplitter((l) => events.log('stderr', l));
      child.stdout!.on('data', (d: Buffer) => out.push(d));
      child.stderr!.on('data', (d: Buffer) => err.push(d));
      onKill((reason) => {
        cancelled = reason;
        if (pid === undefined) return;
        killGroup(pid, 'SIGTERM');
        setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
      });
      if (signal.aborted && pid !== undefined) {
        cancelled = String(signal.reason);
        killGroup(pid, 'SIGKILL');
      }
      child.once('error', (e) => resolveOutcome({ status: 'failed', error: `could not start /bin/sh: ${e.message}`, retryable: true }));
      child.once('close', async (code, sig) => {
        out.end();
        err.end();
        // Whatever the shell left behind in its group goes too (a backgrounded `sleep &`).
        if (pid !== undefined) killGroup(pid, 'SIGKILL');
        if (cancelled !== undefined) return resolveOutcome({ status: 'cancelled', reason: cancelled });
        if (code !== 0) return resolveOutcome({ status: 'failed', error: sig ? `killed by ${sig}` : `exited with code ${code}`, retryable: true, ...(code !== null ? { exitCode: code } : {}) });
        try {
          resolveOutcome({ status: 'succeeded', outputs: await collectOutputs(task) });
        } catch (e) {
          resolveOutcome({ status: 'failed', error: (e as Error).message, retryable: false });
        }
      });
    });
  }

  private async slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  async reclaim(orphans: OrphanTask[]): Promise<void> {
    for (const o of orphans) {
      const pid = o.info.pid;
      if (!pid || pid === process.pid || !o.info.pidStartTime) continue;
      if (processStartTime(pid) === o.info.pidStartTime) killGroup(pid, 'SIGKILL');
    }
  }

  async close(): Promise<void> {}
}

/** A command step's declared outputs, read from its workdir after exit 0. */
export async function collectOutputs(task: StepTask): Promise<Record<string, OutputValue>> {
  const outputs: Record<string, OutputValue> = {};
  for (const [name, o] of Object.entries(task.outputs)) {
    const path = join(task.workdir, o.path ?? name);
    if (!existsSync(path)) throw new Error(`Step '${task.step}' exited 0 but did not write its declared output '${name}' at ${o.path ?? name}: write it to {{outputs.${name}}} (commands run in the pipeline's folder, outputs live in the step's workdir).`);
    if (o.type === 'artifact') outputs[name] = await describeArtifact(o.kind, path);
    else {
      const text = readFileSync(path, 'utf8');
      try {
        outputs[name] = JSON.parse(text);
      } catch {
        outputs[name] = text.trim();
      }
    }
  }
  return outputs;
}
