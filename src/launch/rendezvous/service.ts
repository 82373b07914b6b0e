/**
 * @module The rendezvous in the store: one row per job holding the state document; every call
 * (join, heartbeat, read) is one transaction that locks the row, applies the state machine at
 * the current time and writes the result. Any server replica can answer any node.
 */
import { AlreadyExists, NotFound } from '../../core/errors.js';
import type { Database, Executor } from '../../store/index.js';
import { advance, join, leave, newState, report, view, type JoinInput, type NodeView, type RdzvConfig, type RdzvState, type ReportInput } from './state.js';

export class RendezvousService {
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {}

  private async locked(tx: Executor, jobId: string): Promise<RdzvState | undefined> {
    const row = await tx.one<{ state: string }>(`SELECT state FROM launch_rendezvous WHERE job_id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [jobId]);
    return row ? (JSON.parse(row.state) as RdzvState) : undefined;
  }

  private async save(tx: Executor, s: RdzvState, now: number): Promise<void> {
    await tx.run('UPDATE launch_rendezvous SET state = ?, phase = ?, updated_at = ? WHERE job_id = ?', [JSON.stringify(s), s.phase, now, s.jobId]);
  }

  private async update<T>(jobId: string, fn: (s: RdzvState, now: number) => T): Promise<T> {
    return this.db.transaction(async (tx) => {
      const s = await this.locked(tx, jobId);
      if (!s) throw new NotFound(`No rendezvous for job '${jobId}' (a node must join it first)`);
      const now = this.clock();
      const out = fn(s, now);
      await this.save(tx, s, now);
      return out;
    });
  }

  async join(jobId: string, cfg: RdzvConfig, node: JoinInput): Promise<NodeView> {
    return this.db.transaction(async (tx) => {
      const now = this.clock();
      // The first node creates the rendezvous; concurrent first joins meet on the primary key.
      await tx.run('INSERT INTO launch_rendezvous (job_id, state, phase, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [jobId, JSON.stringify(newState(jobId, cfg, now)), 'joining', now, now]);
      const s = (await this.locked(tx, jobId))!;
      join(s, cfg, node, now);
      await this.save(tx, s, now);
      return view(s, node.nodeId);
    });
  }

  /** Opens a job's rendezvous before any node joins (placement on agents); refused if it exists. */
  async create(jobId: string, cfg: RdzvConfig): Promise<RdzvState> {
    return this.db.transaction(async (tx) => {
      const now = this.clock();
      const s = newState(jobId, cfg, now);
      const rows = await tx.all('INSERT INTO launch_rendezvous (job_id, state, phase, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING job_id', [jobId, JSON.stringify(s), 'joining', now, now]);
      if (rows.length === 0) throw new AlreadyExists(`Job '${jobId}' already has a rendezvous; pick another job id`);
      return s;
    });
  }

  async setItems(jobId: string, items: number[]): Promise<void> {
    await this.update(jobId, (s) => {
      s.items = items;
    });
  }

  async report(jobId: string, r: ReportInput): Promise<NodeView> {
    return this.update(jobId, (s, now) => {
      report(s, r, now);
      return view(s, r.nodeId);
    });
  }

  /** A node leaves on purpose (its launcher was stopped): the round re-forms without it now. */
  async leave(jobId: string, nodeId: string, reason?: string): Promise<NodeView> {
    return this.update(jobId, (s, now) => {
      leave(s, nodeId, reason, now);
      return view(s, nodeId);
    });
  }

  /** The whole state (nodes, round, history), with the time rules applied. */
  async get(jobId: string): Promise<RdzvState> {
    return this.update(jobId, (s, now) => {
      advance(s, now);
      return s;
    });
  }
}
