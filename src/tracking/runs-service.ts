import { InvalidParameter, NotFound } from '../core/errors.js';
import { newRunId, randomRunName } from '../core/ids.js';
import type { Database, Executor } from '../store/index.js';
import { TAG_LOG_MODEL_HISTORY, TAG_RUN_NAME, type KeyValue, type Run, type RunInfo, type RunStatus } from './entities.js';
import type { ExperimentsService } from './experiments-service.js';
import { MetricGroupWriter } from './metric-group-writer.js';
import type { MetricColumns } from '../core/metric-batch-binary.js';
import { writeMetricColumns, writeMetrics, type MetricPoint } from './metric-writer.js';
import { loadRuns, runInfo, type RunRow } from './run-loader.js';
import { LIMITS, validateKey, validateLength, validateTimestamp } from './validation.js';

export interface CreateRunInput {
  experimentId?: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: KeyValue[];
}

export interface BatchInput {
  metrics?: MetricPoint[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

/** Runs and everything logged to them, with MLflow's rules (reference §6). */
/**
 * Writes up to this many points join a PostgreSQL group commit. Larger batches already spread
 * their COMMIT over many points, and in a group one backend would insert all of them one after
 * another where separate transactions use several: measured in-process with 8 writers of
 * 1,000-point batches, grouped 27-33k points/s against 33-42k alone (node CPU per point 3.5-5 us
 * against 5-7.5 us).
 */
const GROUPED_MAX_POINTS = 100;

export class RunsService {
  /** PostgreSQL: concurrent metric-only writes share one transaction (see MetricGroupWriter). */
  private readonly metricGroups?: MetricGroupWriter;

  constructor(
    private readonly db: Database,
    private readonly experiments: ExperimentsService,
  ) {
    // TRAINYARD_METRIC_GROUP_COMMIT=off: one transaction per write (the benchmark's same-run baseline).
    if (db.dialect === 'postgres' && process.env.TRAINYARD_METRIC_GROUP_COMMIT !== 'off') {
      this.metricGroups = new MetricGroupWriter(db, checkActive, (runId, points) =>
        this.db.transaction(async (tx) => {
          await this.activeRow(tx, runId);
          await writeMetrics(tx, runId, points);
        }),
      );
    }
  }

  async create(input: CreateRunInput): Promise<Run> {
    const experimentId = input.experimentId ?? '0';
    const tags = input.tags ?? [];
    for (const t of tags) validateTag(t);
    const tagName = lastValue(tags, TAG_RUN_NAME);
    if (input.runName && tagName !== undefined && tagName !== input.runName) {
      throw new InvalidParameter(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const name = input.runName || tagName || randomRunName();
    const startTime = input.startTime ?? Date.now();
    validateTimestamp(startTime, 'start_time');
    const runId = newRunId();
    await this.db.transaction(async (tx) => {
      const exp = await this.experiments.getActive(experimentId, tx);
      await tx.run(
        'INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [runId, name, Number(experimentId), input.userId ?? '', 'RUNNING', startTime, 'active', `${exp.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`],
      );
      await upsertTags(tx, runId, [...tags.filter((t) => t.key !== TAG_RUN_NAME), { key: TAG_RUN_NAME, value: name }]);
    });
    return this.get(runId);
  }

  async get(runId: string): Promise<Run> {
    const row = await this.row(this.db, runId);
    return (await loadRuns(this.db, [row]))[0]!;
  }

  /**
   * The run's row. With `lock` (inside a transaction) PostgreSQL holds the row until commit, for
   * the read-modify-write updates (runs/update, the log-model history) that two interleaved
   * transactions would otherwise lose one of. Metric, param and tag writes need no lock: they are
   * upserts that merge in SQL. SQLite already runs one write transaction at a time.
   */
  async row(ex: Executor, runId: string, lock = false): Promise<RunRow> {
    if (!runId) throw new InvalidParameter(`Missing value for required parameter 'run_id'.`);
    const forUpdate = lock && ex.dialect === 'postgres' ? ' FOR NO KEY UPDATE' : '';
    const row = await ex.one<RunRow>(`SELECT * FROM runs WHERE run_uuid = ?${forUpdate}`, [runId]);
    if (!row) throw new NotFound(`Run '${runId}' not found`);
    return row;
  }

  /** A run that accepts writes: it exists and is not deleted. Locked as `row` says. */
  async activeRow(ex: Executor, runId: string, lock = false): Promise<RunRow> {
    const row = await this.row(ex, runId, lock);
    checkActive(row, runId);
    return row;
  }

  async update(runId: string, changes: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    if (changes.endTime !== undefined) validateTimestamp(changes.endTime, 'end_time');
    return this.db.transaction(async (tx) => {
      const row = await this.activeRow(tx, runId, true);
      const status = changes.status ?? row.status;
      const endTime = changes.endTime ?? row.end_time;
      const name = changes.runName || row.name;
      await tx.run('UPDATE runs SET status = ?, end_time = ?, name = ? WHERE run_uuid = ?', [status, endTime, name, runId]);
      if (changes.runName) await upsertTags(tx, runId, [{ key: TAG_RUN_NAME, value: changes.runName }]);
      return runInfo({ ...row, status, end_time: endTime, name });
    });
  }

  async delete(runId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.row(tx, runId);
      // Deleting a deleted run keeps its first deletion time: experiment restore tells the runs
      // it deleted from those deleted on their own by that time.
      await tx.run("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = COALESCE(deleted_time, ?) WHERE run_uuid = ?", [Date.now(), runId]);
    });
  }

  async restore(runId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.row(tx, runId);
      const exp = await this.experiments.get(String(row.experiment_id), tx);
      if (exp.lifecycle_stage !== 'active') {
        throw new InvalidParameter(`Cannot restore run ${runId}: its experiment ${exp.experiment_id} is deleted. Restore the experiment first.`);
      }
      await tx.run("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_uuid = ?", [runId]);
    });
  }

