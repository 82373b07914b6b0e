import { describe, expect, it } from 'vitest';
import { seedRuns, useUi } from './browser.js';

describe('Charts and live updates in Chromium', () => {
  const ui = useUi();

  it('draws one series per run from bucketed series, re-buckets on zoom, keeps settings in the URL', async () => {
    const s = ui().server;
    const curve = (k: number) => Array.from({ length: 3000 }, (_, i) => Math.exp(-i / (300 * k)) + 0.01 * Math.sin(i));
    const { experimentId, ids } = await seedRuns(s, 'charts', [1, 2, 3].map((k) => ({ name: `run-${k}`, metrics: { loss: curve(k) } })));
    const page = await ui().page();
    // Every run's series of a chart travels in one bulk request (body: run_ids, keys, buckets, range).
    const requests: any[] = [];
    page.on('request', (r) => r.url().endsWith('/api/v1/runs/series') && requests.push(r.postDataJSON()));
    await page.goto(`/experiments/${experimentId}?view=charts&sel=${ids.join(',')}&logy=1`);
    const chart = page.locator('.chart[data-metric="loss"]');
    await expect.poll(() => chart.getAttribute('data-runs')).toBe('3');
    expect(await chart.locator('.uplot').getAttribute('data-series')).toBe('3');
    expect(requests.length).toBe(1);
    expect([...requests[0].run_ids].sort()).toEqual([...ids].sort());
    expect(requests[0].keys).toEqual(['loss']);
    expect(requests[0].buckets).toBeGreaterThan(100); // bucketed (about one per pixel), never whole histories
    expect(requests[0].start_step).toBeUndefined();
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
    await expect.poll(() => requests.filter((b) => b.start_step === lo && b.end_step === hi && b.run_ids.length === 3).length).toBe(1);
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
