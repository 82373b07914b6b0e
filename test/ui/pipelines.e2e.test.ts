import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineFile } from '../../src/pipelines/index.js';
import { useUi } from './browser.js';

/** Compiles a YAML pipeline as the CLI does, so the page shows a real run of real commands. */
async function spec(dir: string, name: string, yaml: string) {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return (await loadPipelineFile(file)).spec;
}

describe('Pipelines pages in Chromium', () => {
  const ui = useUi();

  it('lists runs, shows the DAG live, a failed step\'s log, and retries it to success', async () => {
    const s = ui().server;
    const dir = mkdtempSync(join(tmpdir(), 'ty-ui-pipe-'));
    const marker = join(dir, 'second-try');
    // `load` runs until the test has seen it running (a gate file), so "live" is observed, not raced.
    const gate = join(dir, 'gate');
    // `flaky` fails on its first run (and says why in its log), succeeds when retried.
    const compiled = await spec(dir, 'p.yaml', `name: ui-etl
params:
  rows: 7
steps:
  load:
    command: while [ ! -f ${gate} ]; do sleep 0.1; done; echo loading {{params.rows}} rows
  flaky:
    command: test -f ${marker} && echo fine now || (touch ${marker}; echo disk on fire >&2; exit 3)
    after: [load]
  stats:
    command: echo stats
    after: [load]
  report:
    command: echo report done
    after: [flaky, stats]
`);
    const submitted = await s.call('POST', '/api/v1/pipelines/runs', { spec: compiled, params: { rows: 9 } });
    expect(submitted.status).toBe(200);
    const id = submitted.body.run.run_id as string;

    const page = await ui().page();
    await page.goto('/pipelines');
    const row = page.locator(`tr[data-run="${id}"]`);
    await expect.poll(() => row.innerText()).toMatch(/ui-etl[\s\S]*rows=9/);
    await row.locator('a').first().click();
    // Live: while `load` waits the page shows it running, then the states move on without a reload.
    const node = (step: string) => page.locator(`.dag-node[data-step="${step}"]`);
    await expect.poll(() => node('load').getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
    expect(await page.getByTestId('run-status').innerText()).toBe('running');
    writeFileSync(gate, '');
    await expect.poll(() => page.getByTestId('run-status').innerText(), { timeout: 30_000 }).toBe('failed');
    expect(await node('flaky').getAttribute('data-status')).toBe('failed');
    expect(await node('stats').getAttribute('data-status')).toBe('succeeded');
    expect(await node('report').getAttribute('data-status')).toBe('skipped');
    expect(await page.locator('.dag path[marker-end]').count()).toBe(4);
    // The failed step is selected first, with its log tail.
    await expect.poll(() => page.getByLabel('step log').innerText()).toContain('disk on fire');
    await ui().shot(page, 'pipeline-failed');

    await node('load').click();
    expect(new URL(page.url()).searchParams.get('step')).toBe('load');
    await expect.poll(() => page.getByLabel('step log').innerText()).toContain('loading 9 rows');

    await node('flaky').click();
    await page.getByRole('button', { name: 'Retry step' }).click();
    await expect.poll(() => page.getByTestId('run-status').innerText(), { timeout: 30_000 }).toBe('succeeded');
    expect(await node('flaky').getAttribute('data-status')).toBe('succeeded');
    expect(await node('report').getAttribute('data-status')).toBe('succeeded');
    await expect.poll(() => page.getByLabel('step log').innerText()).toContain('fine now');
    await ui().shot(page, 'pipeline-retried');
  }, 120_000);

  it('cancels a running pipeline from its page', async () => {
    const s = ui().server;
    const dir = mkdtempSync(join(tmpdir(), 'ty-ui-pipe-'));
    const compiled = await spec(dir, 'slow.yaml', 'name: ui-slow\nsteps:\n  nap:\n    command: sleep 60\n  after-nap:\n    command: echo never\n    after: [nap]\n');
    const id = (await s.call('POST', '/api/v1/pipelines/runs', { spec: compiled })).body.run.run_id as string;
    const page = await ui().page();
    await page.goto(`/pipelines/${id}`);
    await expect.poll(() => page.locator('.dag-node[data-step="nap"]').getAttribute('data-status'), { timeout: 10_000 }).toBe('running');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => page.getByTestId('run-status').innerText(), { timeout: 30_000 }).toBe('cancelled');
    expect(await page.locator('.dag-node[data-step="nap"]').getAttribute('data-status')).toBe('cancelled');
    await page.goto('/pipelines?pipeline=ui-slow');
    await expect.poll(() => page.locator('table[aria-label="pipeline runs"] tbody tr').count()).toBe(1);
    expect(await page.locator(`tr[data-run="${id}"] .pstatus`).innerText()).toBe('cancelled');
  }, 90_000);
});
