import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { AppError, InvalidParameter } from '../core/errors.js';
import { encodeMetricBatch, METRICS_BINARY_TYPE } from '../core/metric-batch-binary.js';
import type { KeyValue, Run, RunStatus } from '../tracking/entities.js';
import { jsonDouble, type MetricPoint } from '../tracking/index.js';
import { TAG_DATASET_CONTEXT } from '../tracking/entities.js';
import { DIFF_ARTIFACT, TAGS } from './capture/run-context.js';
import type { Connection } from './connect.js';
import { profileDataset, type DatasetProfile } from './dataset/profile-dataset.js';
import { LogBuffer, type LogBufferOptions } from './log-buffer.js';
import { logModelPackage, type LogModelOptions, type ModelPackageInfo } from './models.js';

const API = '/api/2.0/mlflow';

export interface LogDatasetOptions {
  path: string;
  /** train / validation / test / ... (MLflow's `mlflow.data.context` input tag). */
  context?: string;
  /** Dataset name (default: the file name). */
  name?: string;
  /** CSV: is the first row a header? Default: detected. */
  header?: boolean;
}

/**
 * A run being logged to. Metrics, params and tags are buffered and sent in batches in the
 * background (`logMetric` costs the caller about a microsecond); datasets and artifacts are sent
 * at once. `end()` flushes and sets the final status.
 */
export class ActiveRun {
  private readonly buffer: LogBuffer;
  private ended = false;
  private seedValue: number | undefined;
  /** Cleared when the server turned out not to read binary batches. */
  private binaryBatches = true;

  constructor(
    private readonly conn: Connection,
    readonly info: Run['info'],
    seed: number | undefined,
    bufferOptions: LogBufferOptions = {},
  ) {
    this.seedValue = seed;
    this.buffer = new LogBuffer((batch) => this.sendBatch(batch), bufferOptions);
  }

  get id(): string {
    return this.info.run_id;
  }

