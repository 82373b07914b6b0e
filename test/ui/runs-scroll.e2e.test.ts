/// <reference lib="dom" />
// (The DOM lib above: code passed to page.evaluate runs in the browser.)
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useUi } from './browser.js';

const N = 1_300; // a first page, a full page of 1,000, and a last partial page

describe('Runs table scrolling in Chromium', () => {
  const ui = useUi();

  it('asks for the first page once with only the shown columns, reuses its row elements while scrolling, and reaches the last run', async () => {
    const s = ui().server;
    const { experiment_id: exp } = (await s.mlflow('POST', '/experiments/create', { name: 'scroll' })).body;
    // In SQL: the test is the table, not ingestion (1,300 runs through the API take a while on a loaded machine).
    const t0 = 1_700_000_000_000;
    await s.server.db.transaction(async (tx) => {
      const runs: unknown[][] = [], params: unknown[][] = [], metrics: unknown[][] = [];
      for (let j = 0; j < N; j++) {
        const id = randomUUID().replace(/-/g, '');
        runs.push([id, `run-${j}`, Number(exp), 'ana', 'FINISHED', t0 + j * 1000, t0 + j * 1000 + 60_000, `mlflow-artifacts:/${exp}/${id}/artifacts`]);
        params.push([id, 'lr', `lr-${j}`]);
        metrics.push([id, 'loss', 1, t0, j / 10, 0, j / 10, j / 10, 2]);
      }
      await tx.runMany('INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', runs as any);
      await tx.runMany('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)', params as any);
      await tx.runMany(tx.dialect === 'sqlite'
        // SQLite's series_id is not a rowid (migration 019): max + 1, as the writer assigns it.
        ? 'INSERT INTO latest_metrics (series_id, run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count) VALUES ((SELECT ifnull(max(series_id), 0) + 1 FROM latest_metrics), ?, ?, ?, ?, ?, ?, ?, ?, ?)'
        : 'INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', metrics as any);
    });

    const page = await ui().page();
    const searches: Record<string, unknown>[] = [];
    page.on('request', (r) => void (r.url().endsWith('/api/v1/runs/search') && searches.push(r.postDataJSON())));
    await page.goto(`/experiments/${exp}?cols=metrics.loss,params.lr`);
    const newest = page.locator('.vrow[data-run="run-1299"]');
    await expect.poll(() => newest.innerText()).toMatch(/run-1299[\s\S]*129\.9\s+lr-1299/);
    // The first page: asked once (the boot-time request was the page's), small, projected.
    const firsts = searches.filter((b) => !b.page_token);
    expect(firsts).toHaveLength(1);
    expect(firsts[0]).toMatchObject({ max_results: 100, columns: ['tags.mlflow.parentRunId', 'metrics.loss', 'params.lr'] });

    /** The rendered rows: each one's run must be the one its table position holds (newest first). */
    const rendered = () => page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.vrow[data-run]')].map((el) => ({
      run: el.dataset.run!, index: Number(el.getAttribute('aria-rowindex')), text: el.innerText, marked: (el as any).__mark === true,
      top: el.getBoundingClientRect().top,
    })));
    const consistent = (rows: Awaited<ReturnType<typeof rendered>>) => {
      for (const r of rows) {
        const j = N - 1 - (r.index - 2); // aria-rowindex 2 is the newest run
        expect(r.run).toBe(`run-${j}`);
        expect(r.text).toMatch(new RegExp(`run-${j}\\s[\\s\\S]*\\s${j / 10}\\s+lr-${j}\\s*$`));
      }
      // Positions follow the table order, whatever the rows' order in the DOM.
      const byIndex = [...rows].sort((a, b) => a.index - b.index);
      for (let i = 1; i < byIndex.length; i++) expect(byIndex[i]!.top - byIndex[i - 1]!.top).toBeCloseTo(30 * (byIndex[i]!.index - byIndex[i - 1]!.index), 0);
    };
    const before = await rendered();
    expect(before.length).toBeLessThan(60); // a window of rows, not the page of runs
    consistent(before);

    // Scrolling by 20 rows: the same elements show other runs (no element created or removed).
    await page.evaluate(() => document.querySelectorAll('.vrow[data-run]').forEach((el) => ((el as any).__mark = true)));
    await page.evaluate(() => ((document.querySelector('.vtable') as HTMLElement).scrollTop += 600));
    await expect.poll(async () => (await rendered()).some((r) => r.run === 'run-1259')).toBe(true);
    const after = await rendered();
    expect(after.length).toBe(before.length);
    expect(after.every((r) => r.marked)).toBe(true);
    consistent(after);

    // To the end: the next pages load on the way, and the oldest run shows with its values.
    await expect.poll(async () => {
      await page.evaluate(() => { const el = document.querySelector('.vtable') as HTMLElement; el.scrollTop = el.scrollHeight; });
      return page.getByTestId('run-count').innerText();
    }, { timeout: 30_000 }).toBe(`${N} runs`);
    await page.evaluate(() => { const el = document.querySelector('.vtable') as HTMLElement; el.scrollTop = el.scrollHeight; });
    await expect.poll(() => page.locator('.vrow[data-run="run-0"]').count()).toBe(1);
    consistent(await rendered());
    expect(searches.filter((b) => b.page_token)).toHaveLength(2); // 100 + 1,000 + 200: each page asked once
    await ui().shot(page, 'runs-scrolled');
  });
});
