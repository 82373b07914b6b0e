import { randomBytes } from 'node:crypto';
import { InvalidParameter, NotFound } from '../../core/errors.js';
import type { Database, Executor, SqlValue } from '../database.js';
import { LeaseLost, checkQueueName } from './errors.js';
import { Wakeups, wakeupsFor } from './wakeups.js';
import { ITEM_COLUMNS, backoffFor, itemFromRow, type WorkItemRow } from './work-item-row.js';
import { WORK_STATES, type ClaimOptions, type EnqueueOptions, type FailOptions, type HeartbeatAnswer, type WorkCounts, type WorkItem, type WorkQueue } from './work-queue.js';

// A waiting claim looks again at least this often even without a wake-up: an enqueue made by
// another process (a second server replica on PostgreSQL) wakes nobody here. One indexed
// query a second per waiting claim; in-process enqueues wake waiters at once.
const RECHECK_MS = 1000;
const MAX_LEASE_MS = 24 * 3600_000;

/**
 * The work queue over the store's SQL contract. Everything but the claim is portable SQL; each
 * dialect supplies its claim statement (PostgreSQL needs SKIP LOCKED so concurrent claimers
 * take different rows instead of queueing on one; SQLite's single writer already serialises).
 */
export abstract class SqlWorkQueue implements WorkQueue {
  private readonly wakeups: Wakeups;
  private reaper: NodeJS.Timeout | undefined;
  private readonly closing = new AbortController();

  constructor(protected readonly db: Database) {
    this.wakeups = wakeupsFor(db.description);
  }

  /** One statement that leases up to `limit` ready items of `queue` and returns them. */
  protected abstract claimStatement(): string;

  async enqueue<P>(queue: string, payload: P, opts: EnqueueOptions = {}): Promise<{ item: WorkItem<P>; created: boolean }> {
    checkQueueName(queue);
    const json = JSON.stringify(payload ?? null);
    const maxAttempts = int(opts.maxAttempts ?? 3, 'maxAttempts', 1, 1000);
    const backoffMs = int(opts.backoffMs ?? 1000, 'backoffMs', 0, MAX_LEASE_MS);
    const backoffMaxMs = int(opts.backoffMaxMs ?? 300_000, 'backoffMaxMs', 0, MAX_LEASE_MS);
    const now = Date.now();
    const readyAt = now + int(opts.delayMs ?? 0, 'delayMs', 0, 365 * 24 * 3600_000);
    const run = async (tx: Executor) => {
      // DO NOTHING on the partial unique index of live dedupe keys: two enqueues racing with one
      // key leave one item (PostgreSQL makes the second wait for the first's commit).
      const row = await tx.one<WorkItemRow>(
        `INSERT INTO work_items (queue, payload, state, priority, ready_at, dedupe_key, attempts, max_attempts, backoff_ms, backoff_max_ms, created_at, updated_at)
         VALUES (?, ?, 'queued', ?, ?, ?, 0, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING ${ITEM_COLUMNS}`,
        [queue, json, int(opts.priority ?? 0, 'priority', -1e9, 1e9), readyAt, opts.dedupeKey ?? null, maxAttempts, backoffMs, backoffMaxMs, now, now],
      );
      if (row) return { item: itemFromRow<P>(row), created: true };
      const existing = await tx.one<WorkItemRow>(
        `SELECT ${ITEM_COLUMNS} FROM work_items WHERE queue = ? AND dedupe_key = ? AND state IN ('queued', 'leased')`,
        [queue, opts.dedupeKey ?? null],
      );
      if (!existing) throw new Error(`work queue: enqueue to '${queue}' inserted nothing and found no live item with its dedupe key`);
      return { item: itemFromRow<P>(existing), created: false };
    };
    if (opts.tx) return run(opts.tx);
    const out = await this.db.transaction(run);
    if (out.created) this.wakeups.wake(queue);
    return out;
  }

