/**
 * @module Jobs: the stored side of launch. A supervisor (the `trainyard launch` process, or
 * `ty.launch`) claims a job id, reports transitions and heartbeats; anyone lists, reads and
 * cancels. Every write is one transaction; the same SQL runs on SQLite and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { AlreadyExists, InvalidParameter, InvalidState, NotFound } from '../core/errors.js';
import type { Database, Executor } from '../store/index.js';
import { JOB_STATES, TERMINAL, type JobState } from './recorder.js';

/** A supervisor silent this long is dead: its job may be resumed by another launch of the id. */
export const SUPERVISOR_STALE_MS = 10_000;

const NEXT: Record<JobState, readonly JobState[]> = {
  pending: ['running', 'failed', 'cancelled'],
  running: ['restarting', 'succeeded', 'failed', 'cancelled'],
  restarting: ['running', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export interface JobEvent {
  seq: number;
  at: number;
  kind: string;
  state: JobState | null;
  attempt: number | null;
  detail: Record<string, unknown>;
}

/** What an elastic job adds (`kind` 'elastic'): its rounds and nodes, from the rendezvous. */
export interface ElasticView {
  phase: string;
  round: number;
  message: string | null;
  min_nodes: number;
  max_nodes: number;
  nproc_per_node: number;
  nodes: { id: string; host: string; addr: string; status: string; rank: number | null; seen_at: number }[];
  rounds: { round: number; at: number; nodes: string[]; world_size: number; master: string; restart_count: number; ended?: { at: number; reason: string; node?: string } }[];
}

export interface Job {
  job_id: string;
  /** 'single': one supervising process (`trainyard launch`); 'elastic': nodes meeting in the server's rendezvous. */
  kind: 'single' | 'elastic';
  state: JobState;
  spec: Record<string, unknown>;
  run_id: string | null;
  experiment_id: string | null;
  attempts: number;
  restarts: number;
  failure: Record<string, unknown> | null;
  checkpoint: { step: number; path: string; sha256: string } | null;
  supervisor: { pid: number | null; host: string | null; alive: boolean };
  cancel_requested: boolean;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
  events?: JobEvent[];
  elastic?: ElasticView;
}

export interface Row {
  id: string;
  kind: 'single' | 'elastic';
  state: JobState;
  spec: string;
  run_id: string | null;
  experiment_id: string | null;
  attempts: number;
  restarts: number;
  failure: string | null;
  checkpoint: string | null;
  supervisor: string | null;
  supervisor_pid: number | null;
  supervisor_host: string | null;
  heartbeat_at: number | null;
  cancel_requested: number;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
  next_seq: number;
}

export function alive(r: Row, now: number): boolean {
  return !TERMINAL.includes(r.state) && r.heartbeat_at !== null && now - Number(r.heartbeat_at) < SUPERVISOR_STALE_MS;
}

function toJob(r: Row, now = Date.now()): Job {
  return {
    job_id: r.id,
    kind: r.kind ?? 'single',
    state: r.state,
    spec: JSON.parse(r.spec),
    run_id: r.run_id,
    experiment_id: r.experiment_id,
    attempts: Number(r.attempts),
    restarts: Number(r.restarts),
    failure: r.failure ? JSON.parse(r.failure) : null,
    checkpoint: r.checkpoint ? JSON.parse(r.checkpoint) : null,
    supervisor: { pid: r.supervisor_pid === null ? null : Number(r.supervisor_pid), host: r.supervisor_host, alive: alive(r, now) },
    cancel_requested: Number(r.cancel_requested) === 1,
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    ended_at: r.ended_at === null ? null : Number(r.ended_at),
  };
}

/** Appends one event to a job's history (the caller's transaction holds the job's row). */
export async function appendJobEvent(ex: Executor, r: { id: string; next_seq: number }, kind: string, state: JobState | null, attempt: number | null, detail: Record<string, unknown>, now: number): Promise<void> {
  const seq = Number(r.next_seq);
  await ex.run('INSERT INTO launch_job_events (job_id, seq, at, kind, state, attempt, detail) VALUES (?, ?, ?, ?, ?, ?, ?)', [r.id, seq, now, kind, state, attempt, JSON.stringify(detail)]);
  await ex.run('UPDATE launch_jobs SET next_seq = ? WHERE id = ?', [seq + 1, r.id]);
  r.next_seq = seq + 1;
}

interface RdzvDoc {
  phase: string;
  round: number;
  message: string | null;
  min: number;
  max: number;
  nproc: number;
  nodes: { id: string; host: string; addr: string; status: string; rank: number | null; seenAt: number }[];
  history: { at: number; kind: string; round: number; detail: Record<string, any> }[];
}

function elasticView(d: RdzvDoc): ElasticView {
  const rounds: ElasticView['rounds'] = [];
  for (const h of d.history) {
    if (h.kind === 'round') rounds.push({ round: h.round, at: h.at, nodes: h.detail.nodes, world_size: h.detail.world_size, master: h.detail.master, restart_count: h.detail.restart_count });
    else if ((h.kind === 'end' || h.kind === 'succeeded' || h.kind === 'failed' || h.kind === 'cancelled') && rounds.at(-1)?.round === h.round && !rounds.at(-1)!.ended) {
      rounds.at(-1)!.ended = { at: h.at, reason: h.kind === 'end' ? String(h.detail.reason) : h.kind, ...(h.detail.node ? { node: String(h.detail.node) } : {}) };
    }
  }
  return {
    phase: d.phase,
    round: d.round,
    message: d.message,
    min_nodes: d.min,
    max_nodes: d.max,
    nproc_per_node: d.nproc,
    nodes: d.nodes.map((n) => ({ id: n.id, host: n.host, addr: n.addr, status: n.status, rank: n.rank, seen_at: n.seenAt })),
    rounds,
  };
}

export interface ClaimInput {
  jobId?: string;
  spec: Record<string, unknown>;
  supervisor: { nonce: string; pid: number; host: string };
}

export class JobsService {
  constructor(private readonly db: Database) {}

  private async row(ex: Executor, id: string, lock = false): Promise<Row> {
    const r = await ex.one<Row>(`SELECT * FROM launch_jobs WHERE id = ?${lock && ex.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [id]);
    if (!r) throw new NotFound(`No job '${id}'`);
    return r;
  }

  private addEvent(ex: Executor, r: Row, kind: string, state: JobState | null, attempt: number | null, detail: Record<string, unknown>, now: number): Promise<void> {
    return appendJobEvent(ex, r, kind, state, attempt, detail, now);
  }

  /**
   * Takes a job id for a supervisor: a new job, or a resumption of one whose supervisor is gone
   * (failed, cancelled, or silent for SUPERVISOR_STALE_MS). Refused while another supervisor of
   * the id is alive, and for a job that already succeeded.
   */
  async claim(input: ClaimInput): Promise<Job & { resumed: boolean }> {
    const id = input.jobId ?? `job-${randomBytes(5).toString('hex')}`;
    const now = Date.now();
    return this.db.transaction(async (tx) => {
      const existing = await tx.one<Row>(`SELECT * FROM launch_jobs WHERE id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [id]);
      if (existing) {
        if (existing.kind === 'elastic') throw new AlreadyExists(`Job '${id}' is an elastic multi-node job (its nodes meet in the server's rendezvous); pick another job id`);
        if (alive(existing, now)) throw new AlreadyExists(`Job '${id}' is already running (supervisor pid ${existing.supervisor_pid} on ${existing.supervisor_host}); cancel it or pick another job id`);
        if (existing.state === 'succeeded') throw new AlreadyExists(`Job '${id}' already succeeded; pick another job id (use --resume-from ${existing.run_id ?? '<run_id>'} to start from its checkpoint)`);
        await tx.run(
          `UPDATE launch_jobs SET state = 'pending', spec = ?, supervisor = ?, supervisor_pid = ?, supervisor_host = ?, heartbeat_at = ?, cancel_requested = 0, failure = NULL, ended_at = NULL, updated_at = ? WHERE id = ?`,
          [JSON.stringify(input.spec), input.supervisor.nonce, input.supervisor.pid, input.supervisor.host, now, now, id],
        );
        await this.addEvent(tx, existing, 'resumed', 'pending', null, { from_state: existing.state, pid: input.supervisor.pid, host: input.supervisor.host }, now);
        return { ...toJob(await this.row(tx, id), now), resumed: true };
      }
      await tx.run(
        `INSERT INTO launch_jobs (id, state, spec, supervisor, supervisor_pid, supervisor_host, heartbeat_at, created_at, updated_at) VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?)`,
        [id, JSON.stringify(input.spec), input.supervisor.nonce, input.supervisor.pid, input.supervisor.host, now, now, now],
      );
      const r = await this.row(tx, id);
      await this.addEvent(tx, r, 'transition', 'pending', null, { pid: input.supervisor.pid, host: input.supervisor.host }, now);
      return { ...toJob(r, now), resumed: false };
    });
  }

  private async owned(tx: Executor, id: string, nonce: string): Promise<Row> {
    const r = await this.row(tx, id, true);
    if (r.supervisor !== nonce) throw new InvalidState(`Job '${id}' is supervised by another process now`);
    return r;
  }

  async setRun(id: string, nonce: string, runId: string, experimentId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.owned(tx, id, nonce);
      await tx.run('UPDATE launch_jobs SET run_id = ?, experiment_id = ?, updated_at = ? WHERE id = ?', [runId, experimentId, Date.now(), id]);
    });
  }

  async transition(id: string, nonce: string, to: JobState, attempt: number | null, detail: Record<string, unknown>): Promise<Job> {
    if (!JOB_STATES.includes(to)) throw new InvalidParameter(`state must be one of ${JOB_STATES.join(', ')} (got '${to}')`);
    const now = Date.now();
    return this.db.transaction(async (tx) => {
      const r = await this.owned(tx, id, nonce);
      if (!NEXT[r.state].includes(to)) throw new InvalidState(`Job '${id}' cannot go from ${r.state} to ${to}`);
      const failure = detail.failure === undefined ? r.failure : JSON.stringify(detail.failure);
      const attempts = to === 'running' ? Number(r.attempts) + 1 : Number(r.attempts);
      const restarts = to === 'restarting' ? Number(r.restarts) + 1 : Number(r.restarts);
      const ended = TERMINAL.includes(to) ? now : null;
      await tx.run('UPDATE launch_jobs SET state = ?, failure = ?, attempts = ?, restarts = ?, ended_at = ?, heartbeat_at = ?, updated_at = ? WHERE id = ?', [to, failure, attempts, restarts, ended, now, now, id]);
      await this.addEvent(tx, r, 'transition', to, attempt, detail, now);
      return toJob(await this.row(tx, id), now);
    });
  }

  async event(id: string, nonce: string, kind: string, attempt: number | null, detail: Record<string, unknown>): Promise<void> {
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const r = await this.owned(tx, id, nonce);
      await this.addEvent(tx, r, kind, null, attempt, detail, now);
    });
  }

  /** Refuses a caller that is not the job's current supervisor (its nonce). */
  async assertSupervisor(id: string, nonce: string): Promise<void> {
    const r = await this.row(this.db, id);
    if (r.supervisor !== nonce) throw new InvalidState(`Job '${id}' is supervised by another process now`);
  }

  async heartbeat(id: string, nonce: string): Promise<{ cancel_requested: boolean }> {
    return this.db.transaction(async (tx) => {
      const r = await this.owned(tx, id, nonce);
      await tx.run('UPDATE launch_jobs SET heartbeat_at = ? WHERE id = ?', [Date.now(), id]);
      return { cancel_requested: Number(r.cancel_requested) === 1 };
    });
  }

  async checkpoint(id: string, nonce: string, c: { step: number; path: string; sha256: string }): Promise<void> {
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const r = await this.owned(tx, id, nonce);
      await tx.run('UPDATE launch_jobs SET checkpoint = ?, updated_at = ? WHERE id = ?', [JSON.stringify(c), now, id]);
      await this.addEvent(tx, r, 'checkpoint', null, null, c, now);
    });
  }

  /**
   * Asks the job's supervisor to cancel (it sees the request within a second and stops the
   * group with SIGTERM and its grace period). A job whose supervisor is gone is cancelled here.
   */
  async cancel(id: string): Promise<Job> {
    const now = Date.now();
    return this.db.transaction(async (tx) => {
      const r = await this.row(tx, id, true);
      if (TERMINAL.includes(r.state)) throw new InvalidState(`Job '${id}' is already ${r.state}`);
      if (alive(r, now)) {
        await tx.run('UPDATE launch_jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?', [now, id]);
        await this.addEvent(tx, r, 'cancel_requested', null, null, {}, now);
      } else {
        await tx.run(`UPDATE launch_jobs SET state = 'cancelled', cancel_requested = 1, ended_at = ?, updated_at = ? WHERE id = ?`, [now, now, id]);
        await this.addEvent(tx, r, 'transition', 'cancelled', null, { reason: 'supervisor gone' }, now);
      }
      return toJob(await this.row(tx, id), now);
    });
  }

  async get(id: string): Promise<Job> {
    const r = await this.row(this.db, id);
    const events = await this.db.all<{ seq: number; at: number; kind: string; state: JobState | null; attempt: number | null; detail: string }>(
      'SELECT seq, at, kind, state, attempt, detail FROM launch_job_events WHERE job_id = ? ORDER BY seq',
      [id],
    );
    const rdzv = r.kind === 'elastic' ? await this.db.one<{ state: string }>('SELECT state FROM launch_rendezvous WHERE job_id = ?', [id]) : undefined;
    return {
      ...toJob(r),
      ...(rdzv ? { elastic: elasticView(JSON.parse(rdzv.state) as RdzvDoc) } : {}),
      events: events.map((e) => ({ seq: Number(e.seq), at: Number(e.at), kind: e.kind, state: e.state, attempt: e.attempt === null ? null : Number(e.attempt), detail: JSON.parse(e.detail) })),
    };
  }

  /** Newest first, keyset pages on (created_at, id). */
  async list(opts: { state?: JobState; maxResults?: number; pageToken?: string } = {}): Promise<{ jobs: Job[]; next_page_token?: string }> {
    const max = opts.maxResults ?? 100;
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (opts.state) {
      where.push('state = ?');
      params.push(opts.state);
    }
    if (opts.pageToken) {
      let pos: { c: number; id: string };
      try {
        pos = JSON.parse(Buffer.from(opts.pageToken, 'base64url').toString('utf8'));
      } catch {
        throw new InvalidParameter('page_token is not one this server handed out');
      }
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(pos.c, pos.c, pos.id);
    }
    const rows = await this.db.all<Row>(`SELECT * FROM launch_jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id DESC LIMIT ${max + 1}`, params);
    const page = rows.slice(0, max);
    const last = page[page.length - 1];
    return {
      jobs: page.map((r) => toJob(r)),
      next_page_token: rows.length > max && last ? Buffer.from(JSON.stringify({ c: Number(last.created_at), id: last.id })).toString('base64url') : undefined,
    };
  }
}
