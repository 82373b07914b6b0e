/**
 * @module `pipeline-step` tasks on an agent: the StepTask runs exactly as the local executor runs
 * it (command steps as their own process group, killed as a tree on cancel; TypeScript steps in
 * this process with an SDK on the server), and the StepOutcome is the task's result.
 *
 * The step runs in the workdir the server chose (an absolute path under the server's home):
 * commands were rendered with it. Artifacts are file paths on this machine, so steps that pass
 * artifacts to each other across machines need that path on a shared filesystem.
 */
import { LocalExecutor, runFunctionStep, type StepOutcome, type StepTask } from '../../pipelines/index.js';
import { Trainyard } from '../../client/trainyard.js';
import { PIPELINE_STEP_KIND } from '../agents-executor.js';
import { TaskFailed, registerTaskHandler } from './task-handlers.js';

let sdk: Trainyard | undefined;

registerTaskHandler(PIPELINE_STEP_KIND, async (payload, ctx): Promise<StepOutcome> => {
  const task = payload.task as StepTask | undefined;
  if (!task || typeof task !== 'object' || !task.id || !task.workdir) throw new TaskFailed('pipeline-step task without a StepTask payload', { retry: false });
  const executor = new LocalExecutor({
    runFunctionTask: (t, events, signal) => runFunctionStep(t, events, signal, { trainyard: () => (sdk ??= new Trainyard({ uri: ctx.serverUrl, capture: false })) }),
  });
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
