import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineFile } from '../../src/pipelines/index.js';
import { useUi } from './browser.js';

/** A pipeline run page is live over server-sent events: states and the running step's log arrive without polling. */
describe('Pipeline run page live (SSE) in Chromium', () => {
  const ui = useUi();

  it("shows a running step's log lines as they are printed, then the step turning succeeded, with no polling requests", async () => {
    const s = ui().server;
    const dir = mkdtempSync(join(tmpdir(), 'ty-ui-pipe-live-'));
    const gate = join(dir, 'gate');
    const file = join(dir, 'p.yaml');
    // `train` prints a line, waits for the test (a gate file), prints another and ends.
    writeFileSync(file, `name: ui-live
steps:
  train:
    command: echo epoch 1 of 2; while [ ! -f ${gate} ]; do sleep 0.1; done; echo epoch 2 of 2
  report:
    command: echo report done
    after: [train]
`);
    const submitted = await s.call('POST', '/api/v1/pipelines/runs', { spec: (await loadPipelineFile(file)).spec });
    expect(submitted.status).toBe(200);
    const id = submitted.body.run.run_id as string;

    const page = await ui().page();
    const polls: string[] = [];
    const streams: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!u.pathname.startsWith('/api/')) return;
      if (u.pathname.endsWith('/events')) streams.push(u.pathname + u.search);
      else polls.push(u.pathname);
    });
    await page.goto(`/pipelines/${id}?step=train`);
    const node = (step: string) => page.locator(`.dag-node[data-step="${step}"]`);
    await expect.poll(() => node('train').getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
    await expect.poll(() => page.getByLabel('step log').innerText(), { timeout: 20_000 }).toContain('epoch 1 of 2');
    const loaded = polls.length;
    writeFileSync(gate, '');
    // The rest arrives on the open stream: the next log line, the step and the run finishing.
    await expect.poll(() => page.getByLabel('step log').innerText(), { timeout: 20_000 }).toContain('epoch 2 of 2');
    await expect.poll(() => node('train').getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
    await expect.poll(() => page.getByTestId('run-status').innerText(), { timeout: 20_000 }).toBe('succeeded');
    expect(await node('report').getAttribute('data-status')).toBe('succeeded');
    expect(polls.slice(loaded)).toEqual([]);
    expect(polls.filter((p) => p.endsWith('/logs'))).toEqual([]);
    expect(streams.some((u) => u.startsWith(`/api/v1/pipelines/runs/${id}/events`) && u.includes('step=train'))).toBe(true);
    await ui().shot(page, 'pipeline-live');

    // The list page follows the same way: a new run appears and finishes without a reload.
    await page.goto('/pipelines');
    await page.locator(`tr[data-run="${id}"]`).waitFor();
    const before = polls.length;
    const again = await s.call('POST', '/api/v1/pipelines/runs', { spec: (await loadPipelineFile(file)).spec });
    const id2 = again.body.run.run_id as string;
    await expect.poll(() => page.locator(`tr[data-run="${id2}"] .pstatus`).innerText(), { timeout: 20_000 }).toBe('succeeded');
    expect(polls.slice(before)).toEqual([]);
  }, 90_000);

  it('answers a bad stream request with a 4xx before streaming', async () => {
    const s = ui().server;
    expect((await s.call('GET', '/api/v1/pipelines/runs/nope/events')).status).toBe(404);
    const list = await s.call('GET', '/api/v1/pipelines/runs?max_results=1');
    const id = list.body.runs[0].run_id as string;
    const bad = await s.call('GET', `/api/v1/pipelines/runs/${id}/events?step=nope`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("no step 'nope'");
  }, 30_000);
});
