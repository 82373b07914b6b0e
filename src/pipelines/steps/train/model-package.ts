/**
 * @module A trained model as a folder: `model.json` (the estimator's parameters) next to the
 * `transform.json` it was trained behind, so `loadModel(dir).predict(row)` goes from a raw row to
 * a probability exactly as evaluation did. This folder is what `run.logModel` packages.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameter } from '../../../core/errors.js';
import type { Row } from '../data/table.js';
import { loadTransformSync, type FittedTransform } from '../features/transform.js';
import { predictLogistic, type LogisticModel } from './logistic-regression.js';

export interface ModelJson {
  format: 'trainyard.model';
  version: 1;
  task: 'classification' | 'regression';
  target: string;
  positive?: string;
  transformDigest: string;
  features: string[];
  estimator: LogisticModel;
  params: Record<string, number | string>;
}

export interface LoadedModel {
  json: ModelJson;
  transform: FittedTransform;
  /** Probability of the positive class (regression: the prediction) for a raw row. */
  predict(row: Row): number;
  predictVector(x: ArrayLike<number>): number;
}

export function saveModel(dir: string, json: ModelJson, transformPath: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  copyFileSync(transformPath, join(dir, 'transform.json'));
}

export function loadModel(dir: string): LoadedModel {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) throw new InvalidParameter(`'${dir}' is not a Trainyard model folder (no model.json).`);
  const json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
  if (json.format !== 'trainyard.model') throw new InvalidParameter(`${file}: not a Trainyard model.`);
  const transform = loadTransformSync(join(dir, 'transform.json'));
  if (transform.digest !== json.transformDigest) throw new InvalidParameter(`${dir}: transform.json is not the transform the model was trained with (digest mismatch).`);
  const predictVector = (x: ArrayLike<number>) => predictLogistic(json.estimator, x);
  return { json, transform, predictVector, predict: (row) => predictVector(transform.apply(row)) };
}
