import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Trainyard } from '../../../client/index.js';
import { trainyardFetcher } from '../data/artifact-fetcher.js';
import type { Row } from '../data/table.js';
import { readTable } from '../data/table.js';
import { rng } from '../metrics/sklearn-reference.js';
import { pyReference } from '../metrics/sklearn-reference.js';
import { runBuildFeatures } from './build-features.js';
import { readFeatureSet } from './feature-set.js';
import { kFold, stratifiedSplit } from './split.js';
import { fitTransform, loadTransform, transformFromJson } from './transform.js';

const dir = mkdtempSync(join(tmpdir(), 'ty-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function people(n: number, seed: number): Row[] {
  const r = rng(seed);
  const jobs = ['clerk', 'exec', 'sales', 'tech'];
  return Array.from({ length: n }, () => {
    const age = r() < 0.05 ? null : Math.round(18 + r() * 60);
    const job = r() < 0.05 ? null : jobs[Math.floor(r() * jobs.length)]!;
    const gain = r() < 0.8 ? 0 : Math.round(r() * 20000);
    const rich = (age ?? 40) > 45 && (job === 'exec' || r() < 0.2) ? '>50K' : '<=50K';
    return { age, job, gain, income: rich };
  });
}

describe('transforms', () => {
  const rows: Row[] = [
    { x: 1, c: 'a' }, { x: 3, c: 'b' }, { x: null, c: 'a' }, { x: 8, c: null },
  ];
  const y = [1, 0, 1, 0];

  it('fit on training values: impute, standardize, min-max, log, bucketize by hand', () => {
    const t = fitTransform({
      x: [{ impute: 'median' }, 'standardize'],
      m: [],
    }, rows.map((r) => ({ ...r, m: r.x })));
    // median of 1, 3, 8 is 3 -> values 1, 3, 3, 8: mean 3.75, population std sqrt(((2.75)^2 + .75^2*2 + 4.25^2)/4)
    const std = Math.sqrt((2.75 ** 2 + 0.75 ** 2 * 2 + 4.25 ** 2) / 4);
    expect(t.apply({ x: null, m: 5 })).toEqual([(3 - 3.75) / std, 5]);
    const mm = fitTransform({ x: [{ impute: 0 }, 'minmax'] }, rows);
    expect(mm.apply({ x: 4 })).toEqual([0.5]);
    const lg = fitTransform({ x: ['log'] }, rows);
    expect(lg.apply({ x: Math.E - 1 })[0]).toBeCloseTo(1, 12);
    const b = fitTransform({ x: [{ bucketize: { bins: [2, 5] } }] }, rows);
    expect([0, 2, 4.9, 5, 100].map((v) => b.apply({ x: v })[0])).toEqual([0, 1, 1, 2, 2]);
  });

  it('one-hot, frequency and target encoding; unseen categories are safe', () => {
    const t = fitTransform({ c: ['onehot'] }, rows);
    expect(t.names).toEqual(['c=a', 'c=b']);
    expect(t.apply({ c: 'b' })).toEqual([0, 1]);
    expect(t.apply({ c: 'zzz' })).toEqual([0, 0]);
    const f = fitTransform({ c: ['frequency'] }, rows);
    expect(f.apply({ c: 'a' })).toEqual([0.5]);
    expect(f.apply({ c: 'new' })).toEqual([0]);
    const te = fitTransform({ c: [{ target: { smoothing: 2 } }] }, rows, y);
    // prior 0.5; 'a': (2 + 2*.5)/(2 + 2) = .75; 'b': (0 + 1)/(1 + 2) = 1/3
    expect(te.apply({ c: 'a' })[0]).toBeCloseTo(0.75, 12);
    expect(te.apply({ c: 'b' })[0]).toBeCloseTo(1 / 3, 12);
    expect(te.apply({ c: 'unseen' })[0]).toBeCloseTo(0.5, 12);
  });

  it('standardize matches scikit-learn StandardScaler and one-hot its OneHotEncoder', () => {
    const data = people(300, 4);
    const t = fitTransform({ gain: ['standardize'], job: [{ impute: 'missing' }, 'onehot'] }, data);
    const ref = pyReference<{ z: number[]; oh: number[][]; cats: string[] }>(`
from sklearn.preprocessing import StandardScaler, OneHotEncoder
g = np.array([[r['gain']] for r in data['rows']], dtype=float)
j = np.array([[r['job'] if r['job'] is not None else 'missing'] for r in data['rows']])
enc = OneHotEncoder(handle_unknown='ignore').fit(j)
print(json.dumps(dict(z=StandardScaler().fit(g).transform(g)[:, 0].tolist(), oh=enc.transform(j).toarray().tolist(), cats=[str(c) for c in enc.categories_[0]])))
`, { rows: data });
    expect(t.names.slice(1)).toEqual(ref.cats.map((c) => `job=${c}`));
    data.forEach((r, i) => {
      const v = t.apply(r);
      expect(v[0]).toBeCloseTo(ref.z[i]!, 10);
      expect(v.slice(1)).toEqual(ref.oh[i]);
    });
  });

  it('refuses a bad spec naming the column and a tampered file', () => {
    expect(() => fitTransform({ x: ['sqrt' as never] }, rows)).toThrow(/spec\.x\[0\]: unknown transform 'sqrt'/);
    expect(() => fitTransform({ c: ['onehot', 'standardize'] }, rows)).toThrow(/spec\.c\[0\]: onehot .* must come last/);
    expect(() => fitTransform({ nope: ['standardize'] }, rows)).toThrow(/no column 'nope'/);
    const json = fitTransform({ x: [{ impute: 'mean' }] }, rows).json;
    const bad = JSON.parse(JSON.stringify(json));
    bad.columns[0].ops[0].value = 99;
    expect(() => transformFromJson(bad)).toThrow(/do not match its digest/);
  });
});

describe('splits', () => {
  const labels = Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? 1 : 0));

  it('stratified holdout keeps the class share, is seeded, and partitions the rows', () => {
    const a = stratifiedSplit(1000, { test: 0.2, seed: 7, labels });
    expect(a.test.length).toBe(200);
    expect(a.test.filter((i) => labels[i] === 1).length).toBe(50);
    expect(new Set([...a.train, ...a.test]).size).toBe(1000);
    expect(stratifiedSplit(1000, { test: 0.2, seed: 7, labels })).toEqual(a);
    expect(stratifiedSplit(1000, { test: 0.2, seed: 8, labels }).test).not.toEqual(a.test);
    expect(() => stratifiedSplit(10, { test: 1.5, seed: 1 })).toThrow(/split\.test/);
  });

  it('k-fold: disjoint validation folds covering every row, each stratified', () => {
    const folds = kFold(1000, { k: 5, seed: 3, labels });
    expect(folds).toHaveLength(5);
    const all = folds.flatMap((f) => f.validation);
    expect(new Set(all).size).toBe(1000);
    for (const f of folds) {
      expect(f.validation.length).toBe(200);
      expect(f.validation.filter((i) => labels[i] === 1).length).toBe(50);
      expect(f.train.length + f.validation.length).toBe(1000);
    }
  });
});

