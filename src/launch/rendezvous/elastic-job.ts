/**
 * @module An elastic job as a first-class job: the rendezvous' first node (or the placement on
 * agents) opens a launch_jobs row of kind 'elastic' and the job's tracking run (experiment and
 * params from the spec); every rendezvous transaction then mirrors its new history entries onto
 * the job (state, rounds, restarts, failing node and rank) in the same transaction, and onto the
 * run (world size per round, failure tags, final status) right after it. Nodes send rank 0's
 * metrics to the run themselves (its id comes back in every NodeView), and report checkpoints and
 * per-round rank logs here.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AlreadyExists, AppError, NotFound } from '../../core/errors.js';
import type { Database, Executor } from '../../store/index.js';
import type { Tracking } from '../../tracking/index.js';
import type { LaunchSpec } from '../job-spec.js';
import { appendJobEvent, type Row } from '../jobs-service.js';
import { TERMINAL, type CheckpointInfo, type JobState } from '../recorder.js';
import { cancel, isOver, type HistoryEntry, type RdzvConfig, type RdzvState } from './state.js';

/** What the spec of a node of an older version (that sends none) is taken to be. */
export type ElasticSpec = Partial<LaunchSpec> & { nnodes: { min: number; max: number }; nprocPerNode: number; maxRestarts: number };

export function specOfConfig(cfg: RdzvConfig): ElasticSpec {
  return { nnodes: { min: cfg.min, max: cfg.max }, nprocPerNode: cfg.nproc, maxRestarts: cfg.maxRestarts };
}

/** What the tracking run gets after a rendezvous transaction commits. */
export interface RunEffects {
  runId: string | null;
  rounds: HistoryEntry[];
  tags: Record<string, string>;
  end?: { state: JobState; at: number };
}

const HEARTBEAT_WRITE_MS = 1000;
/** A node joining while the first one creates the run waits this long for its id (it gets it on a later beat otherwise). */
const LINK_WAIT_MS = 10_000;

export interface LogFile {
  rank: number;
  stream: string;
  artifact_path: string;
}

export class ElasticJobRecord {
  /** run id -> artifact uri (a run's artifact location never changes). */
  private readonly artifactUris = new Map<string, string>();

  constructor(
    private readonly db: Database,
    private readonly tracking: Tracking,
  ) {}

  private async experiment(name: string | undefined): Promise<string> {
    if (!name) return '0';
    try {
      return (await this.tracking.experiments.getByName(name)).experiment_id;
    } catch (e) {
      if (!(e instanceof NotFound)) throw e;
    }
    try {
      return await this.tracking.experiments.create(name, undefined, []);
    } catch (e) {
      if (e instanceof AlreadyExists) return (await this.tracking.experiments.getByName(name)).experiment_id;
      throw e;
    }
  }

