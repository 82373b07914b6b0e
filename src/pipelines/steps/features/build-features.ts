/**
 * @module `buildFeatures` as a plain function: split the table (stratified on the target, seeded),
 * fit the transform on the training split only, and write both splits as feature sets plus the
 * transform as a versioned artifact of the run.
 */
import { join } from 'node:path';
import { InvalidParameter } from '../../../core/errors.js';
import { readTable, type Row, type Table } from '../data/table.js';
import type { StepRun } from '../step-run.js';
import { encodeTarget, writeFeatureSet, type FeatureSetMeta, type Task } from './feature-set.js';
import { stratifiedSplit } from './split.js';
import { fitTransform, type FittedTransform, type TransformSpec } from './transform.js';

export interface FeatureSpec {
  target: string;
  /** Default: classification when the target is not numeric. */
  task?: Task;
  /** Classification: the target value that is the positive class (default: the rarer one). */
  positive?: string;
  /** Per input column, its transforms in order, e.g. `age: [{ impute: 'median' }, 'standardize']`. */
  columns: TransformSpec;
}

export interface BuildFeaturesOptions {
  /** A CSV file (e.g. validateData's table) or a table in memory. */
  table: string | Table;
  spec: FeatureSpec;
  split: { test: number; seed: number; stratify?: boolean };
  outDir: string;
}

export interface BuildFeaturesResult {
  /** Feature-set folders (rows, transform, features.json). */
  train: string;
  test: string;
  /** `transform.json`: load it with `loadTransform` to serve. */
  transformPath: string;
  transform: FittedTransform;
  meta: FeatureSetMeta;
}

function positiveClass(rows: Row[], target: string): string {
  const counts = new Map<string, number>();
  for (const r of rows) if (r[target] !== null && r[target] !== undefined) counts.set(String(r[target]), (counts.get(String(r[target])) ?? 0) + 1);
  if (counts.size !== 2) throw new InvalidParameter(`spec.target: '${target}' has ${counts.size} distinct values; binary classification needs 2 (or set task: 'regression').`);
  return [...counts].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]![0];
}

export async function runBuildFeatures(opts: BuildFeaturesOptions, run?: StepRun): Promise<BuildFeaturesResult> {
  const table = typeof opts.table === 'string' ? readTable(opts.table) : opts.table;
  const { target } = opts.spec;
  if (!table.columns.includes(target)) throw new InvalidParameter(`spec.target: no column '${target}' in the table (columns: ${table.columns.slice(0, 8).join(', ')}, ...).`);
  if (opts.spec.columns[target]) throw new InvalidParameter(`spec.columns.${target}: the target cannot also be a model input.`);
  // Rows without a target cannot be trained or scored on.
  const rows = table.rows.filter((r) => r[target] !== null && r[target] !== undefined);
  const task: Task = opts.spec.task ?? (rows.every((r) => typeof r[target] === 'number') ? 'regression' : 'classification');
  const positive = task === 'classification' ? opts.spec.positive ?? positiveClass(rows, target) : undefined;
  const y = rows.map((r, i) => encodeTarget(r[target]!, task, positive, `row ${i + 1}`)!);
  const stratified = task === 'classification' && opts.split.stratify !== false;
  const { train, test } = stratifiedSplit(rows.length, { test: opts.split.test, seed: opts.split.seed, ...(stratified ? { labels: y } : {}) });
  const trainRows = train.map((i) => rows[i]!);
  const testRows = test.map((i) => rows[i]!);
  // Fitted on the training split only: the holdout never leaks into means, categories or encodings.
  const transform = fitTransform(opts.spec.columns, trainRows, train.map((i) => y[i]!));
  const base = { format: 'trainyard.features' as const, target, task, ...(positive !== undefined ? { positive } : {}), transformDigest: transform.digest,
    splitting: { test: opts.split.test, seed: opts.split.seed, stratified } };
  const trainDir = join(opts.outDir, 'train');
  const testDir = join(opts.outDir, 'test');
  const meta: FeatureSetMeta = { ...base, split: 'train', rows: trainRows.length };
  writeFeatureSet(trainDir, meta, table.columns, trainRows, transform);
  writeFeatureSet(testDir, { ...base, split: 'test', rows: testRows.length }, table.columns, testRows, transform);
  const transformPath = join(opts.outDir, 'transform.json');
  transform.save(transformPath);
  if (run) {
    await run.logParams({ 'features.target': target, 'features.task': task, 'split.test': opts.split.test, 'split.seed': opts.split.seed, 'features.count': transform.names.length });
    await run.setTags({ 'trainyard.transform.digest': transform.digest, ...(positive ? { 'trainyard.features.positive': positive } : {}) });
    await run.logMetrics({ 'rows.train': trainRows.length, 'rows.test': testRows.length });
    await run.logArtifact(transformPath, `transform/v${transform.json.version}-${transform.digest.slice(0, 12)}/transform.json`);
    await run.logArtifact(transformPath, 'transform/transform.json');
  }
  return { train: trainDir, test: testDir, transformPath, transform, meta };
}
