/**
 * @module What a node of an elastic job sends to the job's tracking run through the server: rank
 * 0's metric lines (`trainyard_client.launch.log_metrics`, written to the rank's metrics file as on
 * a single machine) when rank 0 runs here, the latest checkpoint it sees, and its ranks' logs of
 * each round (uploaded as run artifacts `logs/round-R/node-N/rank-K.stream.log`, listed on the job).
 * The run id comes back in every rendezvous answer; a failed report never stops training.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiCaller } from './api-recorder.js';
import type { MetricLine } from './recorder.js';

const MLFLOW = '/api/2.0/mlflow';

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export class NodeReporter {
  runId: string | null = null;
  artifactUri: string | null = null;
  private metricsOffset = 0;
  private checkpointMtime = 0;

  constructor(
    private readonly api: ApiCaller,
    /** `/api/v1/rendezvous/<job>` */
    private readonly path: string,
    private readonly nodeId: string,
    private readonly metricsDir: string,
    private readonly checkpointDir: string,
  ) {}

  /** Takes the run from a rendezvous answer (absent from an older server). */
  seen(v: { run_id?: string | null; artifact_uri?: string | null }): void {
    if (v.run_id) this.runId = v.run_id;
    if (v.artifact_uri) this.artifactUri = v.artifact_uri;
  }

  /** New metric lines of rank 0 (if it runs here) and a new checkpoint. */
  async forward(): Promise<void> {
    if (!this.runId) return;
    await this.metrics();
    await this.checkpoint();
  }

  private async metrics(): Promise<void> {
    let buf: Buffer;
    try {
      buf = readFileSync(join(this.metricsDir, 'rank-0.jsonl'));
    } catch {
      return;
    }
    const end = buf.lastIndexOf(10) + 1;
    if (end <= this.metricsOffset) return;
    const lines = buf.subarray(this.metricsOffset, end).toString('utf8').split('\n').filter(Boolean);
    const parsed = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as MetricLine];
      } catch {
        return [];
      }
    });
    const points = parsed.flatMap((l) => Object.entries(l.metrics).map(([key, value]) => ({ key, value, timestamp: l.timestamp ?? Date.now(), step: l.step ?? 0 })));
    for (let i = 0; i < points.length; i += 1000) await this.api.call('POST', `${MLFLOW}/runs/log-batch`, { run_id: this.runId, metrics: points.slice(i, i + 1000) });
    // Only past the lines the server took: a failed send is retried on the next tick.
    this.metricsOffset = end;
  }

  private async checkpoint(): Promise<void> {
    const latest = join(this.checkpointDir, 'latest.json');
    let mtime: number;
    try {
      mtime = statSync(latest).mtimeMs;
    } catch {
      return;
    }
    if (mtime === this.checkpointMtime) return;
    let meta: { step: number; path: string; sha256?: string };
    try {
      meta = JSON.parse(readFileSync(latest, 'utf8'));
    } catch {
      return; // replaced while reading: next tick
    }
    const digest = meta.sha256 ?? (await sha256(meta.path));
    await this.api.call('POST', `${this.path}/checkpoint`, { node_id: this.nodeId, step: meta.step, path: meta.path, sha256: digest });
    this.checkpointMtime = mtime;
  }

  /** A finished round's rank logs of this node, to the run's artifacts and the job's log list. */
  async attachLogs(round: number, files: { rank: number; stdout: string; stderr: string }[]): Promise<void> {
    if (!this.runId) return;
    const out: { rank: number; stream: string; artifact_path: string }[] = [];
    for (const f of files) {
      for (const stream of ['stdout', 'stderr'] as const) {
        const artifactPath = `logs/round-${round}/node-${this.nodeId}/rank-${f.rank}.${stream}.log`;
        if (this.artifactUri) await this.api.artifacts.upload(this.artifactUri, artifactPath, f[stream]);
        out.push({ rank: f.rank, stream, artifact_path: artifactPath });
      }
    }
    await this.api.call('POST', `${this.path}/logs`, { node_id: this.nodeId, round, files: out });
  }
}