  async claim<P>(queue: string, opts: ClaimOptions): Promise<WorkItem<P>[]> {
    checkQueueName(queue);
    const leaseMs = int(opts.leaseMs, 'leaseMs', 1, MAX_LEASE_MS);
    const limit = int(opts.limit ?? 1, 'limit', 1, 1000);
    if (!opts.worker) throw new InvalidParameter('A claim must name its worker.');
    const deadline = Date.now() + Math.max(0, opts.waitMs ?? 0);
    for (;;) {
      const seen = this.wakeups.generation(queue);
      const now = Date.now();
      const token = randomBytes(12).toString('hex');
      const rows = await this.db.transaction((tx) =>
        tx.all<WorkItemRow>(this.claimStatement(), [opts.worker, token, now + leaseMs, now, queue, now, limit]),
      );
      if (rows.length) return rows.map((r) => itemFromRow<P>(r)).sort((a, b) => b.priority - a.priority || a.readyAt - b.readyAt || a.id - b.id);
      const left = deadline - Date.now();
      if (left <= 0 || opts.signal?.aborted || this.closing.signal.aborted) return [];
      const next = await this.db.one<{ t: number | null }>("SELECT MIN(ready_at) AS t FROM work_items WHERE queue = ? AND state = 'queued'", [queue]);
      const untilReady = next?.t === null || next?.t === undefined ? Infinity : Number(next.t) - Date.now() + 1;
      await this.wakeups.wait(queue, seen, Math.min(left, RECHECK_MS, Math.max(1, untilReady)), anySignal(opts.signal, this.closing.signal));
    }
  }

  async heartbeat(id: number, token: string, leaseMs: number): Promise<HeartbeatAnswer> {
    const ms = int(leaseMs, 'leaseMs', 1, MAX_LEASE_MS);
    const now = Date.now();
    const row = await this.db.transaction((tx) =>
      tx.one<{ cancel_requested: number; lease_expires_at: number }>(
        "UPDATE work_items SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND lease_token = ? AND state = 'leased' RETURNING cancel_requested, lease_expires_at",
        [now + ms, now, id, token],
      ),
    );
    if (!row) throw await this.lost(id, token);
    return { leaseExpiresAt: Number(row.lease_expires_at), cancelRequested: Number(row.cancel_requested) === 1 };
  }

  async complete(id: number, token: string, result?: unknown): Promise<WorkItem> {
    const now = Date.now();
    const row = await this.db.transaction((tx) =>
      tx.one<WorkItemRow>(
        `UPDATE work_items SET state = 'done', result = ?, lease_expires_at = NULL, updated_at = ?, finished_at = ?
         WHERE id = ? AND lease_token = ? AND state = 'leased' RETURNING ${ITEM_COLUMNS}`,
        [result === undefined ? null : JSON.stringify(result), now, now, id, token],
      ),
    );
    if (!row) throw await this.lost(id, token);
    return itemFromRow(row);
  }

