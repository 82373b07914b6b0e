import { NotFound } from '../core/errors.js';
import type { Executor } from '../store/index.js';
import type { ModelRow, VersionRow } from './entities.js';

/**
 * @module Row lookups every registry service shares: a model by name, a version by number, with
 * MLflow's 404 messages. `lock` takes PostgreSQL's row lock for read-modify-write transactions
 * (version numbering, alias moves); SQLite already runs one write transaction at a time.
 */

export const VERSION_COLUMNS = `v.model, m.name, v.version, v.creation_timestamp, v.last_updated_timestamp, v.user_id,
  v.current_stage, v.description, v.source, v.run_id, v.run_link, v.status, v.status_message, v.model_id, v.storage_location`;

export async function findModel(ex: Executor, name: string, lock = false): Promise<ModelRow | undefined> {
  const forUpdate = lock && ex.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const row = await ex.one<ModelRow>(`SELECT * FROM registered_models WHERE name = ?${forUpdate}`, [name]);
  return row ? normalizeModel(row) : undefined;
}

export async function modelRow(ex: Executor, name: string, lock = false): Promise<ModelRow> {
  const row = await findModel(ex, name, lock);
  if (!row) throw new NotFound(`Registered Model with name=${name} not found`);
  return row;
}

export async function versionRow(ex: Executor, model: ModelRow, version: number, lock = false): Promise<VersionRow> {
  const forUpdate = lock && ex.dialect === 'postgres' ? ' FOR UPDATE OF v' : '';
  const row = await ex.one<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.id = v.model WHERE v.model = ? AND v.version = ?${forUpdate}`,
    [model.id, version],
  );
  if (!row) throw new NotFound(`Model Version (name=${model.name}, version=${version}) not found`);
  return normalizeVersion(row);
}

/** PostgreSQL returns BIGINT as numbers here (see the adapter), SQLite may too; make sure. */
export function normalizeModel(r: ModelRow): ModelRow {
  return { ...r, id: Number(r.id), creation_timestamp: Number(r.creation_timestamp), last_updated_timestamp: Number(r.last_updated_timestamp), last_version: Number(r.last_version) };
}

export function normalizeVersion(r: VersionRow): VersionRow {
  return { ...r, model: Number(r.model), version: Number(r.version), creation_timestamp: Number(r.creation_timestamp), last_updated_timestamp: Number(r.last_updated_timestamp) };
}

/** `?, ?, ?` for an IN list. */
export const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

export async function touchModel(ex: Executor, modelId: number, now: number): Promise<void> {
  await ex.run('UPDATE registered_models SET last_updated_timestamp = ? WHERE id = ?', [now, modelId]);
}