describe('buildFeatures', () => {
  it('fits on the training split only; the logged transform gives identical outputs at serve time', async () => {
    const table = { columns: ['age', 'job', 'gain', 'income'], rows: people(2000, 1) };
    const ty = new Trainyard({ home: join(dir, 'home'), capture: false });
    try {
      const run = await ty.startRun({ experiment: 'features-test' });
      const res = await runBuildFeatures({
        table,
        spec: { target: 'income', columns: { age: [{ impute: 'median' }, 'standardize'], job: [{ impute: 'mode' }, 'onehot'], gain: ['log', 'minmax'] } },
        split: { test: 0.25, seed: 7 },
        outDir: join(dir, 'feats'),
      }, run);
      await run.end();
      expect(res.meta.positive).toBe('>50K');
      const train = readFeatureSet(res.train);
      const test = readFeatureSet(res.test);
      expect(train.rows.length + test.rows.length).toBe(2000);
      // Standardized on train only: mean 0 on train, not exactly on test.
      const ageTrain = train.X.map((x) => x[0]!);
      expect(ageTrain.reduce((a, b) => a + b, 0) / ageTrain.length).toBeCloseTo(0, 10);
      // Serve: load the transform from the run by URI and apply to raw rows read back from disk.
      const served = await loadTransform(`runs:/${run.id}/transform/transform.json`, { fetcher: trainyardFetcher(ty) });
      expect(served.digest).toBe(res.transform.digest);
      const raw = readTable(join(res.test, 'rows.csv.gz')).rows;
      raw.forEach((r, i) => expect(served.apply(r)).toEqual(Array.from(test.X[i]!)));
      // Same seed, same split; the holdout keeps the positive share.
      const share = (ys: Float64Array) => ys.reduce((a, b) => a + b, 0) / ys.length;
      expect(Math.abs(share(train.y) - share(test.y))).toBeLessThan(0.01);
    } finally {
      await ty.close();
    }
  });
});
