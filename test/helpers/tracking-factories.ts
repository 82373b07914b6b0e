import { randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';

/**
 * @module Test data for the tracking API: factories with partial overrides, and thin wrappers over
 * the MLflow endpoints that fail loudly (with the server's answer) when a setup call is rejected.
 */

/** Both prefixes MLflow serves its API under (reference §2). */
export const PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;
export type Prefix = (typeof PREFIXES)[number];

export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';
export interface MetricInput {
  key: string;
  value: MetricValue;
  timestamp: number;
  step: number;
}
export interface KeyValue {
  key: string;
  value: string;
}
export interface DatasetInput {
  dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string };
  tags: KeyValue[];
}

/** A name no other test (or earlier run of this file against the same database) uses. */
export function uniqueName(prefix = 'exp'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export const makeMetric = (o: Partial<MetricInput> = {}): MetricInput => ({ key: 'loss', value: 0.5, timestamp: 1_700_000_000_000, step: 0, ...o });
export const makeParam = (o: Partial<KeyValue> = {}): KeyValue => ({ key: 'lr', value: '0.01', ...o });
export const makeTag = (o: Partial<KeyValue> = {}): KeyValue => ({ key: 'team', value: 'vision', ...o });

export function makeDatasetInput(o: Partial<DatasetInput['dataset']> = {}, tags: KeyValue[] = [{ key: 'mlflow.data.context', value: 'training' }]): DatasetInput {
  return { dataset: { name: 'mnist', digest: 'd1g3st', source_type: 'local', source: '/data/mnist', ...o }, tags };
}

/** Throws with the server's answer unless the call succeeded: setup must never fail silently. */
export function ok<T extends { status: number; body: any }>(res: T, what = 'call'): T['body'] {
  if (res.status !== 200) throw new Error(`${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createExperiment(s: TestServer, o: { name?: string; artifact_location?: string; tags?: KeyValue[] } = {}): Promise<string> {
  const body = ok(await s.mlflow('POST', '/experiments/create', { name: uniqueName(), ...o }), 'experiments/create');
  return body.experiment_id as string;
}

export interface RunOverrides {
  experiment_id?: string;
  run_name?: string;
  start_time?: number;
  user_id?: string;
  tags?: KeyValue[];
}

/** Creates a run and returns it as runs/create answered (`{info, data, inputs}`). */
export async function createRun(s: TestServer, o: RunOverrides = {}): Promise<any> {
  return ok(await s.mlflow('POST', '/runs/create', { ...o }), 'runs/create').run;
}

export async function logBatch(s: TestServer, runId: string, batch: { metrics?: MetricInput[]; params?: KeyValue[]; tags?: KeyValue[] }): Promise<void> {
  ok(await s.mlflow('POST', '/runs/log-batch', { run_id: runId, ...batch }), 'runs/log-batch');
}

export async function getRun(s: TestServer, runId: string): Promise<any> {
  return ok(await s.mlflow('GET', '/runs/get', { run_id: runId }), 'runs/get').run;
}

/** Every point of one metric's history, following page tokens. */
export async function fullHistory(s: TestServer, runId: string, key: string, pageSize?: number): Promise<any[]> {
  const out: any[] = [];
  let token: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const body = ok(
      await s.mlflow('GET', '/metrics/get-history', { run_id: runId, metric_key: key, max_results: pageSize, page_token: token }),
      'metrics/get-history',
    );
    out.push(...(body.metrics ?? []));
    token = body.next_page_token;
    if (!token) return out;
  }
  throw new Error('fullHistory: page tokens never ended');
}

/** All runs a runs/search returns, following page tokens. */
export async function searchAllRuns(s: TestServer, req: Record<string, unknown>, path = '/api/2.0/mlflow/runs/search'): Promise<any[]> {
  const out: any[] = [];
  let token: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const body = ok(await s.call('POST', path, { ...req, page_token: token }), 'runs/search');
    out.push(...(body.runs ?? []));
    token = body.next_page_token;
    if (!token) return out;
  }
  throw new Error('searchAllRuns: page tokens never ended');
}

/** A run's tag value, or undefined. */
export function tagOf(run: any, key: string): string | undefined {
  return run.data.tags?.find((t: KeyValue) => t.key === key)?.value;
}

/** A run's latest value of a metric (as JSON: number or "NaN"/"Infinity"/"-Infinity"), or undefined. */
export function metricOf(run: any, key: string): any {
  return run.data.metrics?.find((m: { key: string }) => m.key === key);
}
