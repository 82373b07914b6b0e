import type { WorkItem, WorkState } from './work-queue.js';

/** The columns every read returns, in one place so each statement reads the same shape. */
export const ITEM_COLUMNS =
  'id, queue, payload, state, priority, ready_at, dedupe_key, attempts, max_attempts, backoff_ms, backoff_max_ms, worker, lease_token, lease_expires_at, cancel_requested, result, error, created_at, updated_at, finished_at';

export interface WorkItemRow {
  id: number;
  queue: string;
  payload: string;
  state: WorkState;
  priority: number;
  ready_at: number;
  dedupe_key: string | null;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  backoff_max_ms: number;
  worker: string | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
  result: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export function itemFromRow<P>(r: WorkItemRow): WorkItem<P> {
  return {
    id: Number(r.id),
    queue: r.queue,
    payload: JSON.parse(r.payload) as P,
    state: r.state,
    priority: Number(r.priority),
    readyAt: Number(r.ready_at),
    dedupeKey: r.dedupe_key,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    backoffMs: Number(r.backoff_ms),
    backoffMaxMs: Number(r.backoff_max_ms),
    worker: r.worker,
    leaseToken: r.lease_token,
    leaseExpiresAt: r.lease_expires_at === null ? null : Number(r.lease_expires_at),
    cancelRequested: Number(r.cancel_requested) === 1,
    result: r.result === null ? null : JSON.parse(r.result),
    error: r.error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  };
}

/** Backoff before retry n (n = attempts made so far, >= 1): base * 2^(n-1), capped. */
export function backoffFor(item: Pick<WorkItem, 'attempts' | 'backoffMs' | 'backoffMaxMs'>): number {
  const n = Math.max(1, item.attempts);
  return Math.min(item.backoffMaxMs, item.backoffMs * 2 ** Math.min(n - 1, 40));
}
