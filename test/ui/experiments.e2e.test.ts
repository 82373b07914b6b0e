import { describe, expect, it } from 'vitest';
import { useUi } from './browser.js';

describe('Experiments page in Chromium', () => {
  const ui = useUi();

  it('lists, creates, renames, deletes and restores experiments', async () => {
    await ui().server.mlflow('POST', '/experiments/create', { name: 'adult-income' });
    const page = await ui().page();
    await page.goto('/');
    await page.waitForURL('**/experiments');
    await expect.poll(() => page.locator('tr[data-experiment="adult-income"]').count()).toBe(1);

    await page.getByLabel('new experiment name').fill('mnist');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('tr[data-experiment="mnist"]').waitFor();

    await page.locator('tr[data-experiment="mnist"]').getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('rename').fill('mnist-v2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('tr[data-experiment="mnist-v2"]').waitFor();
    await ui().shot(page, 'experiments');

    await page.getByLabel('search experiments').fill('adult');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(page.url()).toContain('q=adult'); // the search is in the URL

    await page.getByLabel('search experiments').fill('');
    await page.locator('tr[data-experiment="mnist-v2"]').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.locator('tr[data-experiment="mnist-v2"]').count()).toBe(0);
    await page.getByLabel('deleted').check();
    await page.locator('tr[data-experiment="mnist-v2"]').getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => page.locator('tr[data-experiment="mnist-v2"]').count()).toBe(0);
    const got = await ui().server.mlflow('GET', '/experiments/get-by-name', { experiment_name: 'mnist-v2' });
    expect(got.body.experiment.lifecycle_stage).toBe('active');
  });

  it('serves client routes with index.html and keeps API 404s as JSON', async () => {
    const base = ui().server.url;
    const route = await fetch(`${base}/runs/abc`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<div id="root">');
    const api = await fetch(`${base}/api/2.0/mlflow/nope`);
    expect(api.status).toBe(404);
    expect((await api.json()).error_code).toBe('ENDPOINT_NOT_FOUND');
    const index = await (await fetch(`${base}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1]!;
    const js = await fetch(base + asset);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('content-type')).toContain('javascript');
  });
});
