import type { Executor } from '../../store/index.js';
import type { KeyValue } from '../entities.js';

/** @module Logged models in MLflow 3's JSON shape (`{info, data}`), loaded per page without N+1. */

export interface LoggedModelRow {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  model_type: string | null;
  source_run_id: string | null;
  status: string;
  status_message: string | null;
  lifecycle_stage: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

export interface LoggedModelMetricJson {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
  run_id: string;
  model_id: string;
  dataset_name?: string;
  dataset_digest?: string;
}

export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    artifact_uri: string;
    status: string;
    status_message?: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    source_run_id?: string;
    model_type?: string;
    tags: KeyValue[];
    registrations: { name: string; version: string }[];
  };
  data: { params: KeyValue[]; metrics: LoggedModelMetricJson[] };
}

const double = (v: number, isNan: number): number | string =>
  Number(isNan) ? 'NaN' : v >= Number.MAX_VALUE ? 'Infinity' : v <= -Number.MAX_VALUE ? '-Infinity' : v;

export async function loadLoggedModels(ex: Executor, rows: LoggedModelRow[]): Promise<LoggedModel[]> {
  const byId = new Map<string, LoggedModel>();
  for (const r of rows) {
    byId.set(r.model_id, {
      info: {
        model_id: r.model_id,
        experiment_id: String(r.experiment_id),
        name: r.name,
        artifact_uri: r.artifact_location,
        status: r.status,
        ...(r.status_message ? { status_message: r.status_message } : {}),
        creation_timestamp_ms: Number(r.creation_timestamp),
        last_updated_timestamp_ms: Number(r.last_updated_timestamp),
        ...(r.source_run_id ? { source_run_id: r.source_run_id } : {}),
        ...(r.model_type ? { model_type: r.model_type } : {}),
        tags: [],
        registrations: [],
      },
      data: { params: [], metrics: [] },
    });
  }
  const ids = rows.map((r) => r.model_id);
  if (!ids.length) return [];
  const inIds = ids.map(() => '?').join(', ');
  for (const t of await ex.all<{ model_id: string } & KeyValue>(`SELECT model_id, key, value FROM logged_model_tags WHERE model_id IN (${inIds}) ORDER BY key`, ids)) {
    byId.get(t.model_id)!.info.tags.push({ key: t.key, value: t.value });
  }
  for (const p of await ex.all<{ model_id: string } & KeyValue>(`SELECT model_id, key, value FROM logged_model_params WHERE model_id IN (${inIds}) ORDER BY key`, ids)) {
    byId.get(p.model_id)!.data.params.push({ key: p.key, value: p.value });
  }
  for (const m of await ex.all<{ model_id: string; key: string; run_id: string; dataset_name: string; dataset_digest: string; value: number; is_nan: number; timestamp: number; step: number }>(
    `SELECT * FROM logged_model_metrics WHERE model_id IN (${inIds}) ORDER BY key, dataset_name, dataset_digest, run_id`, ids,
  )) {
    byId.get(m.model_id)!.data.metrics.push({
      key: m.key, value: double(Number(m.value), m.is_nan), timestamp: Number(m.timestamp), step: Number(m.step), run_id: m.run_id, model_id: m.model_id,
      ...(m.dataset_name ? { dataset_name: m.dataset_name } : {}), ...(m.dataset_digest ? { dataset_digest: m.dataset_digest } : {}),
    });
  }
  for (const v of await ex.all<{ model_id: string; name: string; version: number }>(
    `SELECT v.model_id, m.name, v.version FROM model_versions v JOIN registered_models m ON m.id = v.model WHERE v.model_id IN (${inIds}) ORDER BY m.name, v.version`, ids,
  )) {
    byId.get(v.model_id)!.info.registrations.push({ name: v.name, version: String(v.version) });
  }
  return ids.map((id) => byId.get(id)!);
}
