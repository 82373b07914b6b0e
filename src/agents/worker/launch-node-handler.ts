/**
 * @module `launch-node` tasks (distributed launch, `trainyard launch --executor agents`): the
 * agent becomes one node of an elastic job. It runs the node launcher in-process: joins the
 * job's rendezvous on the server, runs its workers for every round it is a member of, and ends
 * when the job does. Cancel (the launcher quit, or the job ended with this task still queued)
 * stops the workers. Logs: the node launcher's lines go to the task log; the workers' per-rank
 * files stay under this agent's home (`launch/<job>/nodes/<node>/round-<r>`).
 */
import { connect } from '../../client/connect.js';
import { defaultHome } from '../../core/config.js';
import { LAUNCH_NODE_KIND, preflight, runNode, validateSpec, type LaunchNodePayload } from '../../launch/index.js';
import { TaskFailed, registerTaskHandler } from './task-handlers.js';

registerTaskHandler(LAUNCH_NODE_KIND, async (payload, ctx) => {
  const p = payload as unknown as LaunchNodePayload;
  if (!p.job_id || !p.spec) throw new TaskFailed('launch-node task without job_id and spec', { retry: false });
  const spec = validateSpec(p.spec as never);
  try {
    await preflight(spec, { elastic: true });
  } catch (e) {
    // Another agent may have the interpreter or the shared filesystem this one lacks.
    throw new TaskFailed(`agent ${ctx.agent.name}: ${(e as Error).message}`, { retry: true });
  }
  const api = await connect({ uri: ctx.serverUrl });
  try {
    const out = await runNode(spec, {
      api,
      jobId: p.job_id,
      home: defaultHome(),
      nodeId: `${ctx.agent.name}-t${ctx.item.id}.${ctx.item.attempt}`,
      joinTimeoutSeconds: p.join_timeout_ms / 1000,
      lastCallSeconds: p.last_call_ms / 1000,
      nodeTimeoutSeconds: p.node_timeout_ms / 1000,
      trackingUri: ctx.serverUrl,
      signal: ctx.signal,
      log: (line) => ctx.log('system', line),
    });
    if (out.state === 'failed') throw new TaskFailed(out.message ?? `job ${p.job_id} failed`, { retry: false });
    return out;
  } catch (e) {
    if (e instanceof TaskFailed) throw e;
    // The job ended before this node could join (a queued spare): nothing to retry.
    throw new TaskFailed((e as Error).message, { retry: !/has (succeeded|failed|cancelled)/.test((e as Error).message) });
  } finally {
    await api.close();
  }
});
