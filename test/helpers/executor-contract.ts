import { tempDir } from './temp-dirs.js';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor, OutputSpec, StartedInfo, StepOutcome, StepTask } from '../../src/pipelines/index.js';
import { pidAlive, until } from './agents.js';

/**
 * The Executor contract (src/pipelines/executors/executor.ts), one suite for every executor:
 * `setup` returns a ready executor (for agents: a server and a real agent process behind it).
 * Each case runs a real command and checks what a scheduler relies on.
 */
export interface ExecutorUnderTest {
  executor: Executor;
  close(): Promise<void>;
}

interface Ran {
  outcome: StepOutcome;
  lines: [string, string][];
  started: StartedInfo[];
  task: StepTask;
}

let seq = 0;

export function describeExecutorContract(name: string, setup: () => Promise<ExecutorUnderTest>): void {
  describe(`Executor contract: ${name}`, () => {
    let ex: ExecutorUnderTest;
    let dir: string;
    beforeAll(async () => {
      dir = realpathSync(tempDir(`ty-exec-${name}-`));
      ex = await setup();
    });
    afterAll(async () => ex?.close());

    const task = (shell: string, outputs: Record<string, OutputSpec> = {}): StepTask => {
      const n = ++seq;
      return {
        id: `pr_contract${n}/s#1`, pipelineRunId: `pr_contract${n}`, pipeline: 'contract', step: 's', attempt: 1, kind: 'command', command: { shell },
        inputs: {}, params: {}, outputs, env: { TRAINYARD_PIPELINE_STEP: 's', CONTRACT_VAR: `value-${n}` }, workdir: join(dir, `task-${n}`), cwd: dir,
      };
    };
    const start = (t: StepTask) => {
      const lines: [string, string][] = [];
      const started: StartedInfo[] = [];
      const handle = ex.executor.start(t, { started: (i) => started.push(i), log: (s, l) => lines.push([s, l]) });
      return { handle, lines, started, done: handle.done.then((outcome): Ran => ({ outcome, lines, started, task: t })) };
    };

    it('succeeds: reports started once, streams stdout, collects declared outputs', async () => {
      const r = await start(task('echo hello-contract; cd "$TRAINYARD_STEP_WORKDIR"; echo 7 > n.txt; echo ok > art.txt', { n: { type: 'value', path: 'n.txt' }, art: { type: 'artifact', kind: 'file', path: 'art.txt' } })).done;
      expect(r.outcome.status).toBe('succeeded');
      if (r.outcome.status !== 'succeeded') return;
      expect(r.outcome.outputs.n).toBe(7);
      expect((r.outcome.outputs.art as { digest: string }).digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(r.started.length).toBe(1);
      expect(r.lines).toContainEqual(['stdout', 'hello-contract']);
    });

    it('fails with the exit code, retryable, and the log tail carries stderr', async () => {
      const r = await start(task('echo first; echo broke-here >&2; exit 3')).done;
      expect(r.outcome).toMatchObject({ status: 'failed', exitCode: 3, retryable: true });
      expect(r.lines).toContainEqual(['stderr', 'broke-here']);
      expect(r.lines.findIndex((l) => l[1] === 'first')).toBeLessThan(r.lines.findIndex((l) => l[1] === 'broke-here'));
    });

    it('a missing declared output fails without retry', async () => {
      const r = await start(task('true', { gone: { type: 'value', path: 'gone.txt' } })).done;
      expect(r.outcome).toMatchObject({ status: 'failed', retryable: false });
    });

    it("timeout: the scheduler's cancel('timeout') ends a 30 s step within seconds", async () => {
      const t0 = Date.now();
      const s = start(task('echo sleeping; sleep 30'));
      await until('the step to print', () => s.lines.some((l) => l[1] === 'sleeping'));
      await s.handle.cancel('timeout');
      const r = await s.done;
      expect(r.outcome).toMatchObject({ status: 'cancelled', reason: 'timeout' });
      expect(Date.now() - t0).toBeLessThan(10_000);
    });

    it('cancel kills the whole process tree', async () => {
      const t = task('sleep 60 & echo $! > "$TRAINYARD_STEP_WORKDIR/bg.pid"; sleep 60');
      const s = start(t);
      const pidFile = join(t.workdir, 'bg.pid');
      await until('the background child', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
      const bg = Number(readFileSync(pidFile, 'utf8'));
      expect(pidAlive(bg)).toBe(true);
      await s.handle.cancel('run cancelled');
      const r = await s.done;
      expect(r.outcome.status).toBe('cancelled');
      await until('the background child to die', () => !pidAlive(bg), 5000);
    });

    // Commands start in the project folder (task.cwd: `python3 train.py` finds train.py) and
    // write their outputs into the attempt's workdir, which they are told as TRAINYARD_STEP_WORKDIR.
    it("runs in the task's project folder, with its workdir and environment", async () => {
      const t = task('cd "$TRAINYARD_STEP_WORKDIR"; echo "$OLDPWD" > where.txt; echo "$CONTRACT_VAR" > env.txt', { where: { type: 'value', path: 'where.txt' }, env: { type: 'value', path: 'env.txt' } });
      const r = await start(t).done;
      expect(r.outcome.status).toBe('succeeded');
      if (r.outcome.status !== 'succeeded') return;
      expect(r.outcome.outputs.where).toBe(t.cwd);
      expect(r.outcome.outputs.env).toBe(t.env.CONTRACT_VAR);
    });
  });
}
