/**
 * @module The rendezvous in the store: one row per job holding the state document; every call
 * (join, heartbeat, read) is one transaction that locks the row, applies the state machine at
 * the current time and writes the result. Any server replica can answer any node.
 */
import { AlreadyExists, NotFound } from '../../core/errors.js';
import type { Database, Executor } from '../../store/index.js';
import type { CheckpointInfo } from '../recorder.js';
import { specOfConfig, type ElasticJobRecord, type ElasticSpec, type LogFile, type RunEffects } from './elastic-job.js';
import { advance, join, leave, newState, report, view, type HistoryEntry, type JoinInput, type NodeView, type RdzvConfig, type RdzvState, type ReportInput } from './state.js';

/** A node's view plus the tracking run it logs rank 0's metrics and its rank logs to. */
export type NodeAnswer = NodeView & { run_id: string | null; artifact_uri: string | null };

export class RendezvousService {
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
    /** The job's row in launch_jobs and its tracking run (absent: the rendezvous alone, as in unit tests). */
    private readonly record?: ElasticJobRecord,
  ) {}

  /** Mirrors the transaction's new history onto the job; returns what the run gets after commit. */
  private async mirror(tx: Executor, s: RdzvState, prevLast: HistoryEntry | undefined, now: number): Promise<RunEffects | undefined> {
    return this.record?.sync(tx, s, prevLast, now);
  }

  private async answer(tx: Executor, s: RdzvState, nodeId: string): Promise<NodeAnswer> {
    const run = this.record ? await this.record.runOf(tx, s.jobId) : { run_id: null, artifact_uri: null };
    return { ...view(s, nodeId), ...run };
  }

  private async locked(tx: Executor, jobId: string): Promise<RdzvState | undefined> {
    const row = await tx.one<{ state: string }>(`SELECT state FROM launch_rendezvous WHERE job_id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [jobId]);
    return row ? (JSON.parse(row.state) as RdzvState) : undefined;
  }

  private async save(tx: Executor, s: RdzvState, now: number): Promise<void> {
    await tx.run('UPDATE launch_rendezvous SET state = ?, phase = ?, updated_at = ? WHERE job_id = ?', [JSON.stringify(s), s.phase, now, s.jobId]);
  }

  private async update<T>(jobId: string, fn: (s: RdzvState, now: number, tx: Executor) => T | Promise<T>): Promise<T> {
    let effects: RunEffects | undefined;
    const out = await this.db.transaction(async (tx) => {
      const s = await this.locked(tx, jobId);
      if (!s) throw new NotFound(`No rendezvous for job '${jobId}' (a node must join it first)`);
      const now = this.clock();
      const prevLast = s.history.at(-1);
      advance(s, now);
      const result = await fn(s, now, tx);
      // A cancel asked through the jobs API reaches the rendezvous here; the node sees it on its next beat.
      effects = await this.mirror(tx, s, prevLast, now);
      await this.save(tx, s, now);
      return result;
    });
    await this.record?.apply(effects);
    return out;
  }

  async join(jobId: string, cfg: RdzvConfig, node: JoinInput, spec?: ElasticSpec): Promise<NodeAnswer> {
    await this.record?.ensure(jobId, spec ?? specOfConfig(cfg));
    let effects: RunEffects | undefined;
    const out = await this.db.transaction(async (tx) => {
      const now = this.clock();
      // The first node creates the rendezvous; concurrent first joins meet on the primary key.
      await tx.run('INSERT INTO launch_rendezvous (job_id, state, phase, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [jobId, JSON.stringify(newState(jobId, cfg, now)), 'joining', now, now]);
      const s = (await this.locked(tx, jobId))!;
      const prevLast = s.history.at(-1);
      join(s, cfg, node, now);
      const answer = await this.answer(tx, s, node.nodeId);
      effects = await this.mirror(tx, s, prevLast, now);
      await this.save(tx, s, now);
      return answer;
    });
    await this.record?.apply(effects);
    return out;
  }

  /** Opens a job's rendezvous before any node joins (placement on agents); refused if it exists. */
  async create(jobId: string, cfg: RdzvConfig, spec?: ElasticSpec): Promise<RdzvState> {
    const s = await this.db.transaction(async (tx) => {
      const now = this.clock();
      const s = newState(jobId, cfg, now);
      const rows = await tx.all('INSERT INTO launch_rendezvous (job_id, state, phase, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING job_id', [jobId, JSON.stringify(s), 'joining', now, now]);
      if (rows.length === 0) throw new AlreadyExists(`Job '${jobId}' already has a rendezvous; pick another job id`);
      return s;
    });
    await this.record?.ensure(jobId, spec ?? specOfConfig(cfg));
    return s;
  }

  async setItems(jobId: string, items: number[]): Promise<void> {
    await this.update(jobId, (s) => {
      s.items = items;
    });
  }

  async report(jobId: string, r: ReportInput): Promise<NodeAnswer> {
    return this.update(jobId, (s, now, tx) => {
      report(s, r, now);
      return this.answer(tx, s, r.nodeId);
    });
  }

  /** A node leaves on purpose (its launcher was stopped): the round re-forms without it now. */
  async leave(jobId: string, nodeId: string, reason?: string): Promise<NodeAnswer> {
    return this.update(jobId, (s, now, tx) => {
      leave(s, nodeId, reason, now);
      return this.answer(tx, s, nodeId);
    });
  }

  /** The whole state (nodes, round, history), with the time rules applied. */
  async get(jobId: string): Promise<RdzvState> {
    return this.update(jobId, (s) => s);
  }

  /** A node's latest checkpoint, for the job and its run. */
  async checkpoint(jobId: string, nodeId: string, c: CheckpointInfo): Promise<{ recorded: boolean }> {
    if (!this.record) return { recorded: false };
    return this.record.checkpoint(jobId, nodeId, c);
  }

  /** A node's rank logs of one round, listed on the job. */
  async logs(jobId: string, nodeId: string, round: number, files: LogFile[]): Promise<void> {
    await this.record?.logs(jobId, nodeId, round, files);
  }
}

