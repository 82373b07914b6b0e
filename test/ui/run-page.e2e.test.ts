import { describe, expect, it } from 'vitest';
import { putArtifact } from '../helpers/registry-factories.js';
import { seedRuns, useUi } from './browser.js';

describe('Run page in Chromium', () => {
  const ui = useUi();

  it('shows params, metrics min/max/last, datasets, commit; edits the note and tags; previews artifacts', async () => {
    const s = ui().server;
    const { ids } = await seedRuns(s, 'run-page', [{
      name: 'baseline', params: { lr: '0.01', depth: '6' }, metrics: { loss: [0.9, 0.4, 0.6] },
      tags: { 'mlflow.source.git.commit': 'abc123def456', 'trainyard.env.node': 'v20.20.2' },
    }]);
    const id = ids[0]!;
    await s.mlflow('POST', '/runs/log-inputs', { run_id: id, datasets: [{ dataset: { name: 'adult', digest: 'd1g3st00', source_type: 'local', source: '/data/adult.csv', profile: '{"rows": 3, "columns": {"age": {"type": "int", "min": 17}}}' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });
    const run = (await s.mlflow('GET', '/runs/get', { run_id: id })).body.run;
    await putArtifact(s, run.info.artifact_uri, 'eval/scores.csv', 'fold,auc\n0,0.91\n1,0.89\n');
    await putArtifact(s, run.info.artifact_uri, 'eval/report.json', '{"auc":0.9}');

    const page = await ui().page();
    await page.goto(`/runs/${id}`);
    await expect.poll(() => page.locator('tr[data-metric="loss"]').innerText()).toMatch(/loss\s+0\.6\s+0\.4\s+0\.9\s+2\s+3/);
    expect(await page.locator('.overview').innerText()).toContain('abc123def456');
    expect(await page.locator('.dataset').innerText()).toMatch(/adult[\s\S]*d1g3st00[\s\S]*age/);
    expect(await page.locator('.overview').innerText()).toContain(`npx trainyard runs reproduce ${id}`);

    await page.getByRole('button', { name: 'edit' }).click();
    await page.getByLabel('note').fill('# Baseline\nThe **first** try.');
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.locator('.note h1', { hasText: 'Baseline' }).waitFor();
    const tags = (await s.mlflow('GET', '/runs/get', { run_id: id })).body.run.data.tags;
    expect(tags.find((t: any) => t.key === 'mlflow.note.content').value).toBe('# Baseline\nThe **first** try.');

    await page.getByLabel('tag key').fill('team');
    await page.getByLabel('tag value').fill('vision');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await page.locator('th', { hasText: 'team' }).waitFor();
    await ui().shot(page, 'run-page');

    await page.goto(`/runs/${id}?tab=artifacts&path=eval/scores.csv`);
    await expect.poll(() => page.locator('table.csv tbody tr').count()).toBe(2);
    await ui().shot(page, 'run-artifacts');

    await page.goto(`/runs/${id}?tab=charts`);
    await expect.poll(() => page.locator('.chart[data-metric="loss"][data-runs="1"] canvas').count()).toBe(1);
  });

  it('"start from this run" makes a new run with its params and commit', async () => {
    const s = ui().server;
    const { ids } = await seedRuns(s, 'start-from', [{ name: 'seed-run', params: { lr: '0.3' }, tags: { 'mlflow.source.git.commit': 'feedbeef' } }]);
    const page = await ui().page();
    await page.goto(`/runs/${ids[0]}`);
    await page.getByRole('button', { name: 'Start from this run' }).click();
    await page.waitForURL((u) => !u.pathname.endsWith(ids[0]!) && u.pathname.startsWith('/runs/'));
    const newId = new URL(page.url()).pathname.split('/').pop()!;
    const r = (await s.mlflow('GET', '/runs/get', { run_id: newId })).body.run;
    expect(r.data.params).toEqual([{ key: 'lr', value: '0.3' }]);
    expect(r.data.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.source.git.commit', value: 'feedbeef' }, { key: 'trainyard.startedFrom', value: ids[0] }]));
  });
});
