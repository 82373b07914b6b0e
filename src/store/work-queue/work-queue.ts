/**
 * @module The one work queue: a domain-agnostic contract with a SQLite and a PostgreSQL
 * implementation. Pipeline steps, agents' command tasks and (next) launch tasks go through it.
 *
 * An item is `queued` until a worker claims it; a claim is a lease (worker, token, expiry) that
 * the worker extends with heartbeats. A lease that expires (the worker died or hung) is returned
 * to the queue by the reaper while attempts remain. Every transition is one transaction, so an
 * acknowledged enqueue, claim, completion or failure survives a kill -9 of the process.
 */
import type { Executor } from '../database.js';

export type WorkState = 'queued' | 'leased' | 'done' | 'failed' | 'cancelled';
export const WORK_STATES: readonly WorkState[] = ['queued', 'leased', 'done', 'failed', 'cancelled'];

export interface WorkItem<P = unknown> {
  id: number;
  queue: string;
  payload: P;
  state: WorkState;
  /** Higher first. */
  priority: number;
  /** Epoch ms before which the item is not claimable (delays, retry backoff). */
  readyAt: number;
  dedupeKey: string | null;
  /** Claims so far, this one included while leased. */
  attempts: number;
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  worker: string | null;
  /** Proof of the current lease; heartbeats, complete and fail must present it. */
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  /** Set by cancel() on a leased item: the worker sees it on its next heartbeat and stops. */
  cancelRequested: boolean;
  result: unknown;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export interface EnqueueOptions {
  /** Higher is claimed first; default 0. */
  priority?: number;
  /** Not claimable before this many ms from now. */
  delayMs?: number;
  /** While an item with this key is queued or leased in this queue, enqueue returns it instead. */
  dedupeKey?: string;
  /** Claims allowed in all (failures with retry and expired leases both count); default 3. */
  maxAttempts?: number;
  /** Backoff before retry n (1-based) is backoffMs * 2^(n-1), capped at backoffMaxMs. Defaults 1 s and 5 min. */
  backoffMs?: number;
  backoffMaxMs?: number;
  /** Enqueue inside the caller's transaction (its own state change and the enqueue commit together). Call wake(queue) after it commits. */
  tx?: Executor;
}

export interface ClaimOptions {
  /** Who holds the lease (an agent id, a process name): recorded on the item. */
  worker: string;
  leaseMs: number;
  /** Items to claim at most; default 1. */
  limit?: number;
  /** Wait up to this long for work when none is ready (a long poll); default 0, answer at once. */
  waitMs?: number;
  /** Stops the wait early (the HTTP client went away); the claim then answers []. */
  signal?: AbortSignal;
}

export interface FailOptions {
  /** false: a "do not retry" failure, the item fails now whatever attempts remain. Default true. */
  retry?: boolean;
  /** Override the backoff for this retry. */
  delayMs?: number;
}

export interface HeartbeatAnswer {
  leaseExpiresAt: number;
  cancelRequested: boolean;
}

export type WorkCounts = Record<WorkState, number>;

export interface WorkQueue {
  enqueue<P>(queue: string, payload: P, opts?: EnqueueOptions): Promise<{ item: WorkItem<P>; created: boolean }>;
  /** Claims up to `limit` ready items, highest priority then oldest first; each is leased to `worker` alone. */
  claim<P>(queue: string, opts: ClaimOptions): Promise<WorkItem<P>[]>;
  /** Extends the lease to now + leaseMs. Throws LeaseLost when the token is no longer the item's lease. */
  heartbeat(id: number, token: string, leaseMs: number): Promise<HeartbeatAnswer>;
  /** Marks a leased item done. Throws LeaseLost for a stale token, so a step never completes twice. */
  complete(id: number, token: string, result?: unknown): Promise<WorkItem>;
  /** Fails a leased item: re-queued after backoff while attempts remain and retry is allowed, else failed. */
  fail(id: number, token: string, error: string, opts?: FailOptions): Promise<WorkItem>;
  /** A queued item is cancelled at once; a leased one gets cancelRequested (its worker stops it). */
  cancel(id: number): Promise<WorkItem>;
  /** Returns expired leases to the queue (or fails them when no attempts remain). Returns how many it touched. */
  reap(now?: number): Promise<number>;
  get<P>(id: number): Promise<WorkItem<P> | undefined>;
  counts(queue: string): Promise<WorkCounts>;
  /** Runs reap() every intervalMs until close(). */
  startReaper(intervalMs: number): void;
  /** Wakes claims waiting on `queue` (after an enqueue made in the caller's own transaction). */
  wake(queue: string): void;
  /** Stops the reaper; waiting claims answer []. Does not close the database. */
  close(): void;
}
