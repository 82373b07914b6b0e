/**
 * @module Placing an elastic job's nodes on agents (`trainyard launch --executor agents`): MAX
 * 'launch-node' tasks on the agents' work queue, one per node the job may grow to. Each agent
 * that claims one becomes a node (runs the node launcher in-process); tasks no agent has a free
 * slot for wait in the queue and enter as scale-up when one frees up. A dead agent's task is
 * re-queued by the agents reaper and another agent joins in its place. Ending the job cancels
 * whatever is left.
 */
import { dispatchAgentTask, type AgentsService } from '../../agents/index.js';
import type { LaunchSpec } from '../job-spec.js';
import type { RendezvousService } from './service.js';
import type { RdzvConfig, RdzvState } from './state.js';

export const LAUNCH_NODE_KIND = 'launch-node';

export interface LaunchNodePayload {
  job_id: string;
  spec: LaunchSpec;
  join_timeout_ms: number;
  last_call_ms: number;
  node_timeout_ms: number;
}

export class NodePlacement {
  constructor(
    private readonly agents: AgentsService,
    private readonly rdzv: RendezvousService,
  ) {}

  async place(jobId: string, cfg: RdzvConfig, spec: LaunchSpec): Promise<{ rendezvous: RdzvState; items: number[] }> {
    const rendezvous = await this.rdzv.create(jobId, cfg, spec);
    const payload: LaunchNodePayload = { job_id: jobId, spec, join_timeout_ms: cfg.joinTimeoutMs, last_call_ms: cfg.lastCallMs, node_timeout_ms: cfg.nodeTimeoutMs };
    const items: number[] = [];
    for (let i = 0; i < cfg.max; i++) {
      const h = dispatchAgentTask(this.agents, { kind: LAUNCH_NODE_KIND, payload: payload as unknown as Record<string, unknown>, dedupeKey: `${LAUNCH_NODE_KIND}:${jobId}/${i}`, maxAttempts: cfg.maxRestarts + 2 });
      items.push(await h.itemId);
      h.detach();
      h.done.catch(() => undefined);
    }
    await this.rdzv.setItems(jobId, items);
    return { rendezvous: { ...rendezvous, items }, items };
  }

  /** Cancels the job's node tasks still queued or running (the job ended, or its launcher quit). */
  async release(jobId: string): Promise<number> {
    const s = await this.rdzv.get(jobId);
    let n = 0;
    for (const id of s.items ?? []) {
      const item = await this.agents.queue.get(id);
      if (!item || ['done', 'failed', 'cancelled'].includes(item.state)) continue;
      await this.agents.queue.cancel(id).catch(() => undefined);
      n++;
    }
    return n;
  }
}
