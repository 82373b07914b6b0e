import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainyard } from '../src/client/index.js';
import {
  loadModel, readFeatureSet, readTable, runBuildFeatures, runEvaluateModel, runRegisterModel, runTrainModel, runTuneModel, splitGate,
} from '../src/pipelines/steps/index.js';
import { pyReference, rng } from '../src/pipelines/steps/metrics/sklearn-reference.js';
import { DATA, kpis, spec } from '../examples/adult-income/pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'ty-train-eval-'));
let ty: Trainyard;
let features: Awaited<ReturnType<typeof runBuildFeatures>>;
beforeAll(async () => {
  ty = new Trainyard({ home: join(dir, 'home'), capture: false });
  const t = readTable(DATA);
  // 8,000 rows keep this file quick; the demo test runs the full data.
  features = await runBuildFeatures({ table: { columns: t.columns, rows: t.rows.slice(0, 8000) }, spec, split: { test: 0.25, seed: 3 }, outDir: join(dir, 'feats') });
});
afterAll(async () => { await ty.close(); rmSync(dir, { recursive: true, force: true }); });

describe('train, evaluate, register', () => {
  it('trains with checkpoints on a run; the registered model serves the same scores; metrics agree with scikit-learn', async () => {
    const run = await ty.startRun({ experiment: 'train-eval' });
    const trained = await runTrainModel({ train: features.train, params: { epochs: 4 }, outDir: join(dir, 'train') }, run);
    await run.end();
    const r = await ty.getRun(run.id);
    expect(r.data.metrics.find((m) => m.key === 'val_auc')?.value).toBeGreaterThan(0.8);
    const conn = await ty.connection();
    expect(JSON.stringify(await conn.artifacts.list(r.info.artifact_uri, 'checkpoints'))).toContain('epoch-4.json');

    const evalRun = await ty.startRun({ experiment: 'train-eval' });
    const ev = await runEvaluateModel({ model: trained.modelDir, holdout: features.test, sensitive: ['sex', 'race'], kpis, outDir: join(dir, 'eval') }, evalRun);
    await evalRun.end();
    const holdout = readFeatureSet(features.test);
    const served = loadModel(trained.modelDir);
    const scores = holdout.rows.map((row) => served.predict(row));
    const ref = pyReference<{ auc: number; ap: number; ll: number; di: number }>(`
from sklearn import metrics as M
y, s, g = np.array(data['y']), np.array(data['s']), np.array(data['sex'])
p = (s >= 0.5).astype(int)
rates = [p[g == k].mean() for k in sorted(set(g))]
print(json.dumps(dict(auc=M.roc_auc_score(y, s), ap=M.average_precision_score(y, s), ll=M.log_loss(y, s), di=min(rates) / max(rates))))
`, { y: Array.from(holdout.y), s: scores, sex: holdout.rows.map((x) => x.sex) });
    expect(ev.metrics.auc).toBeCloseTo(ref.auc, 10);
    expect(ev.metrics.pr_auc).toBeCloseTo(ref.ap, 10);
    expect(ev.metrics.log_loss).toBeCloseTo(ref.ll, 8);
    expect(ev.metrics['fairness.sex.di_ratio']).toBeCloseTo(ref.di, 10);
    // KPI by hand from the same scores.
    let v = 0;
    scores.forEach((s, i) => { if (s >= 0.5) v += (holdout.y[i] === 1 ? 40 : 0) - 5; });
    expect(ev.metrics['kpi.campaign_value_per_1000']).toBeCloseTo((v / scores.length) * 1000, 8);
    const md = readFileSync(ev.markdownPath, 'utf8');
    expect(md).toMatch(/\| ROC AUC \| 0\.\d{3} \|/);
    expect(md).toContain('### race');
    expect(readFileSync(ev.htmlPath, 'utf8').match(/<svg/g)!.length).toBeGreaterThanOrEqual(6); // ROC, PR, calibration, confusion, 2 group bars

    // Register behind a gate it passes; another user approves and @champion moves.
    const reg = await runRegisterModel(ty, { name: 'income-test', modelUri: trained.modelUri!, metrics: ev.metrics, reportUri: `runs:/${evalRun.id}/report/report.html`, gate: 'metrics.auc >= 0.8 and metrics.log_loss <= 0.6', user: 'ana' });
    expect(reg.gates).toEqual(['metrics.auc >= 0.8', 'metrics.log_loss <= 0.6']);
    expect(reg.gatesPassed).toBe(true);
    expect(reg.promotion!.evaluation_report).toBeTruthy();
    await ty.models.approve('income-test', reg.promotion!.request_id, { user: 'ben' });
    const champion = await ty.models.resolve('income-test', '@champion');
    expect(champion.version).toBe(reg.version.version);
    // Serving: the registry's verified copy predicts exactly what evaluation scored.
    const loaded = loadModel(await ty.models.load('income-test', '@champion'));
    holdout.rows.slice(0, 200).forEach((row, i) => expect(loaded.predict(row)).toBe(scores[i]));
  });

  it('tunes through a study whose trials are nested runs', async () => {
    const res = await runTuneModel(ty, { train: features.train, trials: 3, experiment: 'tune-test', study: 'tune-test', outDir: join(dir, 'tune'),
      space: { learningRate: { float: [0.005, 0.1], log: true }, epochs: { int: [1, 2] } } });
    expect(res.trials).toHaveLength(3);
    const study = await ty.studies.load('tune-test');
    const conn = await ty.connection();
    const { runs } = await conn.call<{ runs: { data: { tags: { key: string; value: string }[] } }[] }>('POST', '/api/2.0/mlflow/runs/search', {
      experiment_ids: [await ty.experimentId('tune-test')], filter: `tags.mlflow.parentRunId = '${study.info.parent_run_id}'`,
    });
    expect(runs).toHaveLength(3);
    expect(res.bestValue).toBe(Math.max(...res.trials.filter((t) => t.state === 'COMPLETE').map((t) => t.value!)));
  });

  it('regression: a linear model trained in TS reaches the R² of scikit-learn and is evaluated with RMSE/MAE/R²', async () => {
    const r = rng(8);
    const rows = Array.from({ length: 3000 }, () => {
      const x1 = r() * 10, x2 = r() * 5, g = r() < 0.5 ? 'a' : 'b';
      return { x1, x2, g, y: 3 * x1 - 2 * x2 + (g === 'a' ? 4 : 0) + (r() - 0.5) * 2 };
    });
    const fsr = await runBuildFeatures({ table: { columns: ['x1', 'x2', 'g', 'y'], rows }, spec: { target: 'y', columns: { x1: ['standardize'], x2: ['standardize'], g: ['onehot'] } },
      split: { test: 0.2, seed: 1 }, outDir: join(dir, 'reg') });
    expect(fsr.meta.task).toBe('regression');
    const m = await runTrainModel({ train: fsr.train, params: { epochs: 30, learningRate: 0.05, l2: 0 }, outDir: join(dir, 'reg-train') });
    const ev = await runEvaluateModel({ model: m.modelDir, holdout: fsr.test, slices: ['g'], outDir: join(dir, 'reg-eval') });
    const tr = readFeatureSet(fsr.train), te = readFeatureSet(fsr.test);
    const ref = pyReference<{ r2: number }>(`
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
m = LinearRegression().fit(data['Xt'], data['yt'])
print(json.dumps(dict(r2=r2_score(data['yv'], m.predict(data['Xv'])))))
`, { Xt: tr.X.map((x) => Array.from(x)), yt: Array.from(tr.y), Xv: te.X.map((x) => Array.from(x)), yv: Array.from(te.y) });
    expect(ev.metrics.r2).toBeGreaterThan(ref.r2 - 0.01);
    expect(ev.metrics.rmse).toBeLessThan(1.5); // the target spans about -10..34
    expect(readFileSync(ev.markdownPath, 'utf8')).toMatch(/\| g \| (a|b) \| \d+ \|/);
  });

  it('refuses a bad gate naming the part at fault', () => {
    expect(() => splitGate('metrics.auc >= 0.85 and di_ratio >>= 1')).toThrow(/gate\[1\]/);
  });
});
