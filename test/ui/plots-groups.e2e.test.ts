import { describe, expect, it } from 'vitest';
import { seedRuns, useUi } from './browser.js';

/** 12 runs: 2 optimizers x 6 (lr, batch) configs; loss falls faster with a bigger lr, adam lower than sgd. */
function runs() {
  const out = [];
  for (const opt of ['adam', 'sgd']) {
    for (let i = 0; i < 6; i++) {
      const lr = 10 ** -(1 + (i % 3));
      const batch = 32 * (1 + Math.floor(i / 3));
      const base = opt === 'adam' ? 0.1 : 0.5;
      out.push({
        name: `${opt}-${i}`,
        params: { opt, lr: String(lr), batch: String(batch) },
        metrics: { loss: Array.from({ length: 400 + i * 50 }, (_, s) => base + Math.exp(-s * lr) + 0.01 * i) },
      });
    }
  }
  return out;
}

describe('Grouped charts, scatter and contour in Chromium', () => {
  const ui = useUi();

  it('groups charts by a param (mean and band, one series request), and plots scatter and contour from the URL', async () => {
    const s = ui().server;
    const { experimentId } = await seedRuns(s, 'plots', runs());
    const page = await ui().page();
    const bulk: any[] = [];
    page.on('request', (r) => r.url().endsWith('/api/v1/runs/series') && bulk.push(r.postDataJSON()));

    await page.goto(`/experiments/${experimentId}?view=charts&group=params.opt`);
    const chart = page.locator('.group-chart[data-metric="loss"]');
    await expect.poll(() => chart.getAttribute('data-groups'), { timeout: 20_000 }).toBe('2');
    expect(await chart.locator('.uplot').getAttribute('data-groups')).toBe('2');
    expect((await chart.locator('.legend [data-group]').allInnerTexts()).map((t) => t.trim())).toEqual(['adam (6 runs)', 'sgd (6 runs)']);
    expect(await page.getByTestId('chart-scope').innerText()).toContain('2 groups over 12 of 12 loaded runs');
    expect(bulk).toHaveLength(1);
    expect(bulk[0].run_ids).toHaveLength(12); // every run of every group, never a sample
    await ui().shot(page, 'charts-grouped');
    await page.getByLabel('band').selectOption('std');
    await expect.poll(() => new URL(page.url()).searchParams.get('band')).toBe('std');
    await expect.poll(() => bulk.length).toBe(2);

    // Scatter: lr against loss colored by batch, all from the URL; then the contour of loss over lr x batch.
    await page.goto(`/experiments/${experimentId}?view=plots&px=params.lr&py=metrics.loss&pz=params.batch`);
    await page.locator('[aria-label="scatter"] [data-ready="1"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('plot-scope').innerText()).toMatch(/^12 of 12 runs plotted/);
    await ui().shot(page, 'scatter');
    await page.getByRole('button', { name: 'Contour', exact: true }).click();
    expect(new URL(page.url()).searchParams.get('plot')).toBe('contour');
    await page.getByLabel('plot y').selectOption('params.batch');
    await page.getByLabel('plot z').selectOption('metrics.loss');
    await page.locator('[aria-label="contour"] [data-ready="1"]').waitFor({ timeout: 20_000 });
    const url = new URL(page.url()).searchParams;
    expect([url.get('px'), url.get('py'), url.get('pz')]).toEqual(['params.lr', 'params.batch', 'metrics.loss']);
    // The canvas is drawn: colored pixels, not a blank box.
    const colored = await page.locator('[aria-label="contour"] canvas').first().evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && !(d[i]! > 240 && d[i + 1]! > 240 && d[i + 2]! > 240)) n++;
      return n / (d.length / 4);
    });
    expect(colored).toBeGreaterThan(0.3);
    await ui().shot(page, 'contour');
    // A link copied now opens the same plot.
    const again = await ui().page('bo');
    await again.goto(page.url());
    await again.locator('[aria-label="contour"] [data-ready="1"]').waitFor({ timeout: 20_000 });
    expect(await again.getByTestId('plot-scope').innerText()).toMatch(/^12 of 12/);
  }, 120_000);
});
