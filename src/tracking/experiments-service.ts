import type { ArtifactRoots } from '../artifacts/index.js';
import { AlreadyExists, InvalidParameter, InvalidState, NotFound } from '../core/errors.js';
import type { Database, Executor, SqlValue } from '../store/index.js';
import { isUniqueViolation } from '../store/index.js';
import type { Experiment, KeyValue, ViewType } from './entities.js';
import { afterPosition, decodePageToken, encodePageToken, orderByClause, positionColumns, queryFingerprint, readPosition, type SortKey } from './keyset.js';
import { experimentFilterSql } from './experiment-filter-sql.js';
import { LIMITS, validateArtifactLocation, validateExperimentName, validateLength } from './validation.js';
import { parseOrderBy, EXPERIMENTS_GRAMMAR } from './search/index.js';

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
}

/** Experiment ids are integers ("0" is Default); anything else is a 400 naming the field. */
export function parseExperimentId(id: string, field = 'experiment_id'): number {
  // Past 2^53 the id is not one this server made (and overflows PostgreSQL's BIGINT past 2^63).
  if (!/^\d+$/.test(id) || !Number.isSafeInteger(Number(id))) {
    throw new InvalidParameter(`Invalid value '${id.slice(0, 40)}' for parameter '${field}': experiment ids are integers such as '0' or '12'.`);
  }
  return Number(id);
}

export class ExperimentsService {
  constructor(
    private readonly db: Database,
    /** A server's artifact roots: a client-chosen local location must lie inside them. */
    private readonly artifactRoots?: ArtifactRoots,
  ) {}

