import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainyard } from '../src/client/index.js';
import { defineStep, loadPipelineFile, pipeline, value } from '../src/pipelines/index.js';
import {
  DataValidationError, loadCommandPipeline, readTable, runPipelineInOrder, runStepsInOrder, runValidateData, validateData, type StepEvent,
} from '../src/pipelines/steps/index.js';
import { DATA, REFERENCE, schema } from '../examples/adult-income/pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'ty-steps-'));
let ty: Trainyard;
beforeAll(() => { ty = new Trainyard({ home: join(dir, 'home'), capture: false }); });
afterAll(async () => { await ty.close(); rmSync(dir, { recursive: true, force: true }); });

describe('validateData on the Adult data', () => {
  it('passes the real data, with a report row per column and drift figures against the reference', async () => {
    const res = await runValidateData({ source: DATA, schema, reference: REFERENCE, outDir: join(dir, 'v1') });
    expect(res.report.status).not.toBe('error');
    expect(res.report.columns.map((c) => c.column)).toEqual(Object.keys(schema.columns));
    const age = res.report.columns.find((c) => c.column === 'age')!;
    expect(age.psi).toBeLessThan(0.1); // adult.data and adult.test come from one census
    expect(age.ks).toBeLessThan(0.05);
    expect(readFileSync(join(dir, 'v1', 'validation.md'), 'utf8')).toMatch(/\| age \| integer \| ok \|/);
  });

  it('an ERROR stops the pipeline before training; the report is on the step run', async () => {
    const table = readTable(DATA);
    // Corrupt the data as an upstream bug would: ages in months, a new category.
    const bad = { columns: table.columns, rows: table.rows.map((r, i) => ({ ...r, age: Number(r.age) * 12, sex: i % 50 === 0 ? 'X' : r.sex })) };
    await expect(runValidateData({ source: bad, schema, outDir: join(dir, 'v2') })).rejects.toThrow(DataValidationError);
    const events: StepEvent[] = [];
    let trained = false;
    const train = defineStep({ id: 'test.train', version: '1', outputs: { ok: value<boolean>() }, async run(_i: { table: unknown }) { trained = true; return { ok: true }; } });
    const p = pipeline('bad-data');
    const v = p.step('validate', validateData({ source: bad, schema }));
    p.step('train', train({ table: v.out.table }));
    await expect(runPipelineInOrder(ty, p, { home: join(dir, 'home'), onEvent: (e) => events.push(e) }))
      .rejects.toThrow(/age: \d+ value\(s\) above max 90.*sex: \d+ value\(s\) outside the allowed categories: 'X'/);
    expect(trained).toBe(false);
    expect(events.find((e) => e.kind === 'failed')?.step).toBe('validate');
    const { runs } = await (await ty.connection()).call<{ runs: { info: { run_id: string; status: string } }[] }>('POST', '/api/2.0/mlflow/runs/search', {
      experiment_ids: [await ty.experimentId('bad-data')],
    });
    expect(runs[0]!.info.status).toBe('FAILED');
    const conn = await ty.connection();
    const run = await ty.getRun(runs[0]!.info.run_id);
    const files = await conn.artifacts.list(run.info.artifact_uri, 'validation');
    expect(JSON.stringify(files)).toContain('validation.json');
  });
});

describe('the Python variant (YAML, scikit-learn)', () => {
  it('runs split -> train -> evaluate as commands and logs the metrics; a rerun is cached', async () => {
    const file = join(process.cwd(), 'examples', 'adult-income', 'python', 'pipeline.yaml');
    // The file is in the scheduler's YAML form too: it compiles to a validated spec.
    const { spec } = await loadPipelineFile(file);
    expect(spec.steps.map((st) => st.name)).toEqual(['split', 'train', 'evaluate']);
    const p = loadCommandPipeline(file);
    const home = join(dir, 'home');
    const first = await runStepsInOrder(ty, { pipeline: p.name, steps: p.steps, home });
    const metrics = first.outputs.evaluate!.metrics as Record<string, number>;
    expect(metrics.auc).toBeGreaterThan(0.88);
    expect(metrics['fairness.sex.di_ratio']).toBeLessThan(0.8);
    const evalRun = await ty.getRun(first.stepRuns.evaluate!);
    expect(evalRun.data.metrics.find((m) => m.key === 'auc')?.value).toBeCloseTo(metrics.auc!, 10);
    const second = await runStepsInOrder(ty, { pipeline: p.name, steps: p.steps, home });
    expect(second.cached).toEqual(['split', 'train', 'evaluate']);
    // A changed param misses the cache from the step it feeds on.
    const third = await runStepsInOrder(ty, { pipeline: p.name, steps: loadCommandPipeline(file, { C: 0.5 }).steps, home });
    expect(third.cached).toEqual(['split']);
  }, 120_000);

  it('refuses a reference to an undeclared output, naming the step and field', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'name: x\nsteps:\n  a:\n    command: "true"\n    outputs: { o: { path: o.txt } }\n  b:\n    command: "true"\n    inputs: { i: steps.a.outputs.nope }\n');
    expect(() => loadCommandPipeline(f)).toThrow(/steps\.b\.inputs\.i: step 'a' has no output 'nope'/);
  });
});
