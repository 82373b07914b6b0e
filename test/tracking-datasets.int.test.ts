import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { createExperiment, createRun, getRun, makeDatasetInput, ok, PREFIXES, searchAllRuns } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

const SEARCH_DATASETS = '/ajax-api/2.0/mlflow/experiments/search-datasets';

describe.each(DIALECTS)('dataset inputs on %s', (dialect) => {
  const server = useServer(dialect);

  it.each(PREFIXES)('log-inputs attaches datasets with their tags to the run, once each (%s)', async (prefix) => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const train = makeDatasetInput({ name: 'mnist', digest: 'abc', schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 10}' });
    const evalSet = makeDatasetInput({ name: 'mnist-test', digest: 'def' }, [{ key: 'mlflow.data.context', value: 'eval' }, { key: 'extra', value: '1' }]);
    ok(await s.call('POST', `${prefix}/runs/log-inputs`, { run_id: id, datasets: [train, evalSet] }));
    ok(await s.call('POST', `${prefix}/runs/log-inputs`, { run_id: id, datasets: [train] }));
    const run = await getRun(s, id);
    expect(run.inputs.dataset_inputs).toEqual([
      { dataset: train.dataset, tags: train.tags },
      { dataset: evalSet.dataset, tags: [{ key: 'extra', value: '1' }, { key: 'mlflow.data.context', value: 'eval' }] },
    ]);
  });

  it('search-datasets lists each experiment\'s datasets, also one already used in another experiment (MLflow #3 answers empty)', async () => {
    const s = server();
    const first = await createExperiment(s);
    const second = await createExperiment(s);
    const shared = makeDatasetInput({ name: 'shared', digest: 's1' });
    const runA = (await createRun(s, { experiment_id: first })).info.run_id;
    const runB = (await createRun(s, { experiment_id: second })).info.run_id;
    const runC = (await createRun(s, { experiment_id: second })).info.run_id;
    ok(await s.mlflow('POST', '/runs/log-inputs', { run_id: runA, datasets: [shared] }));
    ok(await s.mlflow('POST', '/runs/log-inputs', { run_id: runB, datasets: [shared] }));
    ok(await s.mlflow('POST', '/runs/log-inputs', { run_id: runC, datasets: [shared, makeDatasetInput({ name: 'own', digest: 'o1' }, [{ key: 'mlflow.data.context', value: 'eval' }])] }));

    const one = ok(await s.call('POST', SEARCH_DATASETS, { experiment_ids: [first] }));
    expect(one.dataset_summaries).toEqual([{ experiment_id: first, name: 'shared', digest: 's1', context: 'training' }]);
    const two = ok(await s.call('POST', SEARCH_DATASETS, { experiment_ids: [second] }));
    expect(two.dataset_summaries).toEqual([
      { experiment_id: second, name: 'own', digest: 'o1', context: 'eval' },
      { experiment_id: second, name: 'shared', digest: 's1', context: 'training' },
    ]);
    const both = ok(await s.call('POST', SEARCH_DATASETS, { experiment_ids: [first, second] }));
    expect(both.dataset_summaries).toHaveLength(3);

    // Each run still reads the dataset, and a filter on datasets finds both experiments' runs.
    expect((await getRun(s, runB)).inputs.dataset_inputs.map((d: any) => d.dataset.name)).toEqual(['shared']);
    const found = await searchAllRuns(s, { experiment_ids: [first, second], filter: "datasets.name = 'shared' AND datasets.context = 'training'" });
    expect(found.map((r) => r.info.run_id).sort()).toEqual([runA, runB, runC].sort());
  });

  it('a dataset without a context tag is summarised without one', async () => {
    const s = server();
    const exp = await createExperiment(s);
    const id = (await createRun(s, { experiment_id: exp })).info.run_id;
    ok(await s.mlflow('POST', '/runs/log-inputs', { run_id: id, datasets: [makeDatasetInput({ name: 'bare', digest: 'b' }, [])] }));
    const body = ok(await s.call('POST', SEARCH_DATASETS, { experiment_ids: [exp] }));
    expect(body.dataset_summaries).toEqual([{ experiment_id: exp, name: 'bare', digest: 'b' }]);
  });

  it('concurrent runs of one experiment logging the same new dataset all succeed', async () => {
    const s = server();
    const exp = await createExperiment(s);
    const runs = await Promise.all(Array.from({ length: 6 }, () => createRun(s, { experiment_id: exp })));
    const input = makeDatasetInput({ name: 'race', digest: 'r1' });
    const results = await Promise.all(runs.map((r) => s.mlflow('POST', '/runs/log-inputs', { run_id: r.info.run_id, datasets: [input] })));
    expect(results.map((r) => r.status)).toEqual(new Array(6).fill(200));
    const body = ok(await s.call('POST', SEARCH_DATASETS, { experiment_ids: [exp] }));
    expect(body.dataset_summaries).toEqual([{ experiment_id: exp, name: 'race', digest: 'r1', context: 'training' }]);
  });

  it('search-datasets is served only under /ajax-api and takes 1 to 20 experiment ids', async () => {
    const s = server();
    expect((await s.call('POST', '/api/2.0/mlflow/experiments/search-datasets', { experiment_ids: ['0'] })).status).toBe(404);
    for (const experiment_ids of [[], Array.from({ length: 21 }, (_, i) => String(i))]) {
      const res = await s.call('POST', SEARCH_DATASETS, { experiment_ids });
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(res.body.message).toMatch(/experiment_ids/);
    }
  });
});
