/**
 * @module `pipeline-step` tasks on an agent: the StepTask runs exactly as the local executor runs
 * it (command steps as their own process group, killed as a tree on cancel; TypeScript steps in
 * a child process with an SDK on the server), and the StepOutcome is the task's result.
 *
 * The step runs in the workdir the server chose (an absolute path under the server's home):
 * commands were rendered with it. Artifacts are file paths on this machine, so steps that pass
 * artifacts to each other across machines need that path on a shared filesystem.
 */
import { LocalExecutor, type StepOutcome, type StepTask } from '../../pipelines/index.js';
import { PIPELINE_STEP_KIND } from '../agents-executor.js';
import { runFunctionStepInChild } from './function-step-process.js';
import { TaskFailed, registerTaskHandler } from './task-handlers.js';

registerTaskHandler(PIPELINE_STEP_KIND, async (payload, ctx): Promise<StepOutcome> => {
  const task = payload.task as StepTask | undefined;
  if (!task || typeof task !== 'object' || !task.id || !task.workdir) throw new TaskFailed('pipeline-step task without a StepTask payload', { retry: false });
  // TypeScript steps in a child process each (fresh import of the file, killable as a tree).
  const executor = new LocalExecutor({ runFunctionTask: runFunctionStepInChild });
  const env = { ...task.env, TRAINYARD_URI: task.env.TRAINYARD_URI ?? ctx.serverUrl, TRAINYARD_AGENT: ctx.agent.name };
  const handle = executor.start({ ...task, env }, { started: () => {}, log: (stream, line) => ctx.log(stream, line) });
  const stop = () => void handle.cancel(String(ctx.signal.reason ?? 'stopped by the agent'));
  if (ctx.signal.aborted) stop();
  else ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    return await handle.done;
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
});