  /**
   * A metric-only batch goes in the binary format (docs/metric-batch-binary.md: no JSON parse and
   * no string per point on the server); anything with params or tags, and embedded mode, as
   * MLflow's JSON. A server that does not read the binary format (an MLflow server, an older
   * Trainyard) answers it with a 4xx: the batch is sent again as JSON, and if that is accepted,
   * this run sends JSON from then on. A batch the server refuses in both forms fails as JSON.
   */
  private async sendBatch(batch: { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] }): Promise<void> {
    if (this.binaryBatches && this.conn.postBytes && batch.metrics.length && !batch.params.length && !batch.tags.length) {
      try {
        await this.conn.postBytes(`${API}/runs/log-batch`, { run_id: this.id }, METRICS_BINARY_TYPE, encodeMetricBatch(batch.metrics));
        return;
      } catch (e) {
        const status = e instanceof AppError ? e.status : 0;
        if (status < 400 || status >= 500) throw e; // unreachable / 5xx: LogBuffer's retry decides
        await this.sendJson(batch);
        this.binaryBatches = false;
        return;
      }
    }
    await this.sendJson(batch);
  }

  /** MLflow's JSON; NaN and ±Infinity as the strings MLflow reads (JSON.stringify would send null). */
  private async sendJson(batch: { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] }): Promise<void> {
    const metrics = batch.metrics.map((m) => (Number.isFinite(m.value) ? m : { ...m, value: jsonDouble(m.value) }));
    await this.conn.call('POST', `${API}/runs/log-batch`, { run_id: this.id, ...batch, metrics });
  }

  /**
   * Logs a metric without waiting for the server. The returned promise is already resolved
   * unless too much is waiting to be sent; awaiting it applies backpressure.
   */
  logMetric(key: string, value: number, opts: { step?: number; timestamp?: number } = {}): Promise<void> {
    return this.buffer.addMetric(key, value, opts.timestamp ?? Date.now(), opts.step ?? 0);
  }

  logMetrics(metrics: Record<string, number>, opts: { step?: number; timestamp?: number } = {}): Promise<void> {
    const ts = opts.timestamp ?? Date.now();
    let last: Promise<void> = Promise.resolve();
    for (const [k, v] of Object.entries(metrics)) last = this.buffer.addMetric(k, v, ts, opts.step ?? 0);
    return last;
  }

  /** Params are write-once: logging a different value for a key later fails at the next flush. */
  logParams(params: Record<string, string | number | boolean>): Promise<void> {
    let last: Promise<void> = Promise.resolve();
    for (const [k, v] of Object.entries(params)) last = this.buffer.addParam(k, String(v));
    return last;
  }

  logParam(key: string, value: string | number | boolean): Promise<void> {
    return this.buffer.addParam(key, String(value));
  }

  setTags(tags: Record<string, string>): Promise<void> {
    let last: Promise<void> = Promise.resolve();
    for (const [k, v] of Object.entries(tags)) last = this.buffer.addTag(k, v);
    return last;
  }

  setTag(key: string, value: string): Promise<void> {
    return this.buffer.addTag(key, value);
  }

  /**
   * The run's random seed: the one given at start, else one drawn now. Recorded as a tag, so
   * `trainyard runs reproduce` can hand it back.
   */
  seed(): number {
    if (this.seedValue === undefined) this.seedValue = Math.floor(Math.random() * 2 ** 31);
    void this.buffer.addTag(TAGS.seed, String(this.seedValue));
    return this.seedValue;
  }

  /**
   * Records a dataset file as a run input: content digest (sha256, streamed), row count, schema
   * and a column profile for CSV / JSON lines. The same file always gets the same digest.
   */
  async logDataset(opts: LogDatasetOptions): Promise<DatasetProfile> {
    const profile = await profileDataset(opts.path, { header: opts.header });
    const { columns, schema, ...rest } = profile;
    await this.conn.call('POST', `${API}/runs/log-inputs`, {
      run_id: this.id,
      datasets: [{
        tags: opts.context ? [{ key: TAG_DATASET_CONTEXT, value: opts.context }] : [],
        dataset: {
          name: opts.name ?? profile.name,
          digest: profile.digest,
          source_type: 'local',
          source: JSON.stringify({ uri: profile.path }),
          ...(schema ? { schema } : {}),
          profile: JSON.stringify({ ...rest, ...(columns ? { columns } : {}) }),
        },
      }],
    });
    return profile;
  }

  /**
   * Uploads a file, or a folder's files recursively, under `artifactPath` (default: the file or
   * folder's own name at the artifact root).
   */
  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    let st;
    try {
      st = statSync(localPath);
    } catch {
      throw new InvalidParameter(`Artifact path '${localPath}' does not exist.`);
    }
    const dest = artifactPath ?? basename(localPath.replace(/[\\/]+$/, ''));
    if (st.isFile()) return this.conn.artifacts.upload(this.info.artifact_uri, dest, localPath);
    for (const file of walk(localPath)) {
      await this.conn.artifacts.upload(this.info.artifact_uri, [dest, ...relative(localPath, file).split(sep)].filter(Boolean).join('/'), file);
    }
  }

  /**
   * Logs a model package: the folder's files plus an MLmodel manifest (flavors, signature,
   * environment, every file's digest, this run and its dataset digests) under `artifactPath`
   * (default `model`). Register it with `ty.models.register(name, pkg)`.
   */
  async logModel(dir: string, opts: LogModelOptions): Promise<ModelPackageInfo> {
    await this.flush();
    return logModelPackage(this.conn, this.info, dir, opts);
  }

  /** Writes `text` as an artifact file. */
  async logText(text: string, artifactFile: string): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'ty-text-'));
    try {
      const file = join(dir, basename(artifactFile));
      writeFileSync(file, text);
      await this.conn.artifacts.upload(this.info.artifact_uri, artifactFile, file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** @internal the uncommitted diff captured at start. */
  async logGitDiff(diff: string): Promise<void> {
    await this.logText(diff, DIFF_ARTIFACT);
  }

  /** Waits until everything logged so far is stored; throws if a batch was rejected. */
  flush(): Promise<void> {
    return this.buffer.flush();
  }

  /** Flushes, then marks the run FINISHED (or the given status). Ending twice is a no-op. */
  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    let failure: unknown;
    try {
      await this.buffer.flush();
    } catch (e) {
      failure = e;
    }
    await this.conn.call('POST', `${API}/runs/update`, { run_id: this.id, status: failure ? 'FAILED' : status, end_time: Date.now() });
    if (failure) throw failure;
  }

  get isEnded(): boolean {
    return this.ended;
  }
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (entry.isFile()) yield p;
  }
}
