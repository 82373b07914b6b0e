/** @module The evaluation report as HTML (self-contained, inline SVG) and Markdown. */
import type { EvaluationReport } from './evaluate.js';
import { confusionChart, groupBars, lineChart } from './svg-charts.js';

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function charts(r: EvaluationReport) {
  return {
    roc: lineChart(`ROC (AUC ${f3(r.overall.auc)})`, 'false positive rate', 'true positive rate', r.roc, { diagonal: true }),
    pr: lineChart(`Precision-recall (AP ${f3(r.overall.pr_auc)})`, 'recall', 'precision', r.pr),
    cal: lineChart(`Calibration (ECE ${f3(r.overall.ece)})`, 'mean predicted', 'fraction positive', r.calibration.filter((b) => b.count > 0).map((b) => ({ x: b.meanPredicted, y: b.fractionPositive })), { diagonal: true, dots: true }),
    cm: confusionChart(r.confusion),
    groups: r.fairness.map((f) => groupBars(`${f.attribute}: rates by group`, f.groups.map((g) => g.group), [
      { name: 'selection rate', values: f.groups.map((g) => g.selection_rate) },
      { name: 'TPR', values: f.groups.map((g) => g.tpr) },
      { name: 'FPR', values: f.groups.map((g) => g.fpr) },
    ])),
  };
}

function overallRows(r: EvaluationReport): [string, number][] {
  const o = r.overall;
  return [['ROC AUC', o.auc], ['PR AUC (average precision)', o.pr_auc], ['accuracy', o.accuracy], ['precision', o.precision], ['recall', o.recall], ['F1', o.f1], ['log loss', o.log_loss], ['Brier score', o.brier], ['expected calibration error', o.ece]];
}

export function renderMarkdown(r: EvaluationReport): string {
  const c = charts(r);
  const out: string[] = [`# ${r.title}`, '', `Holdout: ${r.overall.n} rows, ${r.overall.positives} positive; threshold ${r.threshold}.`, '', '## Overall', '', '| metric | value |', '|---|---|'];
  for (const [k, v] of overallRows(r)) out.push(`| ${k} | ${f3(v)} |`);
  out.push('', '## Fairness', '', `Worst disparate impact ratio ${f3(r.summary.di_ratio)} (four-fifths rule: flag under 0.8); largest demographic parity difference ${f3(r.summary.dp_diff)}; largest equalized odds difference ${f3(r.summary.eo_diff)}.`, '');
  for (const f of r.fairness) {
    out.push(`### ${f.attribute}`, '', `DP difference ${f3(f.demographic_parity_difference)}, EO difference ${f3(f.equalized_odds_difference)}, DI ratio ${f3(f.disparate_impact_ratio)}.`, '', '| group | n | selection rate | TPR | FPR | accuracy |', '|---|---|---|---|---|---|');
    for (const g of f.groups) out.push(`| ${g.group} | ${g.n} | ${f3(g.selection_rate)} | ${f3(g.tpr)} | ${f3(g.fpr)} | ${f3(g.accuracy)} |`);
    out.push('');
  }
  if (r.slices.length) {
    out.push('## Slices', '', '| column | group | n | AUC | accuracy | precision | recall | F1 |', '|---|---|---|---|---|---|---|---|');
    for (const s of r.slices) out.push(`| ${s.column} | ${s.group} | ${s.n} | ${f3(s.metrics.auc)} | ${f3(s.metrics.accuracy)} | ${f3(s.metrics.precision)} | ${f3(s.metrics.recall)} | ${f3(s.metrics.f1)} |`);
    out.push('');
  }
  if (Object.keys(r.kpis).length) {
    out.push('## Business KPIs', '', '| KPI | value |', '|---|---|', ...Object.entries(r.kpis).map(([k, v]) => `| ${k} | ${f3(v)} |`), '');
  }
  out.push('## Charts', '', c.roc, '', c.pr, '', c.cal, '', c.cm, '', ...c.groups.flatMap((g) => [g, '']));
  out.push('## Model', '', `${r.model.features} features; transform ${r.model.transformDigest.slice(0, 12)}; params ${esc(JSON.stringify(r.model.params))}.`, '');
  return out.join('\n');
}

export function renderHtml(r: EvaluationReport): string {
  const c = charts(r);
  const table = (head: string[], rows: (string | number)[][]) =>
    `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((row) => `<tr>${row.map((v) => `<td>${typeof v === 'number' ? f3(v) : esc(v)}</td>`).join('')}</tr>`).join('')}</table>`;
  const fair = r.fairness.map((f) => `<h3>${esc(f.attribute)}</h3><p>DP difference ${f3(f.demographic_parity_difference)}, EO difference ${f3(f.equalized_odds_difference)}, DI ratio <b>${f3(f.disparate_impact_ratio)}</b>${f.disparate_impact_ratio < 0.8 ? ' <span class="flag">below 0.8</span>' : ''}</p>`
    + table(['group', 'n', 'selection rate', 'TPR', 'FPR', 'accuracy'], f.groups.map((g) => [g.group, String(g.n), g.selection_rate, g.tpr, g.fpr, g.accuracy]))).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}.charts svg{margin:4px;border:1px solid #eee}.flag{color:#b00;font-weight:bold}
</style></head><body><h1>${esc(r.title)}</h1><p>Holdout: ${r.overall.n} rows, ${r.overall.positives} positive; threshold ${r.threshold}.</p>
<h2>Overall</h2>${table(['metric', 'value'], overallRows(r))}
<div class="charts">${c.roc}${c.pr}${c.cal}${c.cm}</div>
<h2>Fairness</h2><p>Worst DI ratio ${f3(r.summary.di_ratio)}; largest DP difference ${f3(r.summary.dp_diff)}; largest EO difference ${f3(r.summary.eo_diff)}.</p>
<div class="charts">${c.groups.join('')}</div>${fair}
${r.slices.length ? `<h2>Slices</h2>${table(['column', 'group', 'n', 'AUC', 'accuracy', 'precision', 'recall', 'F1'], r.slices.map((s) => [s.column, s.group, String(s.n), s.metrics.auc, s.metrics.accuracy, s.metrics.precision, s.metrics.recall, s.metrics.f1]))}` : ''}
${Object.keys(r.kpis).length ? `<h2>Business KPIs</h2>${table(['KPI', 'value'], Object.entries(r.kpis))}` : ''}
<h2>Model</h2><p>${r.model.features} features; transform ${r.model.transformDigest.slice(0, 12)}; params <code>${esc(JSON.stringify(r.model.params))}</code>.</p></body></html>
`;
}
