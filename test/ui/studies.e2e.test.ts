import { describe, expect, it } from 'vitest';
import { useUi } from './browser.js';

describe('Studies pages in Chromium', () => {
  const ui = useUi();

  it('shows a study\'s history, parallel coordinates, importance and trials', async () => {
    const s = ui().server;
    await s.call('POST', '/api/v1/studies', { name: 'quad', direction: 'minimize', sampler: 'random', seed: 1 });
    for (let i = 0; i < 12; i++) {
      const { body } = await s.call('POST', '/api/v1/studies/quad/ask', {});
      const n = body.trial.number;
      const x = (await s.call('POST', `/api/v1/studies/quad/trials/${n}/suggest`, { name: 'x', distribution: { type: 'float', low: -5, high: 5 } })).body.value;
      const y = (await s.call('POST', `/api/v1/studies/quad/trials/${n}/suggest`, { name: 'y', distribution: { type: 'float', low: -5, high: 5 } })).body.value;
      await s.call('POST', `/api/v1/studies/quad/trials/${n}/report`, { value: x * x + 1, step: 0 });
      expect((await s.call('POST', `/api/v1/studies/quad/trials/${n}/tell`, { values: [x * x + 0.1 * y] })).status).toBe(200);
    }
    const page = await ui().page();
    await page.goto('/studies');
    await page.locator('tr[data-study="quad"] a').click();
    await page.locator('[aria-label="optimization history"] [data-ready="1"]').waitFor();
    await ui().shot(page, 'study-history');
    for (const tab of ['parallel', 'importance', 'contour', 'intermediate']) {
      await page.getByRole('button', { name: tab, exact: true }).click();
      await page.locator('.echart [data-ready="1"]').waitFor();
    }
    await page.getByRole('button', { name: 'trials', exact: true }).click();
    await expect.poll(() => page.locator('[aria-label=trials] tbody tr').count()).toBe(12);
  });
});