  async create(name: string, artifactLocation: string | undefined, tags: KeyValue[]): Promise<string> {
    validateExperimentName(name);
    if (artifactLocation) {
      validateArtifactLocation(artifactLocation);
      this.artifactRoots?.checkLocation(artifactLocation);
    }
    for (const t of tags) validateExperimentTag(t.key, t.value);
    const now = Date.now();
    try {
      return await this.db.transaction(async (tx) => {
        const row = await tx.one<{ experiment_id: number }>(
          'INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?) RETURNING experiment_id',
          [name, artifactLocation ?? '', 'active', now, now],
        );
        const id = String(row!.experiment_id);
        if (!artifactLocation) {
          await tx.run('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?', [`mlflow-artifacts:/${id}`, Number(id)]);
        }
        for (const t of tags) await upsertTag(tx, Number(id), t);
        return id;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExists(`Experiment '${name}' already exists.`);
      throw e;
    }
  }

  async get(id: string, tx: Executor = this.db): Promise<Experiment> {
    const row = await tx.one<ExperimentRow>('SELECT * FROM experiments WHERE experiment_id = ?', [parseExperimentId(id)]);
    if (!row) throw new NotFound(`No Experiment with id=${id} exists`);
    return (await this.withTags(tx, [row]))[0]!;
  }

  async getByName(name: string): Promise<Experiment> {
    // Names are unique across active and deleted experiments, so at most one row matches.
    const row = await this.db.one<ExperimentRow>('SELECT * FROM experiments WHERE name = ?', [name]);
    if (!row) throw new NotFound(`Could not find experiment with name '${name}'`);
    return (await this.withTags(this.db, [row]))[0]!;
  }

  /** An experiment that must be active (for writes into it). */
  async getActive(id: string, tx: Executor = this.db): Promise<Experiment> {
    const exp = await this.get(id, tx);
    if (exp.lifecycle_stage !== 'active') {
      throw new InvalidParameter(`The experiment ${id} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`);
    }
    return exp;
  }

  async rename(id: string, newName: string): Promise<void> {
    validateExperimentName(newName);
    const exp = await this.get(id);
    if (exp.lifecycle_stage !== 'active') throw new InvalidState(`Cannot rename a non-active experiment (experiment ${id} is ${exp.lifecycle_stage}).`);
    try {
      await this.db.run('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?', [newName, Date.now(), Number(id)]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExists(`Experiment '${newName}' already exists.`);
      throw e;
    }
  }

  /** Soft delete; its active runs are deleted with it. */
  async delete(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const exp = await this.get(id, tx);
      if (exp.lifecycle_stage === 'deleted') throw new NotFound(`Experiment ${id} is already deleted.`);
      // Restore brings back exactly the runs stamped with this time, so it must differ from every
      // earlier run deletion in the experiment, even one in the same millisecond.
      const prior = await tx.one<{ t: number | null }>("SELECT max(deleted_time) AS t FROM runs WHERE experiment_id = ? AND lifecycle_stage = 'deleted'", [Number(id)]);
      const now = Math.max(Date.now(), Number(prior?.t ?? 0) + 1);
      await tx.run("UPDATE experiments SET lifecycle_stage = 'deleted', last_update_time = ? WHERE experiment_id = ?", [now, Number(id)]);
      await tx.run("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = 'active'", [now, Number(id)]);
    });
  }

  /** Restores the experiment and the runs its deletion took with it (not runs deleted earlier on their own). */
  async restore(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const exp = await this.get(id, tx);
      if (exp.lifecycle_stage !== 'deleted') throw new NotFound(`Experiment ${id} is not deleted, so it cannot be restored.`);
      await tx.run(
        "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ? AND lifecycle_stage = 'deleted' AND deleted_time = ?",
        [Number(id), exp.last_update_time],
      );
      await tx.run("UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? WHERE experiment_id = ?", [Date.now(), Number(id)]);
    });
  }

  async setTag(id: string, key: string, value: string): Promise<void> {
    validateExperimentTag(key, value);
    await this.db.transaction(async (tx) => {
      await this.getActive(id, tx);
      await upsertTag(tx, Number(id), { key, value });
    });
  }

  async deleteTag(id: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.getActive(id, tx);
      const res = await tx.run('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?', [Number(id), key]);
      if (!res.changes) throw new NotFound(`No tag with key '${key}' on experiment ${id}`);
    });
  }

  /**
   * Search with MLflow's filter and order_by. Unlike MLflow (#10819), max_results is optional
   * (default 1000); the page token is a keyset position.
   */
  async search(opts: { filter?: string; orderBy?: string[]; viewType?: ViewType; maxResults?: number; pageToken?: string }) {
    const max = opts.maxResults ?? 1000;
    if (max < 1 || max > LIMITS.searchMaxResults) throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results': it must be between 1 and ${LIMITS.searchMaxResults}`);
    const view = opts.viewType ?? 'ACTIVE_ONLY';
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (view === 'ACTIVE_ONLY') where.push("e.lifecycle_stage = 'active'");
    if (view === 'DELETED_ONLY') where.push("e.lifecycle_stage = 'deleted'");
    const filter = experimentFilterSql(opts.filter, this.db.dialect);
    where.push(...filter.where);
    params.push(...filter.params);

    const keys: SortKey[] = [];
    for (const term of parseOrderBy(opts.orderBy, EXPERIMENTS_GRAMMAR)) {
      const col = { name: 'e.name', experiment_id: 'e.experiment_id', creation_time: 'e.creation_time', last_update_time: 'e.last_update_time' }[term.key];
      if (!col) throw new InvalidParameter(`Invalid order_by key '${term.key}' for experiments: use name, experiment_id, creation_time or last_update_time.`);
      keys.push({ expr: col, ascending: term.ascending, type: term.key === 'name' ? 'string' : 'number' });
    }
    if (!keys.length) keys.push({ expr: 'e.creation_time', ascending: false, type: 'number' });
    keys.push({ expr: 'e.experiment_id', ascending: true, type: 'number' });

    const fp = queryFingerprint(['experiments', opts.filter ?? '', opts.orderBy ?? [], view]);
    const pos = decodePageToken(opts.pageToken, fp);
    if (pos) {
      const after = afterPosition(keys, pos);
      where.push(after.sql);
      params.push(...after.params);
    }
    const rows = await this.db.all<ExperimentRow & Record<string, unknown>>(
      `SELECT e.*, ${positionColumns(keys)} FROM experiments e ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${orderByClause(keys)} LIMIT ?`,
      [...params, max + 1],
    );
    const page = rows.slice(0, max);
    const next = rows.length > max ? encodePageToken(readPosition(page[page.length - 1]!, keys.length), fp) : undefined;
    return { experiments: await this.withTags(this.db, page), next_page_token: next };
  }

  private async withTags(ex: Executor, rows: ExperimentRow[]): Promise<Experiment[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => Number(r.experiment_id));
    const tags = await ex.all<{ experiment_id: number; key: string; value: string }>(
      `SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (${ids.map(() => '?').join(',')}) ORDER BY key`,
      ids,
    );
    const byId = new Map<number, KeyValue[]>();
    for (const t of tags) {
      const id = Number(t.experiment_id);
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id)!.push({ key: t.key, value: t.value });
    }
    return rows.map((r) => ({
      experiment_id: String(r.experiment_id),
      name: r.name,
      artifact_location: r.artifact_location,
      lifecycle_stage: r.lifecycle_stage,
      creation_time: Number(r.creation_time),
      last_update_time: Number(r.last_update_time),
      tags: byId.get(Number(r.experiment_id)) ?? [],
    }));
  }
}

function validateExperimentTag(key: string, value: string): void {
  if (!key) throw new InvalidParameter(`Missing value for required parameter 'key'.`);
  validateLength(key, LIMITS.experimentTagKey, `Experiment tag key '${key.slice(0, 40)}'`);
  validateLength(value, LIMITS.experimentTagValue, `Experiment tag value for '${key}'`);
}

async function upsertTag(tx: Executor, id: number, t: KeyValue): Promise<void> {
  await tx.run(
    'INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value',
    [id, t.key, t.value],
  );
}
