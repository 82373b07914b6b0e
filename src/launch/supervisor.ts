/**
 * @module The single-machine supervisor: runs a job's attempts until it succeeds, fails past
 * max-restarts, or is cancelled. Any worker's death (any code, any signal) or a hang stops the
 * whole group and restarts it; the script resumes from its latest checkpoint. It records every
 * transition through a JobRecorder (the jobs API, over HTTP or in-process).
 *
 * Recovery: a dead rank is seen within one 200 ms tick (torchrun polls every 5 s by default);
 * after a failure the broken group gets `FAILURE_GRACE_MS` to exit on SIGTERM (a group with a
 * dead peer cannot write a consistent checkpoint anyway), a hung one 500 ms, a cancel the full
 * grace period.
 */
import { readLogChunk } from '../core/file-range.js';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { detectHang, detectStragglers, readBeat } from './heartbeats.js';
import type { LaunchSpec } from './job-spec.js';
import { killAllWithEnv } from './process-tree.js';
import { startReaper } from './reaper.js';
import { rootCause, type Failure } from './root-cause.js';
import { WorkerGroup } from './worker-group.js';
import type { CheckpointInfo, JobRecorder, JobState } from './recorder.js';

const TICK_MS = 200;
const SETTLE_MS = 300;
const FAILURE_GRACE_MS = 2000;
// A hung rank is stuck by definition (often in a handler-ignoring sleep or a C++ wait): it will
// not act on SIGTERM, so waiting the full failure grace only delays the restart.
const HANG_GRACE_MS = 500;
const HEARTBEAT_EVERY_MS = 1000;

/** clients/python in this package: the launch hook and the `trainyard_client` helpers. */
export const PYTHON_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'clients', 'python');

/** Marks every process of one supervisor session (the reaper kills by it). */
export function newNonce(): string {
  return randomBytes(8).toString('hex');
}

