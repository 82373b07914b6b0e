/**
 * @module Sending one task to the agents and following it to the end: enqueue (or re-attach to
 * a live item with the same dedupe key), then watch its state and log. A watcher wakes on
 * in-process news and also polls the store, so it follows a task whichever server process the
 * agent talks to.
 */
import type { WorkItem } from '../store/index.js';
import type { AgentsService } from './agents-service.js';
import { agentsQueueFor, LABELLED_QUEUED, type LogStream, type TaskEnvelope } from './protocol.js';
import { itemEvent } from './task-events.js';

const POLL_MS = 500;

export interface DispatchOptions {
  kind: string;
  payload: Record<string, unknown>;
  /** While an item with this key is live, dispatch follows it instead of queueing another. */
  dedupeKey?: string;
  /** Claims allowed (an agent that dies costs one); default 3. */
  maxAttempts?: number;
  priority?: number;
  /** Labels the agent must have: the task goes on that labelled queue (`agentsQueueFor`). */
  labels?: Record<string, string>;
  /** A worker leased it (again, after a re-queue: `attempt` > 1). */
  onStarted?: (worker: string, attempt: number) => void;
  onLog?: (stream: LogStream, line: string) => void;
}

export interface AgentTaskHandle {
  /** The work item id, once enqueued. */
  readonly itemId: Promise<number>;
  /** The final item: `done` (its `result`), `failed` or `cancelled`. */
  readonly done: Promise<WorkItem<TaskEnvelope>>;
  /** Asks for a stop: a queued item is cancelled at once, a leased one by its agent (next heartbeat). */
  cancel(): Promise<void>;
  /** Stops following without touching the item (the server is closing). */
  detach(): void;
}

const TERMINAL = new Set(['done', 'failed', 'cancelled']);

export function dispatchAgentTask(agents: AgentsService, o: DispatchOptions): AgentTaskHandle {
  const stop = new AbortController();
  agents.inUse();
  const itemId = agents.queue
    .enqueue<TaskEnvelope>(agentsQueueFor(o.labels), { ...o.payload, kind: o.kind }, { maxAttempts: o.maxAttempts ?? 3, backoffMs: 0, ...(o.dedupeKey ? { dedupeKey: o.dedupeKey } : {}), ...(o.priority !== undefined ? { priority: o.priority } : {}) })
    .then(({ item }) => {
      // Labelled agents wait on `agents`; this wakes them to look at the labelled queues now.
      if (o.labels && Object.keys(o.labels).length) agents.events.emit(LABELLED_QUEUED);
      return item.id;
    });
  const done = itemId.then((id) => follow(agents, id, o, stop.signal));
  return {
    itemId,
    done,
    cancel: async () => {
      const id = await itemId;
      await agents.queue.cancel(id);
      agents.events.emit(itemEvent(id));
    },
    detach: () => stop.abort(),
  };
}

async function follow(agents: AgentsService, id: number, o: DispatchOptions, signal: AbortSignal): Promise<WorkItem<TaskEnvelope>> {
  let cursor = { attempt: 0, seq: -1 };
  let startedAttempt = 0;
  for (;;) {
    // The state first, then the log: an agent sends a task's last lines before its result, so a
    // final state read here means every line is in the store by the time the log is read.
    const item = await agents.queue.get<TaskEnvelope>(id);
    if (!item) throw new Error(`agent task ${id} vanished from the work queue`);
    if (item.state === 'leased' && item.attempts > startedAttempt) {
      startedAttempt = item.attempts;
      o.onStarted?.(item.worker ?? '?', item.attempts);
    }
    for (;;) {
      const chunks = await agents.readLog(id, cursor);
      for (const c of chunks) {
        for (const [stream, line] of c.lines) o.onLog?.(stream, line);
        cursor = { attempt: c.attempt, seq: c.seq };
      }
      if (chunks.length < 200) break;
    }
    if (TERMINAL.has(item.state)) {
      // Every line is now with the follower (a step log file): the store keeps none of it.
      await agents.dropLog(id).catch(() => {});
      return item;
    }
    if (signal.aborted) throw new Error('stopped following the agent task (closing)');
    await news(agents, id, signal);
  }
}

/** Resolves on in-process news about the item, after a poll interval, or on abort. */
function news(agents: AgentsService, id: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const ev = itemEvent(id);
    const done = () => {
      clearTimeout(timer);
      agents.events.off(ev, done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, POLL_MS);
    agents.events.on(ev, done);
    signal.addEventListener('abort', done, { once: true });
  });
}