  /**
   * The job's row and run, made by the first caller. The row is the claim (its primary key meets
   * concurrent first joins); the run is created outside that transaction (tracking writes open
   * their own) and linked right after.
   */
  async ensure(jobId: string, spec: ElasticSpec): Promise<void> {
    const now = Date.now();
    const existing = await this.db.one<{ kind: string; run_id: string | null }>('SELECT kind, run_id FROM launch_jobs WHERE id = ?', [jobId]);
    if (existing) {
      if (existing.kind !== 'elastic') throw new AlreadyExists(`Job '${jobId}' is a single-machine job (trainyard launch without --server); pick another job id`);
      if (!existing.run_id) await this.linked(jobId);
      return;
    }
    // Before the claim: a bad experiment name is refused with nothing stored.
    const experimentId = await this.experiment(spec.experiment);
    const created = await this.db.transaction(async (tx) => {
      // Concurrent first joins meet on the primary key: one creates the run, the others wait for it.
      const rows = await tx.all(
        `INSERT INTO launch_jobs (id, kind, state, spec, supervisor, supervisor_host, heartbeat_at, created_at, updated_at) VALUES (?, 'elastic', 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
        [jobId, JSON.stringify(spec), `rendezvous:${randomBytes(8).toString('hex')}`, `rendezvous@${hostname()}`, now, now, now],
      );
      if (rows.length === 0) return false;
      const r = (await tx.one<Row>('SELECT * FROM launch_jobs WHERE id = ?', [jobId]))!;
      await appendJobEvent(tx, r, 'transition', 'pending', null, { kind: 'elastic', nnodes: `${spec.nnodes.min}:${spec.nnodes.max}`, nproc_per_node: spec.nprocPerNode }, now);
      return true;
    });
    if (!created) return this.linked(jobId);
    const run = await this.tracking.runs.create({
      experimentId,
      runName: jobId,
      startTime: now,
      tags: [
        { key: 'trainyard.launch.job_id', value: jobId },
        { key: 'trainyard.launch.kind', value: 'elastic' },
        ...(spec.command?.length ? [{ key: 'mlflow.source.name', value: spec.command[0]! }, { key: 'trainyard.launch.command', value: spec.command.join(' ') }] : []),
      ],
    });
    const runId = run.info.run_id;
    this.artifactUris.set(runId, run.info.artifact_uri);
    await this.tracking.runs.logBatch(runId, {
      params: [
        { key: 'launch.nproc_per_node', value: String(spec.nprocPerNode) },
        { key: 'launch.nnodes', value: `${spec.nnodes.min}:${spec.nnodes.max}` },
        { key: 'launch.max_restarts', value: String(spec.maxRestarts) },
        ...(spec.python ? [{ key: 'launch.python', value: spec.python }] : []),
      ],
    });
    await this.db.run('UPDATE launch_jobs SET run_id = ?, experiment_id = ?, updated_at = ? WHERE id = ?', [runId, experimentId, Date.now(), jobId]);
  }

  /** Waits (briefly) for the concurrent first join that won the claim to link the run. */
  private async linked(jobId: string): Promise<void> {
    const until = Date.now() + LINK_WAIT_MS;
    while (Date.now() < until) {
      const row = await this.db.one<{ run_id: string | null }>('SELECT run_id FROM launch_jobs WHERE id = ?', [jobId]);
      if (row?.run_id) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The run id and artifact location nodes log to (null until the run is linked). */
  async runOf(tx: Executor, jobId: string): Promise<{ run_id: string | null; artifact_uri: string | null }> {
    const row = await tx.one<{ run_id: string | null }>('SELECT run_id FROM launch_jobs WHERE id = ?', [jobId]);
    const runId = row?.run_id ?? null;
    if (!runId) return { run_id: null, artifact_uri: null };
    let uri = this.artifactUris.get(runId);
    if (uri === undefined) {
      const r = await tx.one<{ artifact_uri: string }>('SELECT artifact_uri FROM runs WHERE run_uuid = ?', [runId]);
      uri = r?.artifact_uri ?? '';
      if (this.artifactUris.size > 1000) this.artifactUris.clear();
      this.artifactUris.set(runId, uri);
    }
    return { run_id: runId, artifact_uri: uri || null };
  }

  /**
   * Inside the rendezvous transaction, after the state machine ran: a cancel asked through the
   * jobs API ends the rendezvous; the history entries added since `prevLast` become the job's
   * events and state. Returns what the run gets once the transaction commits.
   */
  async sync(tx: Executor, s: RdzvState, prevLast: HistoryEntry | undefined, now: number): Promise<RunEffects | undefined> {
    const r = await tx.one<Row>(`SELECT * FROM launch_jobs WHERE id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [s.jobId]);
    if (!r || r.kind !== 'elastic') return undefined;
    if (Number(r.cancel_requested) === 1) cancel(s, now);
    const from = prevLast ? s.history.lastIndexOf(prevLast) + 1 : 0;
    const fresh = prevLast && from === 0 ? [] : s.history.slice(from);
    const effects: RunEffects = { runId: r.run_id, rounds: [], tags: {} };
    let state = r.state;
    let failure: Record<string, unknown> | null = r.failure ? JSON.parse(r.failure) : null;
    for (const h of fresh) {
      let to: JobState | null = null;
      if (h.kind === 'round') {
        to = 'running';
        effects.rounds.push(h);
      } else if (h.kind === 'end') {
        to = 'restarting';
        // A scale-up or a node that left on purpose is no failure (neither uses a restart).
        if (h.detail.reason !== 'scale-up' && h.detail.reason !== 'node-left') {
          failure = { round: h.round, at: h.at, ...h.detail };
          // Readers (CLI, UI) show failure.message: a lost node's end has none of its own.
          if (failure.message === undefined) failure.message = `${h.detail.reason} on node ${h.detail.node}`;
          effects.tags['trainyard.launch.failed_node'] = String(h.detail.node ?? '');
          if (h.detail.rank !== undefined) effects.tags['trainyard.launch.failed_rank'] = String(h.detail.rank);
          effects.tags['trainyard.launch.failure'] = String(h.detail.message ?? `${h.detail.reason} on node ${h.detail.node}`).slice(0, 5000);
        }
      } else if (h.kind === 'lost' && failure && failure.reason === 'worker-failure' && failure.round === h.round && h.at - Number(h.detail.silent_ms ?? 0) <= Number(failure.at)) {
        // A member went silent before the failure was reported: its loss broke the collective and
        // the reported rank is a victim (torchrun names the victim; we name the node that left).
        const victim = { node: failure.node, rank: failure.rank, message: failure.message };
        failure = { round: h.round, at: h.at, reason: 'node-lost', node: h.detail.node, silent_ms: h.detail.silent_ms, message: `node ${h.detail.node} lost (silent ${h.detail.silent_ms} ms)`, victim };
        effects.tags['trainyard.launch.failed_node'] = String(h.detail.node);
        effects.tags['trainyard.launch.failure'] = `node ${h.detail.node} lost (silent ${h.detail.silent_ms} ms); rank ${victim.rank} on node ${victim.node} failed on the broken group`;
      } else if (h.kind === 'failed') {
        to = 'failed';
        failure = failure ? { ...failure, job_message: h.detail.message } : { round: h.round, reason: 'join-timeout', message: h.detail.message };
        effects.tags['trainyard.launch.failure'] = String(h.detail.message).slice(0, 5000);
      } else if (h.kind === 'succeeded') to = 'succeeded';
      else if (h.kind === 'cancelled') to = 'cancelled';
      if (to && to !== state && !TERMINAL.includes(state)) {
        await appendJobEvent(tx, r, 'transition', to, h.round, h.detail, h.at);
        state = to;
        if (TERMINAL.includes(to)) effects.end = { state: to, at: h.at };
      } else await appendJobEvent(tx, r, h.kind === 'joined' ? 'node_joined' : h.kind === 'lost' ? 'node_lost' : `rendezvous_${h.kind}`, null, h.round, h.detail, h.at);
    }
    if (isOver(s) && !TERMINAL.includes(state)) {
      // The jobs API cancelled a job no node beats for any more: the rendezvous follows it.
      state = s.phase as JobState;
      effects.end = { state, at: now };
    }
    const ended = TERMINAL.includes(state) ? (r.ended_at ?? now) : null;
    const changed = fresh.length > 0 || state !== r.state;
    if (changed || r.heartbeat_at === null || now - Number(r.heartbeat_at) >= HEARTBEAT_WRITE_MS) {
      await tx.run('UPDATE launch_jobs SET state = ?, attempts = ?, restarts = ?, failure = ?, heartbeat_at = ?, ended_at = ?, updated_at = ? WHERE id = ?', [
        state,
        s.round,
        // Rounds restarted: the last failure of a job past --max-restarts ended it, restarted nothing.
        Math.min(s.restartCount, s.maxRestarts),
        failure ? JSON.stringify(failure) : null,
        now,
        ended,
        changed ? now : r.updated_at,
        s.jobId,
      ]);
    }
    return effects;
  }

  /** After the transaction: the run's metrics and tags. A tracking error never fails a node's call. */
  async apply(e: RunEffects | undefined): Promise<void> {
    if (!e?.runId) return;
    const runId = e.runId;
    try {
      const metrics = e.rounds.flatMap((h) => [
        { key: 'trainyard.world_size', value: Number(h.detail.world_size ?? 0), timestamp: h.at, step: h.round },
        { key: 'trainyard.nodes', value: Array.isArray(h.detail.nodes) ? h.detail.nodes.length : 0, timestamp: h.at, step: h.round },
        { key: 'trainyard.restart_count', value: Number(h.detail.restart_count ?? 0), timestamp: h.at, step: h.round },
      ]);
      const tags = Object.entries({ ...e.tags, ...(e.end ? { 'trainyard.launch.state': e.end.state } : {}) }).map(([key, value]) => ({ key, value }));
      if (metrics.length || tags.length) await this.tracking.runs.logBatch(runId, { metrics, tags });
      if (e.end) await this.tracking.runs.update(runId, { status: e.end.state === 'succeeded' ? 'FINISHED' : e.end.state === 'failed' ? 'FAILED' : 'KILLED', endTime: e.end.at });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
    }
  }

  /** A node's checkpoint: the job and run keep the latest step (nodes sharing a folder report it twice). */
  async checkpoint(jobId: string, nodeId: string, c: CheckpointInfo): Promise<{ recorded: boolean }> {
    const now = Date.now();
    const out = await this.db.transaction(async (tx) => {
      const r = await tx.one<Row>(`SELECT * FROM launch_jobs WHERE id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [jobId]);
      if (!r || r.kind !== 'elastic') throw new NotFound(`No elastic job '${jobId}'`);
      const prev = r.checkpoint ? (JSON.parse(r.checkpoint) as CheckpointInfo) : null;
      if (prev && (prev.step > c.step || (prev.step === c.step && prev.path === c.path))) return { recorded: false, runId: r.run_id };
      await tx.run('UPDATE launch_jobs SET checkpoint = ?, updated_at = ? WHERE id = ?', [JSON.stringify({ step: c.step, path: c.path, sha256: c.sha256 }), now, jobId]);
      await appendJobEvent(tx, r, 'checkpoint', null, null, { ...c, node: nodeId }, now);
      return { recorded: true, runId: r.run_id };
    });
    if (out.recorded && out.runId) {
      await this.tracking.runs
        .logBatch(out.runId, { tags: [{ key: 'trainyard.checkpoint.step', value: String(c.step) }, { key: 'trainyard.checkpoint.path', value: c.path }, { key: 'trainyard.checkpoint.sha256', value: c.sha256 }] })
        .catch(() => undefined);
    }
    return { recorded: out.recorded };
  }

  /** A node's rank logs of one round (uploaded to the run's artifacts by the node): listed on the job. */
  async logs(jobId: string, nodeId: string, round: number, files: LogFile[]): Promise<void> {
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const r = await tx.one<Row>(`SELECT * FROM launch_jobs WHERE id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [jobId]);
      if (!r || r.kind !== 'elastic') throw new NotFound(`No elastic job '${jobId}'`);
      await appendJobEvent(tx, r, 'logs', null, round, { attempt: round, node: nodeId, files: files.map((f) => ({ attempt: round, node: nodeId, rank: f.rank, stream: f.stream, artifact_path: f.artifact_path })) }, now);
    });
  }
}