export interface SuperviseOptions {
  jobId: string;
  nonce?: string;
  jobDir: string;
  runId?: string;
  trackingUri?: string;
  resumeFrom?: string;
  /** First attempt number (a resumed job continues the numbering of its log folders). */
  firstAttempt?: number;
  recorder: JobRecorder;
  /** Aborting cancels the job (SIGTERM to the launcher). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface JobOutcome {
  state: Extract<JobState, 'succeeded' | 'failed' | 'cancelled'>;
  attempts: number;
  restarts: number;
  failure?: Failure;
}

type AttemptEnd = { kind: 'succeeded' } | { kind: 'failed'; failure: Failure } | { kind: 'cancelled' };

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export class Supervisor {
  readonly nonce: string;
  private lastCheckpointMtime = 0;
  private metricsOffset = 0;
  private cancelRequested = false;

  constructor(
    private readonly spec: LaunchSpec,
    private readonly opts: SuperviseOptions,
  ) {
    this.nonce = opts.nonce ?? newNonce();
  }

  get checkpointDir(): string {
    return this.spec.checkpointDir ?? join(this.opts.jobDir, 'checkpoints');
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  async run(): Promise<JobOutcome> {
    const { spec, opts } = this;
    // A dead earlier supervisor of this job may have left workers (none should survive the
    // reaper, but a machine crash mid-kill could): they would hold the checkpoint and the port.
    await killAllWithEnv('TRAINYARD_JOB_ID', opts.jobId);
    const reaper = startReaper(this.nonce);
    const onAbort = () => (this.cancelRequested = true);
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) this.cancelRequested = true;
    mkdirSync(this.checkpointDir, { recursive: true });
    mkdirSync(join(opts.jobDir, 'metrics'), { recursive: true });
    let attempt = opts.firstAttempt ?? 0;
    let restarts = 0;
    try {
      for (;;) {
        const end = await this.attempt(attempt, restarts);
        if (end.kind === 'succeeded') {
          await opts.recorder.transition('succeeded', { attempt });
          return { state: 'succeeded', attempts: attempt + 1 - (opts.firstAttempt ?? 0), restarts };
        }
        if (end.kind === 'cancelled') {
          await opts.recorder.transition('cancelled', { attempt, checkpoint: this.latestCheckpoint() });
          return { state: 'cancelled', attempts: attempt + 1 - (opts.firstAttempt ?? 0), restarts };
        }
        if (restarts >= spec.maxRestarts) {
          await opts.recorder.transition('failed', { attempt, failure: end.failure });
          return { state: 'failed', attempts: attempt + 1 - (opts.firstAttempt ?? 0), restarts, failure: end.failure };
        }
        restarts++;
        this.log(`attempt ${attempt} failed: ${end.failure.message}; restart ${restarts} of ${spec.maxRestarts}`);
        await opts.recorder.transition('restarting', { attempt, failure: end.failure, restarts });
        attempt++;
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      await killAllWithEnv('TRAINYARD_LAUNCH_NONCE', this.nonce);
      reaper.stop();
    }
  }

  private async attempt(attempt: number, restartCount: number): Promise<AttemptEnd> {
    const { spec, opts } = this;
    const port = await freePort();
    const dir = join(opts.jobDir, `attempt-${attempt}`);
    const group = new WorkerGroup(
      spec,
      { jobId: opts.jobId, nonce: this.nonce, masterAddr: '127.0.0.1', masterPort: port, groupRank: 0, groupWorldSize: 1, nprocPerNode: spec.nprocPerNode, restartCount, maxRestarts: spec.maxRestarts },
      dir,
      join(opts.jobDir, 'metrics'),
      { runId: opts.runId, checkpointDir: this.checkpointDir, trackingUri: opts.trackingUri, resumeFrom: opts.resumeFrom, pythonPath: [join(PYTHON_DIR, 'trainyard_launch_hook'), PYTHON_DIR] },
    );
    await opts.recorder.transition('running', { attempt, masterPort: port, worldSize: group.size, pids: group.pids, restartCount });
    this.log(`attempt ${attempt}: ${group.size} workers on 127.0.0.1:${port}`);
    const flagged = new Set<number>();
    let lastBeat = 0;
    let end: AttemptEnd | undefined;
    const logOffsets = new Map<string, number>();
    while (!end) {
      await new Promise((r) => setTimeout(r, TICK_MS));
      await this.forward();
      await this.forwardLogs(attempt, group, logOffsets);
      if (Date.now() - lastBeat >= HEARTBEAT_EVERY_MS) {
        lastBeat = Date.now();
        const hb = await opts.recorder.heartbeat().catch(() => ({ cancelRequested: false }));
        if (hb.cancelRequested) this.cancelRequested = true;
      }
      if (this.cancelRequested) {
        this.log(`cancelling: SIGTERM to all ranks, ${spec.graceSeconds} s grace`);
        await group.stop(spec.graceSeconds * 1000);
        end = { kind: 'cancelled' };
        break;
      }
      if (group.exits.some((e) => e.code !== 0 || e.signal)) {
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const seen = [...group.exits];
        await group.stop(FAILURE_GRACE_MS);
        end = { kind: 'failed', failure: rootCause(seen)! };
        break;
      }
      if (group.allExited) {
        end = { kind: 'succeeded' };
        break;
      }
      const beats = group.files.map((f) => readBeat(f.heartbeat));
      const hang = detectHang(beats, Date.now(), group.startedAt, spec.stallSeconds, spec.startupSeconds);
      if (hang) {
        this.log(`hang: ${hang.reason}; rank ${hang.rank} is the likely culprit`);
        await opts.recorder.event('hang', { attempt, rank: hang.rank, reason: hang.reason });
        await group.stop(HANG_GRACE_MS);
        end = { kind: 'failed', failure: { rank: hang.rank, exitCode: null, signal: null, message: `hang: ${hang.reason}; rank ${hang.rank} was outside a collective the longest`, collateral: false } };
        break;
      }
      for (const s of detectStragglers(beats)) {
        if (flagged.has(s.rank)) continue;
        flagged.add(s.rank);
        this.log(`straggler: rank ${s.rank} computes ${s.ownMs.toFixed(0)} ms per step outside collectives, others ${s.othersMs.toFixed(0)} ms`);
        await opts.recorder.event('straggler', { attempt, rank: s.rank, own_ms: Math.round(s.ownMs), others_ms: Math.round(s.othersMs) });
      }
    }
    await this.forward();
    await this.forwardLogs(attempt, group, logOffsets);
    // Every rank's exit (code or signal), so a reader sees the whole group, not just the root cause.
    await opts.recorder.event('exits', { attempt, ranks: [...group.exits].sort((a, b) => a.rank - b.rank).map((e) => ({ rank: e.rank, exit_code: e.code, signal: e.signal })) }).catch((e) => this.log(`could not record exits: ${(e as Error).message}`));
    await opts.recorder.attachLogs(attempt, group.files.flatMap((f) => [{ rank: f.rank, stream: 'stdout' as const, path: f.stdout }, { rank: f.rank, stream: 'stderr' as const, path: f.stderr }])).catch((e) => this.log(`could not attach logs: ${(e as Error).message}`));
    return end;
  }

  private liveLogsWarned = false;

  /** Every rank's new stdout/stderr lines since the last tick, in one report (bounded per tick). */
  private async forwardLogs(attempt: number, group: WorkerGroup, offsets: Map<string, number>): Promise<void> {
    const send = this.opts.recorder.liveLogs?.bind(this.opts.recorder);
    if (!send) return;
    const chunks: { rank: number; stream: 'stdout' | 'stderr'; offset: number; text: string }[] = [];
    const next = new Map<string, number>();
    for (const f of group.files) {
      for (const stream of ['stdout', 'stderr'] as const) {
        const key = `${f.rank}.${stream}`;
        const from = offsets.get(key) ?? 0;
        const c = readLogChunk(f[stream], from);
        if (c.text) chunks.push({ rank: f.rank, stream, offset: from, text: c.text });
        next.set(key, c.next);
      }
    }
    if (!chunks.length) return;
    try {
      await send(attempt, chunks);
      for (const [k, v] of next) offsets.set(k, v);
    } catch (e) {
      // Sent again next tick (the server skips what it already has); the attempt's files are the record.
      if (!this.liveLogsWarned) this.log(`live logs not sent (the attempt's logs still attach when it ends): ${(e as Error).message}`);
      this.liveLogsWarned = true;
    }
  }

