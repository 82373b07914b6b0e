/**
 * The adult-income pipeline: validate -> features -> tune (20 trials) -> evaluate (holdout,
 * fairness for sex and race, KPIs, report) -> register behind gates and review.
 * `npx trainyard demo` runs this file (in a user's project the imports are `trainyard/pipelines`).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from '../../src/pipelines/index.js';
import {
  buildFeatures, evaluateModel, registerModel, tuneModel, validateData,
  type DataSchema, type FeatureSpec, type Kpi, type SearchSpace,
} from '../../src/pipelines/steps/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DATA = join(here, 'data', 'adult.csv.gz');
export const REFERENCE = join(here, 'data', 'adult-test.csv.gz');

const cat = (values: string[], nullable = false) => ({ type: 'category' as const, values, nullable });

export const schema: DataSchema = {
  columns: {
    age: { type: 'integer', min: 17, max: 90 },
    workclass: cat(['Private', 'Self-emp-not-inc', 'Self-emp-inc', 'Federal-gov', 'Local-gov', 'State-gov', 'Without-pay', 'Never-worked'], true),
    fnlwgt: { type: 'integer', min: 1 },
    education: cat(['Bachelors', 'Some-college', '11th', 'HS-grad', 'Prof-school', 'Assoc-acdm', 'Assoc-voc', '9th', '7th-8th', '12th', 'Masters', '1st-4th', '10th', 'Doctorate', '5th-6th', 'Preschool']),
    education_num: { type: 'integer', min: 1, max: 16 },
    marital_status: cat(['Married-civ-spouse', 'Divorced', 'Never-married', 'Separated', 'Widowed', 'Married-spouse-absent', 'Married-AF-spouse']),
    occupation: { type: 'category', nullable: true },
    relationship: cat(['Wife', 'Own-child', 'Husband', 'Not-in-family', 'Other-relative', 'Unmarried']),
    race: cat(['White', 'Asian-Pac-Islander', 'Amer-Indian-Eskimo', 'Other', 'Black']),
    sex: cat(['Female', 'Male']),
    capital_gain: { type: 'integer', min: 0 },
    capital_loss: { type: 'integer', min: 0 },
    hours_per_week: { type: 'integer', min: 1, max: 99 },
    native_country: { type: 'category', nullable: true, severity: 'warn' },
    income: cat(['<=50K', '>50K']),
  },
  drift: { psi: { warn: 0.1, error: 0.25 }, ks: { warn: 0.1 }, js: { warn: 0.1 } },
};

const num = [{ impute: 'median' as const }, 'standardize' as const];
const logged = [{ impute: 0 }, 'log' as const, 'standardize' as const];
const onehot = [{ impute: 'missing' }, { onehot: { minFrequency: 20 } }];

/** sex and race stay in the data for evaluation but are not model inputs. */
export const spec: FeatureSpec = {
  target: 'income',
  positive: '>50K',
  columns: {
    age: num, education_num: num, hours_per_week: num,
    capital_gain: logged, capital_loss: logged,
    workclass: onehot, marital_status: onehot, occupation: onehot, relationship: onehot,
    education: [{ target: { smoothing: 20 } }],
    native_country: [{ impute: 'missing' }, 'frequency'],
  },
};

export const space: SearchSpace = {
  learningRate: { float: [2e-3, 0.2], log: true },
  l2: { float: [1e-6, 1e-2], log: true },
  epochs: { int: [2, 8] },
  batchSize: { choice: [128, 256, 512] },
};

/** Business KPIs: a figure per model from labels, scores and rows. */
export const kpis: Record<string, Kpi> = {
  // A campaign contacts everyone predicted >50K: value 40 per true hit, cost 5 per contact, per 1,000 people.
  campaign_value_per_1000: ({ y, scores, threshold }) => {
    let v = 0;
    for (let i = 0; i < y.length; i++) if (scores[i]! >= threshold) v += (y[i] === 1 ? 40 : 0) - 5;
    return (v / y.length) * 1000;
  },
  // Share of actual high earners found among the top-decile scores.
  top_decile_capture: ({ y, scores }) => {
    const idx = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!).slice(0, Math.ceil(scores.length / 10));
    const pos = y.reduce((a, b) => a + b, 0);
    return pos ? idx.reduce((a, i) => a + y[i]!, 0) / pos : 0;
  },
};

/**
 * The pipeline, typed end to end: each step's inputs are earlier steps' outputs, and the compiler
 * refuses a mismatch (e.g. `holdout: tuned.out.best` is an Artifact<'model'>, not features).
 */
const p = pipeline('adult-income', {
  params: { trials: 20, seed: 7, gate: 'metrics.auc >= 0.85 and metrics.di_ratio >= 0.8' },
});
const data = p.step('validate', validateData({ source: DATA, schema, reference: REFERENCE }));
const feats = p.step('features', buildFeatures({ table: data.out.table, spec, split: { test: 0.2, seed: 7 } }));
const tuned = p.step('tune', tuneModel({ train: feats.out.train, space, trials: p.params.trials, seed: p.params.seed, experiment: 'adult-income' }));
const report = p.step('evaluate', evaluateModel({
  model: tuned.out.best, holdout: feats.out.test, sensitive: ['sex', 'race'], slices: ['relationship'], kpis, title: 'adult-income: holdout evaluation',
}));
p.step('register', registerModel({
  name: 'adult-income', modelUri: tuned.out.modelUri, metrics: report.out.metrics, reportUri: report.out.reportUri, gate: p.params.gate, alias: 'champion',
}));

export default p;
