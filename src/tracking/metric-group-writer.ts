import { auditGroupInsertSql, auditGroupParams, claimAuditScope, markAuditRecorded, outsideAuditScope, runInAuditScope, type AuditScope } from '../audit/index.js';
import type { Database, Executor, SqlValue } from '../store/index.js';
import { PG_INSERTED_COLUMNS, PG_MERGE_CTES, writeSeriesPoints, type MetricPoint } from './metric-writer.js';

/**
 * @module Group commit for metric writes on PostgreSQL. Concurrent small metric-only writes
 * (log-metric, a log-batch of a few metrics without params or tags) that arrive together are
 * written by one statement: in the steady state (runs active, series known) one statement checks
 * the runs, finds the series, inserts the points, merges both summaries and writes every member's
 * audit record, and commits on its own: one round trip and one WAL flush for the whole group
 * (a group of one, a sequential client, included) instead of five round trips, a commit and a
 * second commit for its audit record each. Every caller's promise settles only after that
 * commit, so an acknowledged point is as durable as with a commit of its own (synchronous_commit
 * stays on: see bench/results/pg-group-commit.md for what turning it off would add and lose).
 *
 * A bad member must not fail its neighbours. When the steady statement does not match every
 * point it writes nothing, and the group takes the general path: one lookup refuses members per
 * member (unknown or deleted run; the request itself was validated before it was queued), and
 * one transaction creates the missing series and writes the rest; if that still fails (a
 * database error: a trigger, a deadlock, a lost connection), every member is retried alone in its
 * own transaction, so only the one at fault fails.
 *
 * Measured against one transaction per write in the same run: bench/tracking/pg-group-commit.ts,
 * results in bench/results/pg-group-commit.md.
 */

export interface GroupJob {
  runId: string;
  points: readonly MetricPoint[];
  /** The request's audit scope: its record is written by the group's statement. */
  audit?: AuditScope;
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
      this.queue.push({ runId, points, audit: claimAuditScope(), resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // Flush at once when idle (no timer: a sequential client waits for nothing), after the
        // event loop has parsed every request that arrived together; while a group's commit is in
        // flight the next group accumulates. Outside this request's audit scope: the group
        // writes every member's record itself.
        outsideAuditScope(() => setImmediate(() => void this.drain()));
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
    let accepted: GroupJob[];
    try {
      accepted = (await this.writeSteady(group)) ? group : await this.writeTogether(group);
    } catch {
      // Someone in the group broke the shared write: each member alone, so only it fails.
      // One after another: side by side they could deadlock on shared series and fail for that.
      for (const job of group) await alone(job, this.writeAlone);
      return;
    }
    for (const job of accepted) job.resolve();
  }

  /**
   * The steady state (every run active, every series exists) in ONE statement, committed on its
   * own (a single statement is atomic): the run check, the series lookup, the points, both
   * summaries and every member's audit record. One round trip and one WAL flush for the group,
   * whatever its size. When any point's run or series does not match, or a point's step is one
   * the series' packed chunks cover (it may duplicate a chunked point: the general path checks),
   * the statement writes nothing and answers false; the group then takes the general path. The
   * series rows are locked in series order before chunked_to is read, so a chunk append that
   * commits meanwhile is seen (READ COMMITTED re-reads a row it waited for).
   */
  private async writeSteady(group: GroupJob[]): Promise<boolean> {
    const runs: string[] = [];
    const keys: string[] = [];
    const step: number[] = [];
    const ts: number[] = [];
    const val: number[] = [];
    const nan: number[] = [];
    const scopes: AuditScope[] = [];
    for (const job of group) {
      if (job.audit) scopes.push(job.audit);
      for (const p of job.points) {
        const isNan = p.value !== p.value;
        runs.push(job.runId);
        keys.push(p.key);
        step.push(p.step);
        ts.push(p.timestamp);
        val.push(isNan ? 0 : p.value);
        nan.push(isNan ? 1 : 0);
      }
    }
    // Numbers as array literals (String(number) is exact for float8/bigint input, 'Infinity'
    // included); texts through pg's own array encoder, which quotes them.
    const lit = (a: number[]) => `{${a.join(',')}}`;
    const row = await this.db.one<{ ok: boolean; audit: { id: number; request_id: string }[] | null }>(
      steadySql(scopes.length > 0),
      [
        runs as unknown as SqlValue, keys as unknown as SqlValue, lit(step), lit(ts), lit(val), lit(nan), runs.length,
        ...(scopes.length ? auditGroupParams(scopes) : []),
      ],
    );
    if (!row?.ok) return false;
    if (scopes.length) markAuditRecorded(scopes, row.audit ?? []);
    return true;
  }

  /**
   * The general path: one lookup answers both questions for the whole group (is each member's run
   * active, which series ids its keys have), then one transaction creates the missing series and
   * writes the accepted members' points and audit records, so a series row is never left behind
   * by a write that failed. Returns the members written; the others are rejected here.
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
    const scopes = ok.flatMap((j) => (j.audit ? [j.audit] : []));
    const records = await this.db.transaction(async (tx) => {
      if (complete) await writeSeriesPoints(tx, sids, points);
      else await writeGroup(tx, ok);
      return scopes.length ? tx.all<{ id: number; request_id: string }>(auditGroupInsertSql('true'), auditGroupParams(scopes)) : [];
    });
    // Only once committed: a member retried alone after a failed commit must still write its record.
    markAuditRecorded(scopes, records);
    return ok;
  }
}

/** One member in its own transaction, under its own audit scope (the store records it there). */
function alone(job: GroupJob, writeAlone: (runId: string, points: readonly MetricPoint[]) => Promise<void>): Promise<void> {
  const write = () => writeAlone(job.runId, job.points);
  return (job.audit ? runInAuditScope(job.audit, write) : write()).then(job.resolve, job.reject);
}

const steadyCache: string[] = [];
/** The steady-state statement (see writeSteady), with or without the audit records' insert. */
function steadySql(audited: boolean): string {
  return (steadyCache[audited ? 1 : 0] ??= `WITH u AS (
       SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::float8[], ?::int[]) AS u(r, k, step, timestamp, value, is_nan)
     ),
     j AS (
       SELECT m.series_id, u.step, u.timestamp, u.value, u.is_nan, m.chunked_to FROM u
       JOIN runs x ON x.run_uuid = u.r AND x.lifecycle_stage = 'active'
       JOIN latest_metrics m ON m.run_uuid = u.r AND m.key = u.k
       ORDER BY m.series_id FOR UPDATE OF m
     ),
     ok AS (SELECT count(*) = ?::int AND bool_and(j.chunked_to IS NULL OR j.step > j.chunked_to) AS ok FROM j),
     ins AS (
       INSERT INTO metrics (series_id, step, timestamp, value, is_nan)
       SELECT series_id, step, timestamp, value, is_nan FROM j WHERE (SELECT ok FROM ok)
       ON CONFLICT DO NOTHING
       RETURNING ${PG_INSERTED_COLUMNS}
     ),
     ${PG_MERGE_CTES}${audited ? `,
     aud AS (${auditGroupInsertSql('(SELECT ok FROM ok)')})` : ''}
     SELECT (SELECT ok FROM ok) AS ok, ${audited ? '(SELECT json_agg(json_build_object(\'id\', id, \'request_id\', request_id)) FROM aud)' : 'NULL'} AS audit, (SELECT count(*) FROM upd) AS series, (SELECT count(*) FROM blk) AS blocks`);
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
