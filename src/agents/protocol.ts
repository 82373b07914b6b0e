/**
 * @module What the server and `trainyard agent` agree on: the queue, the task envelope, the
 * route base and the limits. Both sides import it; nothing here knows HTTP or the store.
 */

/** The work queue agents drain. */
export const AGENTS_QUEUE = 'agents';

/**
 * A task that needs agent labels goes on its own queue, `agents?gpu=a100&zone=eu` (names sorted,
 * URL-encoded), so a claim filters by the queue name it may take and the work queue stays the
 * same contract; tasks needing no label stay on `agents`.
 */
export function agentsQueueFor(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? `${AGENTS_QUEUE}?${new URLSearchParams(entries).toString()}` : AGENTS_QUEUE;
}

/** The labels a queue name requires (none for `agents`); undefined for a queue that is not an agents queue. */
export function labelsOfQueue(queue: string): Record<string, string> | undefined {
  if (queue === AGENTS_QUEUE) return {};
  if (!queue.startsWith(`${AGENTS_QUEUE}?`)) return undefined;
  return Object.fromEntries(new URLSearchParams(queue.slice(AGENTS_QUEUE.length + 1)));
}

/** Whether an agent with `have` may take a task that needs `need`: every needed label, same value. */
export function labelsSatisfy(have: Record<string, string>, need: Record<string, string>): boolean {
  return Object.entries(need).every(([k, v]) => have[k] === v);
}

/** In-process news: a task went on a labelled queue (labelled agents' claims look again). */
export const LABELLED_QUEUED = 'agents:labelled-queued';

export const formatLabels = (l: Record<string, string>): string => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',') || '(none)';
export const AGENTS_API = '/api/v1/agents';

/** A work item's payload on the agents queue: `kind` picks the agent's handler. */
export interface TaskEnvelope {
  kind: string;
  [field: string]: unknown;
}

/** A task as an agent receives it from a claim. */
export interface ClaimedTask {
  item_id: number;
  /** Proof of the lease: heartbeat, log, complete and fail present it. */
  token: string;
  kind: string;
  payload: TaskEnvelope;
  /** Claims of this item so far, this one included (a re-queued task has attempt > 1). */
  attempt: number;
  lease_expires_at: number;
}

export type LogStream = 'stdout' | 'stderr' | 'system';
export type LogLine = [LogStream, string];

export interface AgentJson {
  agent_id: string;
  name: string;
  slots: number;
  labels: Record<string, string>;
  hostname: string;
  registered_at: number;
  last_seen_at: number;
  alive: boolean;
}

export type LeaseStatus = 'ok' | 'cancel' | 'lost';

/** Defaults an agent is told at registration (it may ask for others within the limits). */
export const DEFAULT_LEASE_MS = 10_000;
export const DEFAULT_HEARTBEAT_MS = 1000;
export const MAX_LEASE_MS = 10 * 60_000;
export const MAX_CLAIM_WAIT_MS = 30_000;
/** The server keeps this much of each (item, attempt)'s log, the newest part. */
export const KEPT_LOG_BYTES = 1024 * 1024;
/** An agent sends at most this much log per task; the rest is counted, not sent. */
export const AGENT_LOG_BUDGET_BYTES = 8 * 1024 * 1024;
