import { describe, expect, it } from 'vitest';
import { seedRuns, useUi } from './browser.js';

describe('Charts and live updates in Chromium', () => {
  const ui = useUi();

  it('draws one series per run from bucketed series, re-buckets on zoom, keeps settings in the URL', async () => {
    const s = ui().server;
    const curve = (k: number) => Array.from({ length: 3000 }, (_, i) => Math.exp(-i / (300 * k)) + 0.01 * Math.sin(i));
    const { experimentId, ids } = await seedRuns(s, 'charts', [1, 2, 3].map((k) => ({ name: `run-${k}`, metrics: { loss: curve(k) } })));
    const page = await ui().page();
    const requests: string[] = [];
    page.on('request', (r) => r.url().includes('/series') && requests.push(r.url()));
    await page.goto(`/experiments/${experimentId}?view=charts&sel=${ids.join(',')}&logy=1`);
    const chart = page.locator('.chart[data-metric="loss"]');
    await expect.poll(() => chart.getAttribute('data-runs')).toBe('3');
    expect(await chart.locator('.uplot').getAttribute('data-series')).toBe('3');
    expect(requests.length).toBe(3);
    expect(requests.every((u) => /buckets=\d+/.test(u) && !u.includes('start_step'))).toBe(true); // bucketed, never whole histories
    await ui().shot(page, 'charts');

    // Drag across the middle of the plot: the zoom goes in the URL and each run is re-bucketed over it.
    const over = chart.locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => new URL(page.url()).searchParams.get('zoom')).toMatch(/^\d+,\d+$/);
    const [lo, hi] = new URL(page.url()).searchParams.get('zoom')!.split(',').map(Number);
    expect(lo).toBeGreaterThan(500);
    expect(hi).toBeLessThan(2000);
    await expect.poll(() => requests.filter((u) => u.includes(`start_step=${lo}`) && u.includes(`end_step=${hi}`)).length).toBe(3);
    expect(new URL(page.url()).searchParams.get('logy')).toBe('1');
  });

  it('updates a running run in the table over server-sent events', async () => {
    const s = ui().server;
    const { experimentId, ids } = await seedRuns(s, 'live', [{ name: 'live-run', metrics: { loss: [1] }, status: 'RUNNING' }]);
    const page = await ui().page();
    await page.goto(`/experiments/${experimentId}?cols=metrics.loss`);
    const row = page.locator('.vrow[data-run="live-run"]');
    await expect.poll(() => row.innerText()).toMatch(/RUNNING[\s\S]*\b1\b/);
    await s.mlflow('POST', '/runs/log-metric', { run_id: ids[0], key: 'loss', value: 0.25, timestamp: Date.now(), step: 1 });
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toContain('0.25');
    await s.mlflow('POST', '/runs/update', { run_id: ids[0], status: 'FINISHED', end_time: Date.now() });
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toContain('FINISHED');
  });
});