  /** Rank 0's new metric lines and a new checkpoint, to the recorder. */
  private async forward(): Promise<void> {
    const file = join(this.opts.jobDir, 'metrics', 'rank-0.jsonl');
    try {
      const buf = readFileSync(file);
      const end = buf.lastIndexOf(10) + 1;
      if (end > this.metricsOffset) {
        const lines = buf.subarray(this.metricsOffset, end).toString('utf8').split('\n').filter(Boolean);
        this.metricsOffset = end;
        const parsed = lines.flatMap((l) => {
          try {
            return [JSON.parse(l) as { metrics: Record<string, number>; step?: number; timestamp?: number }];
          } catch {
            return [];
          }
        });
        if (parsed.length) await this.opts.recorder.metrics(parsed).catch((e) => this.log(`metrics not recorded: ${(e as Error).message}`));
      }
    } catch {
      /* no metrics yet */
    }
    const latest = join(this.checkpointDir, 'latest.json');
    try {
      const m = statSync(latest).mtimeMs;
      if (m !== this.lastCheckpointMtime) {
        this.lastCheckpointMtime = m;
        const meta = JSON.parse(readFileSync(latest, 'utf8')) as { step: number; path: string };
        const info: CheckpointInfo = { step: meta.step, path: meta.path, sha256: await sha256(meta.path) };
        await this.opts.recorder.checkpoint(info);
      }
    } catch {
      /* none yet, or replaced while reading: next tick */
    }
  }

  private latestCheckpoint(): CheckpointInfo | undefined {
    try {
      const meta = JSON.parse(readFileSync(join(this.checkpointDir, 'latest.json'), 'utf8'));
      return { step: meta.step, path: meta.path, sha256: meta.sha256 };
    } catch {
      return undefined;
    }
  }
}

export const HOST = hostname();
