/**
 * @module Tracking entities in MLflow's JSON shape (reference §4), so the REST layer sends them as
 * they are. Metric values stay numbers here; `jsonDouble` encodes NaN/±Infinity at the edge.
 */

export interface KeyValue {
  key: string;
  value: string;
}

export type LifecycleStage = 'active' | 'deleted';
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
export type ViewType = (typeof VIEW_TYPES)[number];

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: number;
  last_update_time: number;
  tags: KeyValue[];
}

export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags: KeyValue[];
  dataset: Dataset;
}

export interface Run {
  info: RunInfo;
  data: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] };
  inputs: { dataset_inputs: DatasetInput[]; model_inputs: { model_id: string }[] };
  outputs: { model_outputs: { model_id: string; step: number }[] };
}

/** Proto JSON for a double: NaN and ±Infinity as strings (JSON has no literal for them). */
export function jsonDouble(v: number): number | string {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

export function metricJson(m: Metric): Record<string, unknown> {
  return { key: m.key, value: jsonDouble(m.value), timestamp: m.timestamp, step: m.step };
}

export function runJson(run: Run): Record<string, unknown> {
  return { ...run, data: { ...run.data, metrics: run.data.metrics.map(metricJson) } };
}

/** System tags MLflow clients read and write (reference §4). */
export const TAG_RUN_NAME = 'mlflow.runName';
export const TAG_USER = 'mlflow.user';
export const TAG_DATASET_CONTEXT = 'mlflow.data.context';
export const TAG_LOG_MODEL_HISTORY = 'mlflow.log-model.history';
