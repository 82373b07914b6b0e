import type { Database, Executor, SqlValue } from '../store/index.js';
import { writeSeriesPoints, type MetricPoint } from './metric-writer.js';

/**
 * @module Group commit for metric writes on PostgreSQL. Concurrent small metric-only writes
 * (log-metric, a log-batch of a few metrics without params or tags) that arrive together are written by one transaction: one
 * runs check, one series lookup, one INSERT-and-merge statement and one COMMIT for the whole
 * group, instead of five round trips and a WAL flush each. Every caller's promise settles only
 * after that COMMIT, so an acknowledged point is as durable as with a commit of its own
 * (synchronous_commit stays on).
 *
 * A bad member must not fail its neighbours. What can be refused is refused per member before
 * the group is written (unknown or deleted run, checked in the group's one runs query; the
 * request itself was validated before it was queued); if the group's transaction still fails (a
 * database error: a trigger, a deadlock, a lost connection), every member is retried alone in its
 * own transaction, so only the one at fault fails.
 *
 * Measured against one transaction per write in the same run (bench/tracking/pg-group-commit.ts,
 * results in bench/results/pg-group-commit.md): see there; in-process with 8 writers the node
 * CPU per log-metric fell from ~600-850 us to ~180 us.
 */

export interface GroupJob {
  runId: string;
  points: readonly MetricPoint[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Members a group may hold: bounds one group's statement size and the wait it adds. */
const MAX_GROUP = 64;
const MAX_POINTS = 5_000;

export class MetricGroupWriter {
  private queue: GroupJob[] = [];
  private draining = false;

  constructor(
    private readonly db: Database,
    /** The run check of one member: throws the error its request gets (404, 400 deleted run). */
    private readonly checkRun: (row: { lifecycle_stage: string } | undefined, runId: string) => void,
    /** The ordinary path, one member in its own transaction (the fallback). */
    private readonly writeAlone: (runId: string, points: readonly MetricPoint[]) => Promise<void>,
  ) {}

  write(runId: string, points: readonly MetricPoint[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ runId, points, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // After the event loop has parsed every request that arrived together.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const group: GroupJob[] = [];
        let n = 0;
        while (this.queue.length && group.length < MAX_GROUP && (n === 0 || n + this.queue[0]!.points.length <= MAX_POINTS)) {
          const job = this.queue.shift()!;
          group.push(job);
          n += job.points.length;
        }
        await this.runGroup(group);
      }
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(group: GroupJob[]): Promise<void> {
    if (group.length === 1) {
      const job = group[0]!;
      await this.writeAlone(job.runId, job.points).then(job.resolve, job.reject);
      return;
    }
    let accepted: GroupJob[];
    try {
      accepted = await this.writeTogether(group);
    } catch {
      // Someone in the group broke the shared write: each member alone, so only it fails.
      // One after another: side by side they could deadlock on shared series and fail for that.
      for (const job of group) await this.writeAlone(job.runId, job.points).then(job.resolve, job.reject);
      return;
    }
    for (const job of accepted) job.resolve();
  }

  /**
   * One lookup answers both questions for the whole group: is each member's run active, and which
   * series ids its keys have. In the steady state (every series exists) the points then go in as
   * ONE statement, committed on its own (a single statement is atomic): two round trips and one
   * WAL flush for the group. A group that creates series takes a transaction, so a series row is
   * never left behind by a write that failed. Returns the members written; the others are
   * rejected here.
   */
  private async writeTogether(group: GroupJob[]): Promise<GroupJob[]> {
    const pairs = new Map<string, { runId: string; key: string }>();
    for (const job of group) for (const p of job.points) pairs.set(`${job.runId}\u0000${p.key}`, { runId: job.runId, key: p.key });
    const list = [...pairs.values()];
    const rows = await this.db.all<{ r: string; k: string; lifecycle_stage: string | null; series_id: number | null }>(
      `/* keyed */ SELECT u.r, u.k, x.lifecycle_stage, m.series_id FROM unnest(?::text[], ?::text[]) AS u(r, k)
       LEFT JOIN runs x ON x.run_uuid = u.r LEFT JOIN latest_metrics m ON m.run_uuid = u.r AND m.key = u.k`,
      [list.map((s) => s.runId) as unknown as SqlValue, list.map((s) => s.key) as unknown as SqlValue],
    );
    const runs = new Map<string, { lifecycle_stage: string } | undefined>();
    const ids = new Map<string, number>();
    for (const r of rows) {
      runs.set(r.r, r.lifecycle_stage === null ? undefined : { lifecycle_stage: r.lifecycle_stage });
      if (r.series_id !== null) ids.set(`${r.r}\u0000${r.k}`, Number(r.series_id));
    }
    const ok: GroupJob[] = [];
    for (const job of group) {
      try {
        this.checkRun(runs.get(job.runId), job.runId);
        ok.push(job);
      } catch (e) {
        job.reject(e);
      }
    }
    if (!ok.length) return ok;
    const sids: number[] = [];
    const points: MetricPoint[] = [];
    let complete = true;
    for (const job of ok) {
      for (const p of job.points) {
        const id = ids.get(`${job.runId}\u0000${p.key}`);
        if (id === undefined) complete = false;
        sids.push(id!);
        points.push(p);
      }
    }
    if (complete) await writeSeriesPoints(this.db, sids, points);
    else await this.db.transaction((tx) => writeGroup(tx, ok));
    return ok;
  }
}

/** All members' points in one series lookup and one INSERT-and-merge statement. */
async function writeGroup(tx: Executor, group: GroupJob[]): Promise<void> {
  // The first point of each (run, key) seeds a new series row, as ensureSeries does.
  const first = new Map<string, { runId: string; key: string; p: MetricPoint }>();
  for (const job of group) {
    for (const p of job.points) {
      const k = `${job.runId}\u0000${p.key}`;
      if (!first.has(k)) first.set(k, { runId: job.runId, key: p.key, p });
    }
  }
  const ids = new Map<string, number>();
  const select = async (list: { runId: string; key: string }[]) => {
    const rows = await tx.all<{ series_id: number; run_uuid: string; key: string }>(
      `/* keyed */ SELECT m.series_id, m.run_uuid, m.key FROM latest_metrics m
       JOIN unnest(?::text[], ?::text[]) AS u(r, k) ON m.run_uuid = u.r AND m.key = u.k`,
      [list.map((s) => s.runId) as unknown as SqlValue, list.map((s) => s.key) as unknown as SqlValue],
    );
    for (const r of rows) ids.set(`${r.run_uuid}\u0000${r.key}`, Number(r.series_id));
  };
  const all = [...first.values()];
  await select(all);
  const missing = all.filter((s) => !ids.has(`${s.runId}\u0000${s.key}`));
  if (missing.length) {
    // Sorted, so two groups creating the same series lock them in the same order.
    missing.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const created = await tx.all<{ series_id: number; run_uuid: string; key: string }>(
      `INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count)
       SELECT r, k, s, t, 0, 0, NULL, NULL, 0 FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[]) AS u(r, k, s, t)
       ON CONFLICT (run_uuid, key) DO NOTHING RETURNING series_id, run_uuid, key`,
      [
        missing.map((s) => s.runId) as unknown as SqlValue,
        missing.map((s) => s.key) as unknown as SqlValue,
        missing.map((s) => s.p.step) as unknown as SqlValue,
        missing.map((s) => s.p.timestamp) as unknown as SqlValue,
      ],
    );
    for (const r of created) ids.set(`${r.run_uuid}\u0000${r.key}`, Number(r.series_id));
    const still = missing.filter((s) => !ids.has(`${s.runId}\u0000${s.key}`));
    if (still.length) await select(still);
  }
  const sids: number[] = [];
  const points: MetricPoint[] = [];
  for (const job of group) {
    for (const p of job.points) {
      sids.push(ids.get(`${job.runId}\u0000${p.key}`)!);
      points.push(p);
    }
  }
  await writeSeriesPoints(tx, sids, points);
}