  async fail(id: number, token: string, error: string, opts: FailOptions = {}): Promise<WorkItem> {
    const out = await this.db.transaction(async (tx) => {
      const row = await tx.one<WorkItemRow>(
        `SELECT ${ITEM_COLUMNS} FROM work_items WHERE id = ? AND lease_token = ? AND state = 'leased'${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
        [id, token],
      );
      if (!row) return undefined;
      const item = itemFromRow(row);
      const now = Date.now();
      const retry = opts.retry !== false && !item.cancelRequested && item.attempts < item.maxAttempts;
      const state = retry ? 'queued' : item.cancelRequested ? 'cancelled' : 'failed';
      const readyAt = retry ? now + (opts.delayMs ?? backoffFor(item)) : item.readyAt;
      const updated = await tx.one<WorkItemRow>(
        `UPDATE work_items SET state = ?, ready_at = ?, error = ?, lease_token = NULL, lease_expires_at = NULL, updated_at = ?, finished_at = ?
         WHERE id = ? RETURNING ${ITEM_COLUMNS}`,
        [state, readyAt, String(error).slice(0, 64 * 1024), now, retry ? null : now, id],
      );
      return itemFromRow(updated!);
    });
    if (!out) throw await this.lost(id, token);
    if (out.state === 'queued') this.wakeups.wake(out.queue);
    return out;
  }

  async cancel(id: number): Promise<WorkItem> {
    const now = Date.now();
    const row = await this.db.transaction(async (tx) => {
      const cancelled = await tx.one<WorkItemRow>(
        `UPDATE work_items SET state = 'cancelled', updated_at = ?, finished_at = ? WHERE id = ? AND state = 'queued' RETURNING ${ITEM_COLUMNS}`,
        [now, now, id],
      );
      if (cancelled) return cancelled;
      const asked = await tx.one<WorkItemRow>(
        `UPDATE work_items SET cancel_requested = 1, updated_at = ? WHERE id = ? AND state = 'leased' RETURNING ${ITEM_COLUMNS}`,
        [now, id],
      );
      return asked ?? (await tx.one<WorkItemRow>(`SELECT ${ITEM_COLUMNS} FROM work_items WHERE id = ?`, [id]));
    });
    if (!row) throw new NotFound(`Work item ${id} does not exist.`);
    return itemFromRow(row);
  }

  async reap(now = Date.now()): Promise<number> {
    const rows = await this.db.transaction((tx) =>
      tx.all<{ queue: string; state: string }>(
        `UPDATE work_items SET
           state = CASE WHEN cancel_requested = 1 THEN 'cancelled' WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,
           error = 'lease of ' || COALESCE(worker, '?') || ' expired (worker died or stopped heartbeating)',
           ready_at = ?, lease_token = NULL, lease_expires_at = NULL, updated_at = ?,
           finished_at = CASE WHEN cancel_requested = 0 AND attempts < max_attempts THEN NULL ELSE CAST(? AS BIGINT) END
         WHERE state = 'leased' AND lease_expires_at <= ? RETURNING queue, state`,
        [now, now, now, now],
      ),
    );
    for (const q of new Set(rows.filter((r) => r.state === 'queued').map((r) => r.queue))) this.wakeups.wake(q);
    return rows.length;
  }

  async get<P>(id: number): Promise<WorkItem<P> | undefined> {
    const row = await this.db.one<WorkItemRow>(`SELECT ${ITEM_COLUMNS} FROM work_items WHERE id = ?`, [id]);
    return row ? itemFromRow<P>(row) : undefined;
  }

  async counts(queue: string): Promise<WorkCounts> {
    const rows = await this.db.all<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM work_items WHERE queue = ? GROUP BY state', [queue]);
    const out = Object.fromEntries(WORK_STATES.map((s) => [s, 0])) as WorkCounts;
    for (const r of rows) out[r.state as keyof WorkCounts] = Number(r.n);
    return out;
  }

  startReaper(intervalMs: number): void {
    if (this.reaper) return;
    this.reaper = setInterval(() => void this.reap().catch(() => {}), intervalMs);
    this.reaper.unref();
  }

  wake(queue: string): void {
    this.wakeups.wake(queue);
  }

  close(): void {
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = undefined;
    this.closing.abort();
  }

  /** Why a token no longer holds its item, as an error for the worker. */
  private async lost(id: number, token: string): Promise<Error> {
    const item = await this.get(id);
    if (!item) return new NotFound(`Work item ${id} does not exist.`);
    if (item.state === 'leased' && item.leaseToken !== token) return new LeaseLost(id, `it is leased to ${item.worker} under another lease`);
    if (item.state === 'queued') return new LeaseLost(id, 'the lease expired and the item went back to the queue');
    return new LeaseLost(id, `the item is ${item.state}`);
  }
}

function int(v: number, name: string, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new InvalidParameter(`Work queue option '${name}' must be an integer in [${min}, ${max}], got ${v}.`);
  return v;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => !!s));
}

export type { SqlValue };
