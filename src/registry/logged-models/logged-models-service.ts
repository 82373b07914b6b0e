import { randomBytes } from 'node:crypto';
import type { ArtifactLocations } from '../../artifacts/index.js';
import { InvalidParameter, NotFound } from '../../core/errors.js';
import type { Database, Executor } from '../../store/index.js';
import type { Tracking } from '../../tracking/index.js';
import type { KeyValue } from '../entities.js';
import { validateTag } from '../validation.js';
import { loadLoggedModels, type LoggedModel, type LoggedModelRow } from './logged-model-loader.js';
import { searchLoggedModels, type LoggedModelSearch } from './logged-model-search.js';

export const LOGGED_MODEL_STATUSES = ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: KeyValue[];
  tags?: KeyValue[];
}

/** A metric logged with `model_id` (reference §3.4): it also lands on the logged model. */
export interface ModelMetric {
  modelId: string;
  runId: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  datasetName?: string;
  datasetDigest?: string;
}

const ADJ = ['bright', 'calm', 'keen', 'quick', 'bold', 'neat', 'wise', 'fair'];
const NOUN = ['model', 'learner', 'net', 'forest', 'tree', 'booster', 'encoder', 'ranker'];

/** MLflow 3's logged models: created by log_model, finalized after upload, searched by runs. */
export class LoggedModelsService {
  constructor(
    private readonly db: Database,
    private readonly tracking: Tracking,
    private readonly locations: ArtifactLocations,
  ) {}

