export interface KeyValue { key: string; value: string }
export interface Experiment { experiment_id: string; name: string; lifecycle_stage: string; creation_time: number; last_update_time: number; tags?: KeyValue[] }
export interface Metric { key: string; value: number | string; step: number; timestamp: number }
export interface RunInfo { run_id: string; run_name: string; experiment_id: string; user_id: string; status: string; start_time: number; end_time?: number; artifact_uri: string; lifecycle_stage: string }
export interface DatasetInput { tags: KeyValue[]; dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string } }
export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: { dataset_inputs?: DatasetInput[] };
}
export interface Bucket { step: number; timestamp?: number; last: number | string; min: number | string | null; max: number | string | null; count: number }
export interface MetricSummary { run_id: string; key: string; last: number | string; step: number; timestamp: number; min: number | string | null; max: number | string | null; count: number }
export interface Keys { metrics: string[]; params: string[]; tags: string[]; truncated: boolean }

/** Proto JSON doubles: NaN and ±Infinity arrive as strings. */
export const num = (v: number | string | null | undefined): number | null =>
  v === null || v === undefined ? null : typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v);

export const tagOf = (run: Run, key: string) => run.data.tags?.find((t) => t.key === key)?.value;
export const paramOf = (run: Run, key: string) => run.data.params?.find((t) => t.key === key)?.value;
export const metricOf = (run: Run, key: string) => num(run.data.metrics?.find((t) => t.key === key)?.value);
