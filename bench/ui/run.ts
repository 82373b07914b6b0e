/// <reference lib="dom" />
// (The DOM lib above: code passed to page.evaluate / addInitScript runs in the browser.)
/**
 * Browser benchmark of the web UI in Debian's headless Chromium (playwright-core), against a
 * real server on a loopback port over SQLite:
 * - runs table: first render and frame times while scrolling, 100,000 runs vs 1,000;
 * - charts: 100 runs x POINTS points (default 100,000) vs 100 runs x 1,000: time to first chart,
 *   the chart's own build-and-draw time after its data arrived, and re-render after a zoom;
 * - the tab's JS heap (CDP Performance.getMetrics) on each page.
 * Run: npx tsx bench/ui/run.ts  (needs `npm run build` first for dist/web). Writes bench/results/ui.md
 * and ui.json. BASE_UI=<dir from bench/ui/base-ui.sh> measures an earlier commit's UI beside this
 * one in the same run; REPS (default 3) repetitions, medians reported. ONLY=table measures the
 * runs table alone (the chart rows keep the previous ui.json's figures, marked with their date).
 * In-page figures beside the frame times, less sensitive to a loaded machine: long tasks
 * (PerformanceObserver 'longtask') and script/layout time per frame (CDP Performance metrics).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/start-server.js';
import { spawnServer, type ServerProcess } from '../../test/helpers/server-process.js';
import { launchChromium } from '../../test/ui/chromium.js';

const POINTS = Number(process.env.POINTS ?? 100_000);
const REPS = Number(process.env.REPS ?? 3);
const home = mkdtempSync(join(tmpdir(), 'ty-bench-ui-'));
// Seeded in this process (SQL is faster than the API for 100k runs), then measured against a
// separate `trainyard server` process, as users run it: a server in the measuring process would
// hold the driver's clock while it answers (the key list is ~400 ms of SQL at 100k runs).
const seeder = await startServer({ host: '127.0.0.1', port: 0, home, db: `sqlite:${join(home, 'db.sqlite')}` });
const db = seeder.db;
const server = { url: seeder.url };
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
      await tx.runMany(tx.dialect === 'sqlite'
        // SQLite's series_id is not a rowid (migration 019): max + 1, as the writer assigns it.
        ? 'INSERT INTO latest_metrics (series_id, run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count) VALUES ((SELECT ifnull(max(series_id), 0) + 1 FROM latest_metrics), ?, ?, ?, ?, ?, ?, ?, ?, ?)'
        : 'INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', metrics as any);
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
  await page.addInitScript(() => {
    const lt: number[] = ((window as any).__longTasks = []);
    new PerformanceObserver((l) => { for (const e of l.getEntries()) lt.push(e.duration); }).observe({ type: 'longtask', buffered: true });
    const mo = new MutationObserver(() => {
      if (!document.querySelector('.vrow[data-run]')) return;
      mo.disconnect();
      requestAnimationFrame(() => ((window as any).__firstRow = performance.now()));
    });
    mo.observe(document, { childList: true, subtree: true });
  });
  const start = Date.now();
  await page.goto(`${server.url}/experiments/${experimentId}?cols=metrics.loss,params.lr`);
  await page.locator('.vrow[data-run]').first().waitFor();
  const firstRender = Date.now() - start;
  // The same moment on the browser's clock (navigation start to the frame that shows the first
  // row): the driver's figure above also waits for this process's event loop, which the
  // in-process server blocks while it answers the key list (~400 ms of SQL at 100k runs).
  const parts = await page.evaluate(() => {
    const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const search = res.find((r) => r.name.includes('/api/v1/runs/search'));
    return { inPage: Math.round((window as any).__firstRow), searchEnd: search && Math.round(search.responseEnd) };
  });
  console.log(`  first render ${firstRender} ms:`, JSON.stringify(parts));
  const firstRenderInPage = parts.inPage;
  // PROFILE=cpu: the scroll's top self-time functions in the browser, printed.
  const cdp = process.env.PROFILE === 'cpu' ? await page.context().newCDPSession(page) : null;
  if (cdp) (await cdp.send('Profiler.enable'), await cdp.send('Profiler.start'));
  const perf = await page.context().newCDPSession(page);
  await perf.send('Performance.enable');
  const perfNow = async () => Object.fromEntries((await perf.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await perfNow();
  await page.evaluate(() => ((window as any).__longTasks.length = 0));
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
  const m1 = await perfNow();
  const longTasks = await page.evaluate(() => (window as any).__longTasks as number[]);
  const perFrame = (k: string) => Math.round(((m1[k]! - m0[k]!) * 1000 / frames.length) * 10) / 10;
  const inPage = {
    longTasks: longTasks.length, longTaskMs: Math.round(longTasks.reduce((a, b) => a + b, 0)), longTaskMax: Math.round(Math.max(0, ...longTasks)),
    scriptPerFrame: perFrame('ScriptDuration'), layoutPerFrame: perFrame('LayoutDuration'), stylePerFrame: perFrame('RecalcStyleDuration'), domNodes: m1.Nodes!,
  };
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map<string, number>();
    const dt = profile.timeDeltas ?? [];
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    (profile.samples ?? []).forEach((id, i) => {
      const n = byId.get(id)!;
      const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(k, (self.get(k) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    console.log([...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v.toFixed(1).padStart(8)} ms  ${k}`).join('\n'));
  }
  return { firstRender, firstRenderInPage, p95: pct(frames, 0.95), max: Math.max(...frames), ...inPage, heap: await heapMb(page) };
}

async function measureCharts(page: Page, exp: { id: string; runIds: string[] }) {
  const start = Date.now();
  await page.goto(`${server.url}/experiments/${exp.id}?view=charts&smooth=0&sel=${exp.runIds.join(',')}`);
  const chart = page.locator('.chart[data-metric="loss"]');
  await page.locator('.chart[data-metric="loss"][data-renders="1"]').waitFor({ timeout: 120_000 });
  const firstChart = Date.now() - start;
  const timeline = await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.name.includes('/api/')).map((r) => `${r.name.replace(/^.*\/api\//, '').slice(0, 40)} ${Math.round(r.startTime)}-${Math.round(r.responseEnd)}`));
  console.log(`  first chart ${firstChart} ms:`, timeline.slice(0, 8).join(', '), timeline.length > 8 ? `… ${timeline.length} requests` : '');
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

let served: ServerProcess | undefined;
let base: ServerProcess | undefined;
const browser = await launchChromium();
try {
  const newPage = async () => (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  console.log('seeding tables…');
  const small = await tableExperiment('table-1k', 1_000);
  const big = await tableExperiment('table-100k', 100_000);
  await seeder.close();
  served = await spawnServer(['--home', home, '--db', `sqlite:${join(home, 'db.sqlite')}`]);
  server.url = served.url;
  // PROFILE=table: only the runs table, printed, nothing written (for iterating on it).
  if (process.env.PROFILE === 'cpu') {
    console.log('100k', await measureTable(await newPage(), big));
    served.child.kill('SIGTERM');
    process.exit(0);
  }
  if (process.env.PROFILE === 'table') {
    for (let i = 0; i < 3; i++) console.log('1k', await measureTable(await newPage(), small), '100k', await measureTable(await newPage(), big));
    served.child.kill('SIGTERM');
    process.exit(0);
  }
  const tableOnly = process.env.ONLY === 'table';
  console.log(tableOnly ? 'table only' : `seeding charts (100 x ${POINTS})…`);
  const cSmall = tableOnly ? undefined : await chartExperiment('chart-1k', 100, 1_000);
  const cBig = tableOnly ? undefined : await chartExperiment('chart-big', 100, POINTS);
  // BASE_UI: an earlier commit's UI (bench/ui/base-ui.sh) served by a second server process on
  // the same database, measured interleaved with this one, so both see the same machine load.
  const uis: { name: string; url: string }[] = [{ name: 'this', url: served.url }];
  if (process.env.BASE_UI) {
    // Its own home (one server per home), the same database.
    mkdirSync(join(home, 'base'));
    base = await spawnServer(['--home', join(home, 'base'), '--db', `sqlite:${join(home, 'db.sqlite')}`], {}, join(process.env.BASE_UI, 'bin/trainyard.js'));
    uis.unshift({ name: 'base', url: base.url });
  }
  type T = Awaited<ReturnType<typeof measureTable>>;
  type C = Awaited<ReturnType<typeof measureCharts>>;
  const runsOf = new Map(uis.map((u) => [u.name, { t1: [] as T[], t2: [] as T[], c1: [] as C[], c2: [] as C[] }]));
  const load: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    for (const ui of uis) {
      load.push(loadavg()[0]!);
      server.url = ui.url;
      const r = runsOf.get(ui.name)!;
      console.log(`rep ${rep + 1}/${REPS}, ${ui.name} UI`);
      r.t1.push(await measureTable(await newPage(), small));
      r.t2.push(await measureTable(await newPage(), big));
      if (cSmall && cBig) r.c1.push(await measureCharts(await newPage(), cSmall));
      if (cSmall && cBig) r.c2.push(await measureCharts(await newPage(), cBig));
    }
  }
  /** The median over repetitions of one figure. */
  const med = <X,>(xs: X[], f: (x: X) => number) => {
    const v = xs.map(f).sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const ms = (v: number) => `${Math.round(v).toLocaleString('en')} ms`;
  const row = (label: string, measure: string, pick: (r: typeof runsOf extends Map<string, infer V> ? V : never) => string, target: string) =>
    `| ${label} | ${measure} | ${uis.map((u) => pick(runsOf.get(u.name)!)).join(' | ')} | ${target} |`;
  const both = (a: string, b: string) => `${a} → ${b}`;
  const date = new Date().toISOString().slice(0, 10);
  const num = (v: number) => (Math.round(v * 10) / 10).toLocaleString('en');
  const loadNote = `load average (1 min) during the runs: ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} on ${cpus().length} cores`;
  // ONLY=table: the previous file's chart rows, under their own header, as they were measured.
  const resultsMd = new URL('../results/ui.md', import.meta.url);
  const previous = tableOnly ? readFileSync(resultsMd, 'utf8') : '';
  const chartLines = (md: string) => {
    const lines = md.split('\n');
    return [lines.find((l) => l.startsWith('| page '))!, lines.find((l) => l.startsWith('| --- '))!, ...lines.filter((l) => l.startsWith('| charts '))].join('\n');
  };
  const kept = previous.indexOf('\n## Charts (not rerun');
  const previousCharts = !tableOnly ? '' : kept >= 0 ? previous.slice(kept).trimEnd() + '\n'
    : `\n## Charts (not rerun here: the ${previous.match(/UI benchmark \(([\d-]+)\)/)?.[1] ?? 'previous'} run)\n\n${chartLines(previous)}\n`;
  const head = uis.map((u) => (u.name === 'base' ? `earlier UI (${process.env.BASE_COMMIT ?? 'BASE_UI'}): 1,000 → large` : 'this UI: 1,000 → large')).join(' | ');
  const md = `# UI benchmark (${date})

Headless Debian Chromium (playwright-core) against a \`trainyard server\` process on SQLite, on this
project's shared 2-core machine (other jobs running: figures are medians of ${REPS} interleaved
repetitions; ${loadNote}). \`npx tsx bench/ui/run.ts\` (${tableOnly ? 'ONLY=table' : `POINTS=${POINTS}`}, REPS=${REPS}${process.env.BASE_UI ? ', BASE_UI from bench/ui/base-ui.sh' : ''}).
"1,000 → large": the page at 1,000 runs${tableOnly ? '' : ' (charts: 100 runs x 1,000 points)'}, then at 100,000 runs${tableOnly ? '' : `
(charts: 100 runs x ${POINTS.toLocaleString('en')} points)`}. In-page figures are over the 200 scroll frames (the
1,000-run table reaches its end after 50 of them, so its per-frame averages include idle frames).

| page | measure | ${head} | target |
| --- | --- | ${uis.map(() => '---').join(' | ')} | --- |
${row('runs table', 'first render: navigation to first row (driver)', (r) => both(ms(med(r.t1, (x) => x.firstRender)), ms(med(r.t2, (x) => x.firstRender))), '≤ 1,000 ms')}
${row('runs table', 'first render: navigation start to first row painted (in page)', (r) => both(ms(med(r.t1, (x) => x.firstRenderInPage)), ms(med(r.t2, (x) => x.firstRenderInPage))), '≤ 1,000 ms')}
${row('runs table', 'frame time while scrolling, p95', (r) => both(ms(med(r.t1, (x) => x.p95)), ms(med(r.t2, (x) => x.p95))), '≤ 50 ms')}
${row('runs table', 'frame time while scrolling, max', (r) => both(ms(med(r.t1, (x) => x.max)), ms(med(r.t2, (x) => x.max))), 'no frame > 50 ms')}
${row('runs table', 'scrolling, in page: long tasks (> 50 ms) in 200 frames', (r) => both(String(med(r.t1, (x) => x.longTasks)), String(med(r.t2, (x) => x.longTasks))), '0')}
${row('runs table', 'scrolling, in page: longest task', (r) => both(ms(med(r.t1, (x) => x.longTaskMax)), ms(med(r.t2, (x) => x.longTaskMax))), '≤ 50 ms')}
${row('runs table', 'scrolling, in page: script time per frame', (r) => both(`${num(med(r.t1, (x) => x.scriptPerFrame))} ms`, `${num(med(r.t2, (x) => x.scriptPerFrame))} ms`), '')}
${row('runs table', 'scrolling, in page: layout + style time per frame', (r) => both(`${num(med(r.t1, (x) => x.layoutPerFrame + x.stylePerFrame))} ms`, `${num(med(r.t2, (x) => x.layoutPerFrame + x.stylePerFrame))} ms`), '')}
${row('runs table', 'DOM nodes after scrolling', (r) => both(String(med(r.t1, (x) => x.domNodes)), String(med(r.t2, (x) => x.domNodes))), '')}
${row('runs table', 'tab JS heap after scrolling', (r) => both(`${med(r.t1, (x) => x.heap)} MB`, `${med(r.t2, (x) => x.heap)} MB`), '< 300 MB')}
${tableOnly ? previousCharts : `${row('charts', 'navigation to first chart drawn', (r) => both(ms(med(r.c1, (x) => x.firstChart)), ms(med(r.c2, (x) => x.firstChart))), '')}
${row('charts', 'chart build + draw after its data arrived', (r) => both(ms(med(r.c1, (x) => x.renderMs)), ms(med(r.c2, (x) => x.renderMs))), '≤ 200 ms')}
${row('charts', 'zoom: drag to re-bucketed chart drawn', (r) => both(ms(med(r.c1, (x) => x.zoom)), ms(med(r.c2, (x) => x.zoom))), '')}
${row('charts', 'tab JS heap', (r) => both(`${med(r.c1, (x) => x.heap)} MB`, `${med(r.c2, (x) => x.heap)} MB`), '< 300 MB')}`}
`;
  const jsonPath = new URL('../results/ui.json', import.meta.url);
  const prevJson = tableOnly ? JSON.parse(readFileSync(jsonPath, 'utf8')) : undefined;
  const charts = tableOnly ? { chartsFrom: prevJson.chartsFrom ?? (({ date: d, points, base: b, runs }) => ({ date: d, points, base: b, runs: Object.fromEntries(Object.entries(runs as Record<string, { c1: unknown; c2: unknown }>).map(([k, v]) => [k, { c1: v.c1, c2: v.c2 }])) }))(prevJson) } : {};
  writeFileSync(jsonPath, JSON.stringify({ date, points: tableOnly ? null : POINTS, reps: REPS, base: process.env.BASE_COMMIT ?? null, load, runs: Object.fromEntries(runsOf), ...charts }, null, 2));
  writeFileSync(resultsMd, md);
  console.log(md);
} finally {
  await browser.close();
  for (const p of [served, base]) p?.child.kill('SIGTERM');
  await Promise.all([served?.exited, base?.exited]);
  rmSync(home, { recursive: true, force: true });
}