  async create(input: CreateLoggedModelInput): Promise<LoggedModel> {
    for (const t of input.tags ?? []) validateTag(t.key, t.value);
    for (const p of input.params ?? []) validateTag(p.key, p.value);
    const id = `m-${randomBytes(16).toString('hex')}`;
    const b = randomBytes(3);
    const name = input.name || `${ADJ[b[0]! % ADJ.length]}-${NOUN[b[1]! % NOUN.length]}-${b[2]! % 100}`;
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const exp = await this.tracking.experiments.getActive(input.experimentId, tx);
      if (input.sourceRunId) await this.tracking.runs.row(tx, input.sourceRunId);
      await tx.run(
        `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, model_type, source_run_id, status, lifecycle_stage, creation_timestamp, last_updated_timestamp)
         VALUES (?, ?, ?, ?, ?, ?, 'LOGGED_MODEL_PENDING', 'active', ?, ?)`,
        [id, Number(exp.experiment_id), name, `${exp.artifact_location.replace(/\/+$/, '')}/models/${id}/artifacts`, input.modelType ?? null, input.sourceRunId ?? null, now, now],
      );
      for (const t of input.tags ?? []) await upsert(tx, 'logged_model_tags', id, t);
      for (const p of input.params ?? []) await upsert(tx, 'logged_model_params', id, p);
    });
    return this.get(id);
  }

  private async row(ex: Executor, id: string): Promise<LoggedModelRow> {
    const r = await ex.one<LoggedModelRow>("SELECT * FROM logged_models WHERE model_id = ? AND lifecycle_stage = 'active'", [id]);
    if (!r) throw new NotFound(`Logged model with ID '${id}' not found.`);
    return r;
  }

  async get(id: string): Promise<LoggedModel> {
    return (await loadLoggedModels(this.db, [await this.row(this.db, id)]))[0]!;
  }

  /** Soft delete (MLflow keeps the row for garbage collection); afterwards it is a 404. */
  async delete(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.row(tx, id);
      await tx.run("UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp = ? WHERE model_id = ?", [Date.now(), id]);
    });
  }

  async finalize(id: string, status: LoggedModelStatus): Promise<LoggedModel> {
    if (status === 'LOGGED_MODEL_PENDING') throw new InvalidParameter(`Invalid value 'LOGGED_MODEL_PENDING' for parameter 'status': finalize to LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`);
    await this.db.transaction(async (tx) => {
      await this.row(tx, id);
      await tx.run('UPDATE logged_models SET status = ?, last_updated_timestamp = ? WHERE model_id = ?', [status, Date.now(), id]);
    });
    return this.get(id);
  }

  async setTags(id: string, tags: KeyValue[]): Promise<void> {
    for (const t of tags) validateTag(t.key, t.value);
    await this.db.transaction(async (tx) => {
      await this.row(tx, id);
      for (const t of tags) await upsert(tx, 'logged_model_tags', id, t);
      await tx.run('UPDATE logged_models SET last_updated_timestamp = ? WHERE model_id = ?', [Date.now(), id]);
    });
  }

  async deleteTag(id: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.row(tx, id);
      const res = await tx.run('DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?', [id, key]);
      if (!res.changes) throw new NotFound(`No tag with key '${key}' on logged model '${id}'.`);
    });
  }

  /** Params are write-once, as on runs: the same value again is fine, another is a 400. */
  async logParams(id: string, params: KeyValue[]): Promise<void> {
    for (const p of params) validateTag(p.key, p.value);
    await this.db.transaction(async (tx) => {
      await this.row(tx, id);
      for (const p of params) {
        const old = await tx.one<{ value: string }>('SELECT value FROM logged_model_params WHERE model_id = ? AND key = ?', [id, p.key]);
        if (old && old.value !== p.value) throw new InvalidParameter(`Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old.value}' for logged model '${id}'. Attempted logging new value '${p.value}'.`);
        if (!old) await tx.run('INSERT INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?)', [id, p.key, p.value]);
      }
    });
  }

  /** The artifact location of an active logged model (for listings and version sources). */
  async artifactUri(id: string): Promise<string> {
    return (await this.row(this.db, id)).artifact_location;
  }

  /** One level of the model's artifacts (MLflow's artifacts/directories). */
  async listArtifacts(id: string, dir: string) {
    const root = await this.artifactUri(id);
    const { store, path } = this.locations.resolve(root, dir);
    const base = path.slice(this.locations.resolve(root).path.length).replace(/^\/+/, '');
    const entries = await store.list(path);
    return {
      root_uri: root,
      files: entries.map((e) => ({ path: base ? `${base}/${e.path}` : e.path, is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) })),
    };
  }

  /** 404 unless every id names an active logged model: checked before a metric write starts. */
  async assertExist(ids: string[]): Promise<void> {
    for (const id of new Set(ids)) await this.row(this.db, id);
  }

  /** Keeps, per (model, key, run, dataset), the latest point by (step, timestamp). */
  async recordMetrics(points: ModelMetric[]): Promise<void> {
    if (!points.length) return;
    await this.db.transaction(async (tx) => {
      // A model deleted since the caller checked it takes no metrics (instead of a key error).
      const live = new Set((await tx.all<{ model_id: string }>(
        `SELECT model_id FROM logged_models WHERE lifecycle_stage = 'active' AND model_id IN (${[...new Set(points.map((p) => p.modelId))].map(() => '?').join(', ')})`,
        [...new Set(points.map((p) => p.modelId))],
      )).map((r) => r.model_id));
      points = points.filter((p) => live.has(p.modelId));
      for (const p of points) {
        await tx.run(
          `INSERT INTO logged_model_metrics (model_id, key, run_id, dataset_name, dataset_digest, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (model_id, key, run_id, dataset_name, dataset_digest) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan,
             timestamp = excluded.timestamp, step = excluded.step
           WHERE excluded.step > logged_model_metrics.step OR (excluded.step = logged_model_metrics.step AND excluded.timestamp >= logged_model_metrics.timestamp)`,
          [p.modelId, p.key, p.runId, p.datasetName ?? '', p.datasetDigest ?? '', Number.isNaN(p.value) ? 0 : clamp(p.value), Number.isNaN(p.value) ? 1 : 0, p.timestamp, p.step],
        );
      }
    });
  }

  search(input: LoggedModelSearch) {
    return searchLoggedModels(this.db, input);
  }
}

// As the tracking store does: ±Infinity is kept as the largest finite double.
function clamp(v: number): number {
  return v === Infinity ? Number.MAX_VALUE : v === -Infinity ? -Number.MAX_VALUE : v;
}

async function upsert(tx: Executor, table: 'logged_model_tags' | 'logged_model_params', id: string, kv: KeyValue): Promise<void> {
  await tx.run(`INSERT INTO ${table} (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value`, [id, kv.key, kv.value]);
}
