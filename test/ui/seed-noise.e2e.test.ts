import { describe, expect, it } from 'vitest';
import { seedRuns, useUi } from './browser.js';

describe('Seed-noise view in Chromium', () => {
  const ui = useUi();

  it("groups configs over seeds and states Welch's t-test against the first config", async () => {
    const runs = [
      ...[0.50, 0.52, 0.49].map((acc, i) => ({ name: `a-${i}`, params: { lr: '0.01', seed: String(i) }, metrics: { acc: [acc] } })),
      ...[0.70, 0.71, 0.69].map((acc, i) => ({ name: `b-${i}`, params: { lr: '0.1', seed: String(i) }, metrics: { acc: [acc] } })),
      ...[0.51, 0.48, 0.53].map((acc, i) => ({ name: `c-${i}`, params: { lr: '0.03', seed: String(i) }, metrics: { acc: [acc] } })),
    ];
    const { experimentId } = await seedRuns(ui().server, 'seeds', runs);
    const page = await ui().page();
    await page.goto(`/experiments/${experimentId}?cols=metrics.acc&group=params.lr`);
    await expect.poll(() => page.locator('tr[data-group="0.1"]').innerText()).toMatch(/0\.7 ± 0\.01 p=0\.000|p=\d\.\de-\d/);
    expect(await page.locator('tr[data-group="0.1"] .sig').count()).toBe(1); // beyond seed noise
    expect(await page.locator('tr[data-group="0.03"] .sig').count()).toBe(0); // within it
    expect(await page.locator('tr[data-group="0.03"]').innerText()).toMatch(/p=0\.[1-9]\d\d/);
    expect(await page.locator('.page').innerText()).toContain("Welch's two-sided t-test");
    await ui().shot(page, 'seed-noise');
  });
});
