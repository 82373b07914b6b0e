/**
 * @module A JobRecorder that reports through the API (HTTP to a server, or the same routes
 * in-process on the local store), and mirrors what matters onto the job's tracking run: rank 0's
 * metrics, restarts, the latest checkpoint (tags), each attempt's per-rank logs (artifacts).
 */
import type { HttpMethod } from '../core/route.js';
import type { CheckpointInfo, JobRecorder, JobState, MetricLine, TransitionDetail } from './recorder.js';

const MLFLOW = '/api/2.0/mlflow';

/** What launch needs from a connection; the SDK's Connection has this shape. */
export interface ApiCaller {
  call<T = any>(method: HttpMethod, path: string, fields?: Record<string, unknown>): Promise<T>;
  readonly artifacts: { upload(artifactUri: string, relPath: string, file: string): Promise<void> };
}

export class ApiRecorder implements JobRecorder {
  artifactUri: string | undefined;

  constructor(
    private readonly api: ApiCaller,
    private readonly jobId: string,
    private readonly nonce: string,
    private readonly runId: string,
  ) {}

  private job<T>(path: string, fields: Record<string, unknown>): Promise<T> {
    return this.api.call<T>('POST', `/api/v1/jobs/${encodeURIComponent(this.jobId)}${path}`, { nonce: this.nonce, ...fields });
  }

  private tags(tags: Record<string, string>): Promise<unknown> {
    return this.api.call('POST', `${MLFLOW}/runs/log-batch`, { run_id: this.runId, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
  }

  async transition(to: JobState, detail: TransitionDetail): Promise<void> {
    await this.job('/transition', { state: to, attempt: detail.attempt, detail });
    const now = Date.now();
    if (to === 'running') {
      await this.api.call('POST', `${MLFLOW}/runs/log-batch`, {
        run_id: this.runId,
        metrics: [
          { key: 'trainyard.attempt', value: detail.attempt, timestamp: now, step: detail.attempt },
          { key: 'trainyard.world_size', value: Number(detail.worldSize ?? 0), timestamp: now, step: detail.attempt },
        ],
      });
    }
    if (to === 'restarting' || to === 'failed') {
      const f = detail.failure;
      if (f) await this.tags({ 'trainyard.launch.failed_rank': String(f.rank), 'trainyard.launch.failure': f.message.slice(0, 5000) });
    }
    if (to === 'succeeded' || to === 'failed' || to === 'cancelled') {
      await this.tags({ 'trainyard.launch.state': to });
      await this.api.call('POST', `${MLFLOW}/runs/update`, { run_id: this.runId, status: to === 'succeeded' ? 'FINISHED' : to === 'failed' ? 'FAILED' : 'KILLED', end_time: now });
    }
  }

  async event(kind: string, detail: Record<string, unknown>): Promise<void> {
    await this.job('/events', { kind, attempt: detail.attempt, detail });
    if (kind === 'straggler') await this.tags({ [`trainyard.launch.straggler.rank${detail.rank}`]: `own ${detail.own_ms} ms/step vs ${detail.others_ms} ms (attempt ${detail.attempt})` });
  }

  async heartbeat(): Promise<{ cancelRequested: boolean }> {
    const r = await this.job<{ cancel_requested: boolean }>('/heartbeat', {});
    return { cancelRequested: r.cancel_requested };
  }

  async metrics(lines: MetricLine[]): Promise<void> {
    const metrics = lines.flatMap((l) => Object.entries(l.metrics).map(([key, value]) => ({ key, value, timestamp: l.timestamp ?? Date.now(), step: l.step ?? 0 })));
    for (let i = 0; i < metrics.length; i += 1000) await this.api.call('POST', `${MLFLOW}/runs/log-batch`, { run_id: this.runId, metrics: metrics.slice(i, i + 1000) });
  }

  async checkpoint(c: CheckpointInfo): Promise<void> {
    await this.job('/checkpoint', { step: c.step, path: c.path, sha256: c.sha256 });
    await this.tags({ 'trainyard.checkpoint.step': String(c.step), 'trainyard.checkpoint.path': c.path, 'trainyard.checkpoint.sha256': c.sha256 });
  }

  async liveLogs(attempt: number, chunks: { rank: number; stream: 'stdout' | 'stderr'; offset: number; text: string }[]): Promise<void> {
    await this.job('/live-logs', { attempt, chunks });
  }

  async attachLogs(attempt: number, files: { rank: number; stream: 'stdout' | 'stderr'; path: string }[]): Promise<void> {
    const out: { attempt: number; rank: number; stream: string; artifact_path: string }[] = [];
    for (const f of files) {
      const artifactPath = `logs/attempt-${attempt}/rank-${f.rank}.${f.stream}.log`;
      if (this.artifactUri) await this.api.artifacts.upload(this.artifactUri, artifactPath, f.path);
      out.push({ attempt, rank: f.rank, stream: f.stream, artifact_path: artifactPath });
    }
    await this.job('/events', { kind: 'logs', attempt, detail: { attempt, files: out } });
  }
}
