/**
 * @module Runs a TypeScript step in a child process on the agent (function-step-child.ts), its
 * own process group: a fresh import of the pipeline file each time, and cancel kills the step
 * and everything it started, as for command steps.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import type { StepOutcome, StepTask, TaskEvents } from '../../pipelines/index.js';

const CHILD = fileURLToPath(new URL('./function-step-child.js', import.meta.url));
const KILL_GRACE_MS = 2000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

export function runFunctionStepInChild(task: StepTask, events: TaskEvents, signal: AbortSignal): Promise<StepOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD], { cwd: task.workdir, env: { ...process.env, ...task.env }, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    let outcome: StepOutcome | undefined;
    const lines = (stream: Readable, each: (l: string) => void) => createInterface({ input: stream, crlfDelay: Infinity }).on('line', each);
    lines(child.stdout!, (l) => events.log('stdout', l));
    lines(child.stderr!, (l) => events.log('stderr', l));
    lines(child.stdio[3] as Readable, (l) => {
      try {
        const msg = JSON.parse(l) as { log?: ['stdout' | 'stderr' | 'system', string]; outcome?: StepOutcome };
        if (msg.log) events.log(msg.log[0], msg.log[1]);
        if (msg.outcome) outcome = msg.outcome;
      } catch {
        events.log('stderr', l);
      }
    });
    const stop = () => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      setTimeout(() => killGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS).unref();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    child.stdin!.end(JSON.stringify(task));
    child.once('error', (e) => resolve({ status: 'failed', error: `could not start the step process: ${e.message}`, retryable: true }));
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', stop);
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      if (signal.aborted) return resolve({ status: 'cancelled', reason: String(signal.reason ?? 'cancelled') });
      resolve(outcome ?? { status: 'failed', error: `the step process ${sig ? `was killed by ${sig}` : `exited with code ${code}`} before it reported an outcome`, retryable: true });
    });
  });
}
