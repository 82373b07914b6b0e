/**
 * @module The `agents` pipeline executor: each attempt of a step becomes a `pipeline-step` task on
 * the agents queue; an agent runs it (src/agents/worker) and its StepOutcome is the item's result.
 *
 * Restarts: the dedupe key is the step (not the attempt), so when a restarted server starts the
 * step again while an agent is still running it, `start` re-attaches to that live task instead
 * of queueing a second copy: the step runs once and its result reaches the new server. An orphan
 * `reclaim` was told about that nobody re-attaches to within REATTACH_GRACE_MS (its run was
 * cancelled meanwhile) is cancelled on its agent.
 */
import type { Executor, OrphanTask, StepOutcome, StepTask, TaskEvents, TaskHandle } from '../pipelines/index.js';
import type { WorkItem } from '../store/index.js';
import type { AgentsService } from './agents-service.js';
import { dispatchAgentTask, type AgentTaskHandle } from './dispatch.js';
import { AGENTS_QUEUE, formatLabels, type TaskEnvelope } from './protocol.js';

export const PIPELINE_STEP_KIND = 'pipeline-step';
const REATTACH_GRACE_MS = 30_000;

/** `<run>/<step>[<item>]#<attempt>` -> the dedupe key of the step (any attempt). */
export function stepDedupeKey(taskId: string): string {
  return `${PIPELINE_STEP_KIND}:${taskId.replace(/#\d+$/, '')}`;
}

export class AgentsExecutor implements Executor {
  readonly name = 'agents';
  private readonly live = new Set<AgentTaskHandle>();
  private readonly orphans = new Map<string, NodeJS.Timeout>();

  constructor(private readonly agents: AgentsService) {}

  start(task: StepTask, events: TaskEvents): TaskHandle {
    const key = stepDedupeKey(task.id);
    clearTimeout(this.orphans.get(key));
    this.orphans.delete(key);
    let cancelReason = 'cancelled';
    const h = dispatchAgentTask(this.agents, {
      kind: PIPELINE_STEP_KIND,
      payload: { task },
      dedupeKey: key,
      ...(task.agentLabels ? { labels: task.agentLabels } : {}),
      onStarted: (worker, attempt) => {
        events.started({ host: worker });
        events.log('system', attempt > 1 ? `re-queued after a lost agent; now on agent ${worker} (claim ${attempt})` : `running on agent ${worker}`);
      },
      onLog: (stream, line) => events.log(stream, line),
    });
    this.live.add(h);
    if (task.agentLabels) void this.sayWhoCanTake(task.agentLabels, events).catch(() => {});
    const done = h.done.then(
      (item) => outcomeOf(item, cancelReason),
      (e: Error): StepOutcome => ({ status: 'failed', error: `agents executor: ${e.message}`, retryable: true }),
    );
    void done.finally(() => this.live.delete(h));
    return {
      done,
      cancel: async (reason) => {
        cancelReason = reason;
        await h.cancel();
      },
    };
  }

  async reclaim(orphans: OrphanTask[]): Promise<void> {
    for (const o of orphans) {
      const key = stepDedupeKey(o.taskId);
      const timer = setTimeout(() => {
        this.orphans.delete(key);
        void this.cancelLive(key).catch(() => {});
      }, REATTACH_GRACE_MS);
      timer.unref();
      this.orphans.set(key, timer);
    }
  }

  async close(): Promise<void> {
    for (const t of this.orphans.values()) clearTimeout(t);
    this.orphans.clear();
    // Tasks keep running on their agents; a restarted server re-attaches to them.
    for (const h of this.live) h.detach();
  }

  /**
   * A step that needs labels no live agent has stays queued (it is not failed: an agent with them
   * may start later); its log says so and names the agents that are there.
   */
  private async sayWhoCanTake(need: Record<string, string>, events: TaskEvents): Promise<void> {
    const { able, live } = await this.agents.whoCanTake(need);
    if (able.length) events.log('system', `queued for an agent with labels ${formatLabels(need)} (${able.map((a) => a.name).join(', ')} can take it)`);
    else events.log('system', `waiting: no live agent has labels ${formatLabels(need)}; the step stays queued until one does (live agents: ${live.map((a) => `${a.name} [${formatLabels(a.labels)}]`).join(', ') || 'none'})`);
  }

  private async cancelLive(key: string): Promise<void> {
    // The live item of the step, by its dedupe key (unique among queued and leased items), on
    // `agents` or a labelled agents queue.
    const row = await this.agents.db.one<{ id: number }>("SELECT id FROM work_items WHERE (queue = ? OR queue LIKE ?) AND dedupe_key = ? AND state IN ('queued', 'leased')", [AGENTS_QUEUE, `${AGENTS_QUEUE}?%`, key]);
    if (row) await this.agents.queue.cancel(Number(row.id));
  }
}

function outcomeOf(item: WorkItem<TaskEnvelope>, cancelReason: string): StepOutcome {
  if (item.state === 'cancelled') return { status: 'cancelled', reason: cancelReason };
  if (item.state === 'failed') return { status: 'failed', error: `no agent finished it: ${item.error ?? 'unknown error'}`, retryable: true };
  const r = item.result as StepOutcome | null;
  if (!r || typeof r !== 'object' || !['succeeded', 'failed', 'cancelled'].includes(r.status)) {
    return { status: 'failed', error: `the agent answered no step outcome (got ${JSON.stringify(r)?.slice(0, 80)})`, retryable: true };
  }
  return r;
}
