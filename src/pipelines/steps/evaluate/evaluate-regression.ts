/**
 * @module evaluateModel for a regression model: RMSE, MAE and R² on the holdout, overall and per
 * slice (sensitive attributes included, with each group's mean prediction and mean target so a
 * reviewer sees systematic over- or under-prediction), business KPIs, and a Markdown + HTML report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureSet } from '../features/feature-set.js';
import { regressionMetrics, type RegressionMetrics } from '../metrics/index.js';
import type { StepRun } from '../step-run.js';
import type { LoadedModel } from '../train/model-package.js';
import type { EvaluateModelOptions } from './evaluate.js';

export interface RegressionSlice {
  column: string;
  group: string;
  n: number;
  metrics: RegressionMetrics;
  mean_prediction: number;
  mean_target: number;
}

export interface RegressionReport {
  title: string;
  task: 'regression';
  overall: RegressionMetrics;
  slices: RegressionSlice[];
  kpis: Record<string, number>;
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export async function evaluateRegression(model: LoadedModel, fs: FeatureSet, opts: EvaluateModelOptions, run?: StepRun) {
  const preds = Float64Array.from(fs.rows.map((r) => model.predict(r)));
  const overall = regressionMetrics(fs.y, preds);
  const slices: RegressionSlice[] = [];
  for (const column of [...new Set([...(opts.sensitive ?? []), ...(opts.slices ?? [])])]) {
    const groups = new Map<string, number[]>();
    fs.rows.forEach((r, i) => { const g = String(r[column] ?? '(missing)'); (groups.get(g) ?? groups.set(g, []).get(g)!).push(i); });
    for (const [group, idx] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
      slices.push({ column, group, n: idx.length, metrics: regressionMetrics(idx.map((i) => fs.y[i]!), idx.map((i) => preds[i]!)),
        mean_prediction: mean(idx.map((i) => preds[i]!)), mean_target: mean(idx.map((i) => fs.y[i]!)) });
    }
  }
  const kpis: Record<string, number> = {};
  for (const [k, fn] of Object.entries(opts.kpis ?? {})) kpis[k] = fn({ y: fs.y, scores: preds, rows: fs.rows, threshold: opts.threshold ?? 0.5 });
  const report: RegressionReport = { title: opts.title ?? 'Model evaluation', task: 'regression', overall, slices, kpis };
  const metrics: Record<string, number> = { rmse: overall.rmse, mae: overall.mae, r2: overall.r2 };
  for (const [k, v] of Object.entries(kpis)) metrics[`kpi.${k}`] = v;
  const md = [`# ${report.title}`, '', `Holdout: ${overall.n} rows.`, '', '| metric | value |', '|---|---|', `| RMSE | ${f3(overall.rmse)} |`, `| MAE | ${f3(overall.mae)} |`, `| R² | ${f3(overall.r2)} |`, ''];
  if (slices.length) {
    md.push('## Slices', '', '| column | group | n | RMSE | MAE | mean prediction | mean target |', '|---|---|---|---|---|---|---|');
    for (const s of slices) md.push(`| ${s.column} | ${s.group} | ${s.n} | ${f3(s.metrics.rmse)} | ${f3(s.metrics.mae)} | ${f3(s.mean_prediction)} | ${f3(s.mean_target)} |`);
  }
  if (Object.keys(kpis).length) md.push('', '## Business KPIs', '', '| KPI | value |', '|---|---|', ...Object.entries(kpis).map(([k, v]) => `| ${k} | ${f3(v)} |`));
  const rows = md.filter((l) => l.startsWith('| ') && !l.startsWith('| metric') && !l.startsWith('| column') && !l.startsWith('| KPI'));
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(report.title)}</title><style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto}td{border:1px solid #ddd;padding:3px 8px}</style></head><body><h1>${esc(report.title)}</h1><p>Holdout: ${overall.n} rows.</p><table>${rows.map((l) => `<tr>${l.split('|').slice(1, -1).map((c) => `<td>${esc(c.trim())}</td>`).join('')}</tr>`).join('')}</table></body></html>\n`;
  mkdirSync(opts.outDir, { recursive: true });
  const htmlPath = join(opts.outDir, 'report.html');
  const markdownPath = join(opts.outDir, 'report.md');
  writeFileSync(join(opts.outDir, 'report.json'), JSON.stringify(report, null, 1));
  writeFileSync(join(opts.outDir, 'metrics.json'), JSON.stringify(metrics, null, 2));
  writeFileSync(htmlPath, html);
  writeFileSync(markdownPath, md.join('\n') + '\n');
  if (run) {
    await run.logMetrics(Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v))));
    await run.logArtifact(opts.outDir, 'report');
    await run.setTag('trainyard.report', 'report/report.html');
  }
  return { report, reportDir: opts.outDir, htmlPath, markdownPath, metrics };
}