  async setTag(runId: string, tag: KeyValue): Promise<void> {
    validateTag(tag);
    await this.db.transaction(async (tx) => {
      await this.activeRow(tx, runId);
      await upsertTags(tx, runId, [tag]);
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.activeRow(tx, runId);
      const res = await tx.run('DELETE FROM tags WHERE run_uuid = ? AND key = ?', [runId, key]);
      if (!res.changes) throw new NotFound(`No tag with name: ${key} in run with id ${runId}`);
    });
  }

  /** Appends a model (MLflow's legacy log-model) to the run's `mlflow.log-model.history` tag. */
  async logModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.activeRow(tx, runId, true);
      const tag = await tx.one<{ value: string }>('SELECT value FROM tags WHERE run_uuid = ? AND key = ?', [runId, TAG_LOG_MODEL_HISTORY]);
      let list: unknown[] = [];
      try {
        const parsed: unknown = tag ? JSON.parse(tag.value) : [];
        if (Array.isArray(parsed)) list = parsed;
      } catch {
        // A hand-written tag that is not JSON: start the history afresh rather than fail the log.
      }
      list.push(model);
      const tagValue = { key: TAG_LOG_MODEL_HISTORY, value: JSON.stringify(list) };
      validateTag(tagValue);
      await upsertTags(tx, runId, [tagValue]);
    });
  }

  async logParam(runId: string, param: KeyValue): Promise<void> {
    await this.logBatch(runId, { params: [param] });
  }

  async logMetric(runId: string, metric: MetricPoint): Promise<void> {
    await this.logBatch(runId, { metrics: [metric] });
  }

  /**
   * Metrics, params and tags in one transaction: a rejected batch writes nothing (MLflow can
   * leave part of a failed batch behind). Everything that can be checked without the database is
   * checked before the transaction opens.
   */
  async logBatch(runId: string, batch: BatchInput): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    validateBatch(metrics, params, tags);
    if (!runId) throw new InvalidParameter(`Missing value for required parameter 'run_id'.`);
    if (this.metricGroups && metrics.length && metrics.length <= GROUPED_MAX_POINTS && !params.length && !tags.length) {
      return this.metricGroups.write(runId, metrics);
    }
    await this.db.transaction(async (tx) => {
      await this.activeRow(tx, runId);
      if (params.length) await insertParams(tx, runId, params);
      if (tags.length) await upsertTags(tx, runId, tags);
      if (metrics.length) await writeMetrics(tx, runId, metrics);
    });
  }

  /**
   * A metric-only batch already in columns (the binary batch): the same checks and the same one
   * transaction as logBatch, without an object per point. Each distinct key is validated once.
   */
  async logMetricColumns(runId: string, cols: MetricColumns): Promise<void> {
    const n = cols.values.length;
    if (n > LIMITS.binaryBatchMetrics) throw new InvalidParameter(`A binary metric batch can contain at most ${LIMITS.binaryBatchMetrics} metrics. Got ${n} metrics.`);
    // As many distinct keys as a JSON batch can carry: the series lookup binds one parameter a key.
    if (cols.keys.length > LIMITS.batchMetrics) throw new InvalidParameter(`A binary metric batch can name at most ${LIMITS.batchMetrics} distinct keys. Got ${cols.keys.length}.`);
    const seen = new Set<string>();
    for (const key of cols.keys) {
      validateKey(key, 'metric');
      if (seen.has(key)) throw new InvalidParameter(`Malformed binary metric batch: the key dictionary holds '${key}' twice.`);
      seen.add(key);
    }
    for (let i = 0; i < n; i++) {
      const ts = cols.timestamps[i]!;
      if (!(ts >= 0) || !Number.isSafeInteger(ts)) validateTimestamp(ts, `timestamp of metric '${cols.keys[cols.keyIndex[i]!]}'`);
      if (!Number.isSafeInteger(cols.steps[i]!)) throw new InvalidParameter(`Invalid step ${cols.steps[i]} for metric '${cols.keys[cols.keyIndex[i]!]}': it must be an integer.`);
    }
    if (!runId) throw new InvalidParameter(`Missing value for required parameter 'run_id'.`);
    if (!n) {
      await this.activeRow(this.db, runId);
      return;
    }
    await this.db.transaction(async (tx) => {
      await this.activeRow(tx, runId);
      await writeMetricColumns(tx, runId, cols);
    });
  }
}

