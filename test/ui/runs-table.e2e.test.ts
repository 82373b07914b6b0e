import { describe, expect, it } from 'vitest';
import { seedRuns, useUi } from './browser.js';

describe('Runs table in Chromium', () => {
  const ui = useUi();

  it('shows runs with chosen columns, filters from the box, shows a typo inline, groups, nests and selects for compare', async () => {
    const s = ui().server;
    const { experimentId, ids } = await seedRuns(s, 'sweep', [
      { name: 'lr-small', params: { lr: '0.001', seed: '1' }, metrics: { loss: [0.9, 0.7, 0.5], acc: [0.5, 0.6, 0.7] } },
      { name: 'lr-mid', params: { lr: '0.01', seed: '1' }, metrics: { loss: [0.8, 0.4, 0.3], acc: [0.6, 0.8, 0.85] } },
      { name: 'lr-big', params: { lr: '0.1', seed: '1' }, metrics: { loss: [0.7, 0.9, 1.2], acc: [0.6, 0.5, 0.4] } },
      { name: 'lr-mid-2', params: { lr: '0.01', seed: '2' }, metrics: { loss: [0.85, 0.45, 0.35], acc: [0.6, 0.7, 0.8] } },
    ]);
    await seedRuns(s, 'other', []);
    const child = await s.mlflow('POST', '/runs/create', { experiment_id: experimentId, run_name: 'fold-0', tags: [{ key: 'mlflow.parentRunId', value: ids[1] }] });
    expect(child.status).toBe(200);

    const page = await ui().page();
    await page.goto(`/experiments/${experimentId}?cols=metrics.loss,metrics.loss:min,params.lr`);
    await expect.poll(() => page.locator('.vrow[data-run]').count()).toBe(4); // fold-0 folded under lr-mid
    const row = page.locator('.vrow[data-run="lr-big"]');
    await expect.poll(() => row.innerText()).toMatch(/1\.2\s+0\.7\s+0\.1/); // last, min, lr
    await page.getByLabel('expand lr-mid').click();
    await expect.poll(() => page.locator('.vrow[data-run="fold-0"]').count()).toBe(1);
    await ui().shot(page, 'runs-table');

    // A filter typed in the box: applied by the server, kept in the URL.
    await page.getByLabel('filter runs').fill('metrics.loss < 0.5');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('.vrow[data-run]').count()).toBe(2);
    expect(new URL(page.url()).searchParams.get('filter')).toBe('metrics.loss < 0.5');

    // Key autocomplete.
    await page.getByLabel('filter runs').fill('para');
    await expect.poll(() => page.getByRole('option').allInnerTexts()).toContain('params.lr');

    // A typo: the server's message under the box.
    await page.getByLabel('filter runs').fill('metrics.loss <<< 1');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('.search [role=alert]').innerText()).toMatch(/.+/);
    await ui().shot(page, 'runs-typo');

    // Group by a param: mean ± std per group.
    await page.goto(`/experiments/${experimentId}?cols=metrics.loss&group=params.lr`);
    await expect.poll(() => page.locator('tr[data-group="0.01"]').innerText()).toMatch(/0\.01\s+2\s+0\.325 ± 0\.035/);

    // Select two runs, compare.
    await page.goto(`/experiments/${experimentId}`);
    await page.getByLabel('select lr-small').check();
    await page.getByLabel('select lr-big').check();
    await page.getByRole('button', { name: /Compare 2/ }).click();
    await page.waitForURL('**/compare?runs=*');
    await expect.poll(() => page.locator('tr[data-param]').count()).toBe(2);
    await page.getByLabel('only differences').check();
    await expect.poll(() => page.locator('tr[data-param]').count()).toBe(1); // seed is the same
    await expect.poll(() => page.locator('.chart[data-runs="2"]').count()).toBe(2); // loss and acc overlaid
    await ui().shot(page, 'compare');
  });
});
