/**
 * @module `evaluateModel` as a plain function: score the holdout with the model (raw rows through
 * its own transform), compute overall and per-slice metrics, fairness per sensitive attribute and
 * business KPIs, and write the report (report.json, report.md, report.html with inline SVG
 * charts) and log it all to the run, metrics under names a promotion gate can read
 * (`auc`, `di_ratio`, `fairness.sex.di_ratio`, `kpi.<name>`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameter } from '../../../core/errors.js';
import type { Row } from '../data/table.js';
import { readFeatureSet } from '../features/feature-set.js';
import { calibration, classificationMetrics, confusion, fairness, thresholdCurve, type ClassificationMetrics, type FairnessReport } from '../metrics/index.js';
import type { StepRun } from '../step-run.js';
import { loadModel } from '../train/model-package.js';
import { evaluateRegression, type RegressionReport } from './evaluate-regression.js';
import { renderHtml, renderMarkdown } from './report-render.js';

/** A business KPI: any figure computed from labels, scores and rows (e.g. expected profit). */
export type Kpi = (ctx: { y: Float64Array; scores: Float64Array; rows: Row[]; threshold: number }) => number;

export interface EvaluateModelOptions {
  /** Model folder (trainModel / tuneModel output). */
  model: string;
  /** Holdout feature set (buildFeatures' `test`). */
  holdout: string;
  sensitive?: string[];
  /** Columns to break metrics down by (sensitive ones are included). */
  slices?: string[];
  kpis?: Record<string, Kpi>;
  threshold?: number;
  outDir: string;
  /** Shown in the report's header. */
  title?: string;
}

export interface SliceMetrics {
  column: string;
  group: string;
  n: number;
  metrics: Pick<ClassificationMetrics, 'accuracy' | 'precision' | 'recall' | 'f1' | 'auc'>;
}

export interface EvaluationReport {
  title: string;
  threshold: number;
  overall: ClassificationMetrics;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  roc: { x: number; y: number }[];
  pr: { x: number; y: number }[];
  calibration: ReturnType<typeof calibration>['bins'];
  slices: SliceMetrics[];
  fairness: FairnessReport[];
  /** The worst (smallest) DI ratio and largest gaps over the sensitive attributes. */
  summary: { di_ratio: number; dp_diff: number; eo_diff: number };
  kpis: Record<string, number>;
  model: { features: number; transformDigest: string; params: Record<string, number | string> };
}

export interface EvaluateModelResult {
  report: EvaluationReport | RegressionReport;
  reportDir: string;
  htmlPath: string;
  markdownPath: string;
  /** Gate-ready metric names -> values. */
  metrics: Record<string, number>;
}

export async function runEvaluateModel(opts: EvaluateModelOptions, run?: StepRun): Promise<EvaluateModelResult> {
  const model = loadModel(opts.model);
  const fs = readFeatureSet(opts.holdout);
  if (fs.transform.digest !== model.transform.digest) {
    throw new InvalidParameter(`holdout '${opts.holdout}' was built with transform ${fs.transform.digest.slice(0, 12)} but the model expects ${model.transform.digest.slice(0, 12)}: evaluate on the same buildFeatures output.`);
  }
  for (const col of [...(opts.sensitive ?? []), ...(opts.slices ?? [])]) {
    if (!fs.rows.length || !(col in fs.rows[0]!)) throw new InvalidParameter(`sensitive/slices: no column '${col}' in the holdout.`);
  }
  if (model.json.task === 'regression') return evaluateRegression(model, fs, opts, run);
  const threshold = opts.threshold ?? 0.5;
  const scores = Float64Array.from(fs.rows.map((r) => model.predict(r)));
  const y = fs.y;
  const overall = classificationMetrics(y, scores, threshold);
  const curve = thresholdCurve(y, scores);
  const sensitive = opts.sensitive ?? [];
  const slices: SliceMetrics[] = [];
  for (const column of [...new Set([...sensitive, ...(opts.slices ?? [])])]) {
    const groups = new Map<string, number[]>();
    fs.rows.forEach((r, i) => { const g = String(r[column] ?? '(missing)'); (groups.get(g) ?? groups.set(g, []).get(g)!).push(i); });
    for (const [group, idx] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
      const m = classificationMetrics(idx.map((i) => y[i]!), idx.map((i) => scores[i]!), threshold);
      slices.push({ column, group, n: idx.length, metrics: { accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, auc: m.auc } });
    }
  }
  // Groups under 30 rows are shown but left out of the gaps: their rates are mostly noise.
  const fair = sensitive.map((a) => fairness(a, fs.rows.map((r) => String(r[a] ?? '(missing)')), y, scores, { threshold, minGroupSize: 30 }));
  const summary = {
    di_ratio: fair.length ? Math.min(...fair.map((f) => f.disparate_impact_ratio)) : 1,
    dp_diff: fair.length ? Math.max(...fair.map((f) => f.demographic_parity_difference)) : 0,
    eo_diff: fair.length ? Math.max(...fair.map((f) => f.equalized_odds_difference)) : 0,
  };
  const kpis: Record<string, number> = {};
  for (const [k, fn] of Object.entries(opts.kpis ?? {})) kpis[k] = fn({ y, scores, rows: fs.rows, threshold });
  const report: EvaluationReport = {
    title: opts.title ?? 'Model evaluation',
    threshold, overall, confusion: confusion(y, scores, threshold),
    roc: curve.map((p) => ({ x: p.fpr, y: p.tpr })),
    pr: curve.slice(1).map((p) => ({ x: p.tpr, y: p.precision })),
    calibration: calibration(y, scores).bins,
    slices, fairness: fair, summary, kpis,
    model: { features: model.json.features.length, transformDigest: model.json.transformDigest, params: model.json.params },
  };
  const metrics: Record<string, number> = {
    auc: overall.auc, pr_auc: overall.pr_auc, accuracy: overall.accuracy, precision: overall.precision, recall: overall.recall, f1: overall.f1,
    log_loss: overall.log_loss, brier: overall.brier, ece: overall.ece,
    di_ratio: summary.di_ratio, dp_diff: summary.dp_diff, eo_diff: summary.eo_diff,
  };
  for (const f of fair) {
    metrics[`fairness.${f.attribute}.di_ratio`] = f.disparate_impact_ratio;
    metrics[`fairness.${f.attribute}.dp_diff`] = f.demographic_parity_difference;
    metrics[`fairness.${f.attribute}.eo_diff`] = f.equalized_odds_difference;
  }
  for (const [k, v] of Object.entries(kpis)) metrics[`kpi.${k}`] = v;
  mkdirSync(opts.outDir, { recursive: true });
  const htmlPath = join(opts.outDir, 'report.html');
  const markdownPath = join(opts.outDir, 'report.md');
  writeFileSync(join(opts.outDir, 'report.json'), JSON.stringify(report, null, 1));
  writeFileSync(join(opts.outDir, 'metrics.json'), JSON.stringify(metrics, null, 2));
  writeFileSync(htmlPath, renderHtml(report));
  writeFileSync(markdownPath, renderMarkdown(report));
  if (run) {
    await run.logMetrics(Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v))));
    await run.logArtifact(opts.outDir, 'report');
    await run.setTag('trainyard.report', 'report/report.html');
  }
  return { report, reportDir: opts.outDir, htmlPath, markdownPath, metrics };
}