/** The run exists and accepts writes; the error otherwise is the one its request gets. */
function checkActive(row: { lifecycle_stage: string } | undefined, runId: string): void {
  if (!row) throw new NotFound(`Run '${runId}' not found`);
  if (row.lifecycle_stage !== 'active') {
    throw new InvalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
  }
}

function lastValue(kvs: KeyValue[], key: string): string | undefined {
  let v: string | undefined;
  for (const kv of kvs) if (kv.key === key) v = kv.value;
  return v;
}

function validateTag(t: KeyValue): void {
  validateKey(t.key, 'tag');
  validateLength(t.value, LIMITS.runTagValue, `Tag value for '${t.key}'`);
}

function validateBatch(metrics: MetricPoint[], params: KeyValue[], tags: KeyValue[]): void {
  if (metrics.length > LIMITS.batchMetrics) throw new InvalidParameter(`A batch logging request can contain at most ${LIMITS.batchMetrics} metrics. Got ${metrics.length} metrics.`);
  if (params.length > LIMITS.batchParams) throw new InvalidParameter(`A batch logging request can contain at most ${LIMITS.batchParams} params. Got ${params.length} params.`);
  if (tags.length > LIMITS.batchTags) throw new InvalidParameter(`A batch logging request can contain at most ${LIMITS.batchTags} tags. Got ${tags.length} tags.`);
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.batchTotal) throw new InvalidParameter(`A batch logging request can contain at most ${LIMITS.batchTotal} entities in total. Got ${total}.`);
  // A batch repeats few keys many times (10 keys x 100 steps): each distinct key is checked once
  // (the key check was ~3% of server CPU in the 8-client log-batch profile).
  let lastKey: string | undefined;
  const keys = new Set<string>();
  for (const m of metrics) {
    if (m.key !== lastKey) {
      lastKey = m.key;
      if (!keys.has(m.key)) {
        validateKey(m.key, 'metric');
        keys.add(m.key);
      }
    }
    validateTimestamp(m.timestamp, `timestamp of metric '${m.key}'`);
    if (!Number.isSafeInteger(m.step)) throw new InvalidParameter(`Invalid step ${m.step} for metric '${m.key}': it must be an integer.`);
  }
  const seen = new Set<string>();
  for (const p of params) {
    validateKey(p.key, 'param');
    validateLength(p.value, LIMITS.paramValue, `Param value for '${p.key}'`);
    if (seen.has(p.key)) throw new InvalidParameter(`Duplicate parameter keys have been submitted: ['${p.key}']. Please ensure the request contains only one param value per param key.`);
    seen.add(p.key);
  }
  for (const t of tags) validateTag(t);
}

/** Params are write-once: re-logging the same value is a no-op, a different value a 400. */
async function insertParams(tx: Executor, runId: string, params: KeyValue[]): Promise<void> {
  const existing = await tx.all<KeyValue>(
    `SELECT key, value FROM params WHERE run_uuid = ? AND key IN (${params.map(() => '?').join(',')})`,
    [runId, ...params.map((p) => p.key)],
  );
  const old = new Map(existing.map((p) => [p.key, p.value]));
  for (const p of params) {
    let prev = old.get(p.key);
    if (prev === undefined) {
      // A concurrent batch (PostgreSQL) may log the same new key first: the insert then waits
      // for it and does nothing, and its value is compared like any earlier one.
      const res = await tx.run('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT (run_uuid, key) DO NOTHING', [runId, p.key, p.value]);
      if (!res.changes) prev = (await tx.one<{ value: string }>('SELECT value FROM params WHERE run_uuid = ? AND key = ?', [runId, p.key]))?.value;
    }
    if (prev !== undefined && prev !== p.value) {
      throw new InvalidParameter(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${prev}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
      );
    }
  }
}

/** Tags overwrite (the last of duplicate keys wins); `mlflow.runName` keeps the run's name in sync. */
async function upsertTags(tx: Executor, runId: string, tags: KeyValue[]): Promise<void> {
  for (const t of tags) {
    await tx.run('INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value', [runId, t.key, t.value]);
    if (t.key === TAG_RUN_NAME) await tx.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [t.value, runId]);
  }
}
