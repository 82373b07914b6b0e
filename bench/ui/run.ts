/// <reference lib="dom" />
// (The DOM lib above: code passed to page.evaluate / addInitScript runs in the browser.)
/**
 * Browser benchmark of the web UI in Debian's headless Chromium (playwright-core), against a
 * real server on a loopback port over SQLite:
 * - runs table: first render and frame times while scrolling, 100,000 runs vs 1,000;
 * - charts: 100 runs x POINTS points (default 100,000) vs 100 runs x 1,000: time to first chart,
 *   the chart's own build-and-draw time after its data arrived, and re-render after a zoom;
 * - the tab's JS heap (CDP Performance.getMetrics) on each page.
 * Run: npx tsx bench/ui/run.ts  (needs `npm run build` first for dist/web). Writes bench/results/ui.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/start-server.js';
import { launchChromium } from '../../test/ui/chromium.js';

const POINTS = Number(process.env.POINTS ?? 100_000);
const home = mkdtempSync(join(tmpdir(), 'ty-bench-ui-'));
const server = await startServer({ host: '127.0.0.1', port: 0, home, db: `sqlite:${join(home, 'db.sqlite')}` });
const db = server.db;
const post = (path: string, body: unknown) => fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);

/** Runs with one param and one metric summary, inserted in SQL: the benchmark is the UI, not ingestion. */
async function tableExperiment(name: string, n: number): Promise<string> {
  const { experiment_id } = await post('/api/2.0/mlflow/experiments/create', { name });
  const t0 = Date.now() - n * 1000;
  await db.transaction(async (tx) => {
    for (let i = 0; i < n; i += 1000) {
      const runs: unknown[][] = [], params: unknown[][] = [], metrics: unknown[][] = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        const id = randomUUID().replace(/-/g, '');
        const v = Math.random();
        runs.push([id, `run-${j}`, Number(experiment_id), 'bench', 'FINISHED', t0 + j * 1000, t0 + j * 1000 + 60_000, `mlflow-artifacts:/${experiment_id}/${id}/artifacts`]);
        params.push([id, 'lr', String(10 ** -(1 + (j % 4)))]);
        metrics.push([id, 'loss', 100, t0, v, 0, v, v + 1, 101]);
      }
      await tx.runMany('INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', runs as any);
      await tx.runMany('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)', params as any);
      await tx.runMany('INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', metrics as any);
    }
  });
  return experiment_id;
}

/** 100 runs whose `loss` has `points` steps, logged through the API (so series and block summaries are real). */
async function chartExperiment(name: string, runs: number, points: number): Promise<{ id: string; runIds: string[] }> {
  const { experiment_id } = await post('/api/2.0/mlflow/experiments/create', { name });
  const runIds: string[] = [];
  const t0 = Date.now() - points * 100;
  for (let r = 0; r < runs; r++) runIds.push((await post('/api/2.0/mlflow/runs/create', { experiment_id, run_name: `r${r}`, start_time: t0 })).run.info.run_id);
  const jobs: (() => Promise<unknown>)[] = [];
  for (const id of runIds) {
    const k = 1 + Math.random() * 3;
    for (let s = 0; s < points; s += 1000) {
      jobs.push(() => post('/api/2.0/mlflow/runs/log-batch', { run_id: id, metrics: Array.from({ length: Math.min(1000, points - s) }, (_, i) => ({ key: 'loss', value: Math.exp(-(s + i) / (points / k)) + 0.02 * Math.random(), step: s + i, timestamp: t0 + (s + i) * 100 })) }));
    }
  }
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => { while (next < jobs.length) await jobs[next++]!(); }));
  return { id: experiment_id, runIds };
}

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Math.round(metrics.find((m) => m.name === 'JSHeapUsedSize')!.value / 1e5) / 10;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function measureTable(page: Page, experimentId: string) {
  const start = Date.now();
  await page.goto(`${server.url}/experiments/${experimentId}?cols=metrics.loss,params.lr`);
  await page.locator('.vrow[data-run]').first().waitFor();
  const firstRender = Date.now() - start;
  // Scroll 200 frames of 600 px (20 rows a frame, past the first page so keyset pages load on the way).
  const frames = await page.evaluate(async () => {
    const el = document.querySelector('.vtable') as HTMLElement;
    const out: number[] = [];
    let last = performance.now();
    for (let i = 0; i < 200; i++) {
      el.scrollTop += 600;
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      const now = performance.now();
      out.push(now - last);
      last = now;
    }
    return out;
  });
  return { firstRender, p95: pct(frames, 0.95), max: Math.max(...frames), heap: await heapMb(page) };
}

