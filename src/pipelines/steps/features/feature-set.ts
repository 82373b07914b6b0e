/**
 * @module A feature set on disk: one folder per split holding the raw rows (`rows.csv.gz`), the
 * fitted transform (`transform.json`, fitted on the training split) and `features.json` (the
 * target, its encoding, the split). Raw rows travel so evaluation can slice by attributes that
 * are not model inputs (sex, race); the transform travels so any step can rebuild the matrix.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameter } from '../../../core/errors.js';
import { readTable, writeTable, type Row } from '../data/table.js';
import { loadTransformSync, type FittedTransform } from './transform.js';

export type Task = 'classification' | 'regression';

export interface FeatureSetMeta {
  format: 'trainyard.features';
  split: 'train' | 'test' | string;
  target: string;
  task: Task;
  /** Classification: the target value encoded as 1 (the rest are 0). */
  positive?: string;
  rows: number;
  transformDigest: string;
  /** How the split was made. */
  splitting: { test: number; seed: number; stratified: boolean };
}

export interface FeatureSet {
  dir: string;
  meta: FeatureSetMeta;
  rows: Row[];
  /** Encoded target: 0/1 for classification. */
  y: Float64Array;
  X: Float64Array[];
  transform: FittedTransform;
}

/** The 0/1 (or numeric) encoding of a target cell; null when the row has no target. */
export function encodeTarget(v: Row[string], task: Task, positive: string | undefined, where: string): number | null {
  if (v === null || v === undefined) return null;
  if (task === 'regression') {
    if (typeof v !== 'number') throw new InvalidParameter(`${where}: regression target value ${JSON.stringify(v)} is not a number.`);
    return v;
  }
  return String(v) === positive ? 1 : 0;
}

export function writeFeatureSet(dir: string, meta: FeatureSetMeta, columns: string[], rows: Row[], transform: FittedTransform): void {
  mkdirSync(dir, { recursive: true });
  writeTable(join(dir, 'rows.csv.gz'), { columns, rows });
  transform.save(join(dir, 'transform.json'));
  writeFileSync(join(dir, 'features.json'), JSON.stringify(meta, null, 2));
}

export function readFeatureSet(dir: string): FeatureSet {
  const metaPath = join(dir, 'features.json');
  if (!existsSync(metaPath)) throw new InvalidParameter(`'${dir}' is not a feature set (no features.json): pass a buildFeatures output.`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as FeatureSetMeta;
  const transform = loadTransformSync(join(dir, 'transform.json'));
  const { rows } = readTable(join(dir, 'rows.csv.gz'));
  const y = Float64Array.from(rows.map((r, i) => encodeTarget(r[meta.target] ?? null, meta.task, meta.positive, `${dir} row ${i + 1}`) ?? NaN));
  return { dir, meta, rows, y, X: transform.applyAll(rows), transform };
}
