/// <reference lib="dom" />
// (The DOM lib above: code passed to page.evaluate / addInitScript runs in the browser.)
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium } from './chromium.js';

/** Screenshots land here (git-ignored); CI keeps them as test artifacts. */
export const SHOTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

export interface UiFixture {
  server: TestServer;
  browser: Browser;
  /** A fresh page acting as `user` (the X-Trainyard-User the UI sends until sign-in lands). */
  page(user?: string): Promise<Page>;
  shot(page: Page, name: string): Promise<void>;
}

/** A real server on a loopback port (SQLite) serving the built UI, and a headless Chromium. */
export function useUi(): () => UiFixture {
  let f: UiFixture | undefined;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const server = await startTestServer('sqlite');
    const browser = await launchChromium();
    f = {
      server,
      browser,
      async page(user = 'ana') {
        const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, baseURL: server.url });
        await ctx.addInitScript((u) => localStorage.setItem('trainyard.user', u), user);
        const page = await ctx.newPage();
        page.on('pageerror', (e) => console.error('[browser]', e.message));
        return page;
      },
      shot: async (page, name) => void (await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: false })),
    };
  }, 120_000);
  afterAll(async () => {
    await f?.browser.close();
    await f?.server.stop();
  });
  return () => f!;
}

/** Creates an experiment with runs through the MLflow API; returns ids. */
export async function seedRuns(s: TestServer, name: string, runs: { name: string; params?: Record<string, string>; metrics?: Record<string, number[]>; tags?: Record<string, string>; status?: string }[]) {
  const exp = await s.mlflow('POST', '/experiments/create', { name });
  const experimentId = exp.body.experiment_id as string;
  const ids: string[] = [];
  const t0 = 1_700_000_000_000;
  for (const r of runs) {
    const created = await s.mlflow('POST', '/runs/create', { experiment_id: experimentId, run_name: r.name, start_time: t0, tags: Object.entries(r.tags ?? {}).map(([key, value]) => ({ key, value })) });
    const id = created.body.run.info.run_id as string;
    ids.push(id);
    const metrics = Object.entries(r.metrics ?? {}).flatMap(([key, values]) => values.map((value, step) => ({ key, value, step, timestamp: t0 + step * 1000 })));
    for (let i = 0; i < Math.max(1, metrics.length); i += 1000) {
      await s.mlflow('POST', '/runs/log-batch', { run_id: id, params: i === 0 ? Object.entries(r.params ?? {}).map(([key, value]) => ({ key, value })) : [], metrics: metrics.slice(i, i + 1000) });
    }
    await s.mlflow('POST', '/runs/update', { run_id: id, status: r.status ?? 'FINISHED', end_time: t0 + 60_000 });
  }
  return { experimentId, ids };
}