async function measureCharts(page: Page, exp: { id: string; runIds: string[] }) {
  const start = Date.now();
  await page.goto(`${server.url}/experiments/${exp.id}?view=charts&smooth=0&sel=${exp.runIds.join(',')}`);
  const chart = page.locator('.chart[data-metric="loss"]');
  await page.locator('.chart[data-metric="loss"][data-renders="1"]').waitFor({ timeout: 120_000 });
  const firstChart = Date.now() - start;
  const renderMs = Number(await chart.getAttribute('data-render-ms'));
  const box = (await chart.locator('.u-over').boundingBox())!;
  const z0 = Date.now();
  await page.mouse.move(box.x + box.width * 0.4, box.y + 50);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + 50, { steps: 4 });
  await page.mouse.up();
  await page.locator('.chart[data-metric="loss"][data-renders="2"]').waitFor({ timeout: 120_000 });
  const zoom = Date.now() - z0;
  const zoomRenderMs = Number(await chart.getAttribute('data-render-ms'));
  return { firstChart, renderMs, zoom, zoomRenderMs, heap: await heapMb(page) };
}

const browser = await launchChromium();
try {
  const newPage = async () => (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  console.log('seeding tables…');
  const small = await tableExperiment('table-1k', 1_000);
  const big = await tableExperiment('table-100k', 100_000);
  console.log(`seeding charts (100 x ${POINTS})…`);
  const cSmall = await chartExperiment('chart-1k', 100, 1_000);
  const cBig = await chartExperiment('chart-big', 100, POINTS);
  const t1 = await measureTable(await newPage(), small);
  const t2 = await measureTable(await newPage(), big);
  const c1 = await measureCharts(await newPage(), cSmall);
  const c2 = await measureCharts(await newPage(), cBig);
  const date = new Date().toISOString().slice(0, 10);
  const md = `# UI benchmark (${date})

Headless Debian Chromium (playwright-core), server in the same process on SQLite, this project's shared 2-core machine.
\`npx tsx bench/ui/run.ts\` (POINTS=${POINTS}).

| page | measure | 1,000 (baseline) | large | target |
| --- | --- | --- | --- | --- |
| runs table (1,000 vs 100,000 runs) | first render (navigation to first row) | ${t1.firstRender} ms | ${t2.firstRender} ms | ≤ 1,000 ms |
| runs table | frame time while scrolling, p95 / max | ${t1.p95.toFixed(1)} / ${t1.max.toFixed(1)} ms | ${t2.p95.toFixed(1)} / ${t2.max.toFixed(1)} ms | no frame > 50 ms |
| runs table | tab JS heap after scrolling | ${t1.heap} MB | ${t2.heap} MB | < 300 MB |
| charts (100 runs x 1,000 vs x ${POINTS.toLocaleString('en')} points) | navigation to first chart drawn | ${c1.firstChart} ms | ${c2.firstChart} ms | |
| charts | chart build + draw after its data arrived | ${c1.renderMs} ms | ${c2.renderMs} ms | ≤ 200 ms |
| charts | zoom: drag to re-bucketed chart drawn (draw alone) | ${c1.zoom} ms (${c1.zoomRenderMs} ms) | ${c2.zoom} ms (${c2.zoomRenderMs} ms) | |
| charts | tab JS heap | ${c1.heap} MB | ${c2.heap} MB | < 300 MB |
`;
  writeFileSync(new URL('../results/ui.md', import.meta.url), md);
  console.log(md);
} finally {
  await browser.close();
  await server.close();
  rmSync(home, { recursive: true, force: true });
}
