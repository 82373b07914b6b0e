import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Trainyard } from '../../src/client/index.js';
import { useUi } from './browser.js';

/**
 * A 2-rank job of a plain Python script (no torch needed: `noPython` runs the interpreter as the
 * command): with FLAKY, on the first attempt rank 1 fails with exit 3 and rank 0 is stopped, and
 * the restart succeeds once GATE exists; without it, ranks nap NAP seconds.
 */
const SCRIPT = `import os, sys, time
rank, attempt = int(os.environ["RANK"]), int(os.environ["TORCHELASTIC_RESTART_COUNT"])
print(f"rank {rank} of {os.environ['WORLD_SIZE']} attempt {attempt}", flush=True)
if attempt == 0 and rank == 1 and os.environ.get("FLAKY"):
    time.sleep(1.5)
    print("rank 1 ran out of disk", file=sys.stderr, flush=True)
    sys.exit(3)
if attempt == 0 and os.environ.get("FLAKY"):
    time.sleep(60)  # stopped by the supervisor when rank 1 fails
time.sleep(float(os.environ.get("NAP", "0")))
# The restarted attempt finishes once the test has watched it run (a gate file): no race with the page.
while attempt > 0 and not os.path.exists(os.environ["GATE"]):
    time.sleep(0.1)
print(f"rank {rank} done", flush=True)
`;

describe('Jobs pages in Chromium', () => {
  const ui = useUi();

  it('shows a job live, its state history, each attempt\'s rank exits and per-rank logs', async () => {
    const s = ui().server;
    const dir = mkdtempSync(join(tmpdir(), 'ty-ui-job-'));
    writeFileSync(join(dir, 'train.py'), SCRIPT);
    const ty = new Trainyard({ uri: s.url, home: dir });
    const page = await ui().page();
    const gate = join(dir, 'gate');
    const launched = ty.launch({ command: ['/usr/bin/python3', '-u', join(dir, 'train.py')], noPython: true, nprocPerNode: 2, maxRestarts: 1, experiment: 'ui-jobs', jobId: 'ui-flaky', graceSeconds: 2, env: { GATE: gate, FLAKY: '1' } });
    await expect.poll(async () => (await s.call('GET', '/api/v1/jobs/ui-flaky')).status, { timeout: 20_000 }).toBe(200);
    await page.goto('/jobs');
    await expect.poll(() => page.locator('tr[data-job="ui-flaky"]').innerText()).toMatch(/ui-flaky\s+(pending|running|restarting)/);
    await page.locator('tr[data-job="ui-flaky"] a').first().click();
    // Live: the page follows the restart (attempt 1 running after rank 1's failure), then success, without a reload.
    await expect.poll(() => page.locator('[aria-label="state history"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')).join(' ')), { timeout: 60_000 })
      .toBe('pending running restarting running');
    expect(await page.getByTestId('job-state').innerText()).toBe('running');
    writeFileSync(gate, '');
    await expect.poll(() => page.getByTestId('job-state').innerText(), { timeout: 60_000 }).toBe('succeeded');
    const result = await launched;
    expect(result.state).toBe('succeeded');
    const states = await page.locator('[aria-label="state history"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
    expect(states).toEqual(['pending', 'running', 'restarting', 'running', 'succeeded']);
    // Attempt 0: rank 1 exited 3 (the root cause), rank 0 was stopped by a signal; attempt 1: both 0.
    const a0 = page.locator('table[data-attempt="0"]');
    await expect.poll(() => a0.locator('tr[data-rank="1"] [data-testid=exit]').innerText()).toBe('3');
    expect(await a0.locator('tr[data-rank="1"]').innerText()).toContain('root cause');
    expect(await a0.locator('tr[data-rank="0"] [data-testid=exit]').innerText()).toMatch(/^SIG/);
    expect(await page.locator('table[data-attempt="1"] [data-testid=exit]').allInnerTexts()).toEqual(['0', '0']);
    await page.getByRole('button', { name: 'attempt 0 rank 1 stderr' }).click();
    await expect.poll(() => page.getByLabel('rank log').innerText()).toContain('rank 1 ran out of disk');
    expect(new URL(page.url()).searchParams.get('rank')).toBe('1');
    await page.getByRole('button', { name: 'attempt 1 rank 0 stdout' }).click();
    await expect.poll(() => page.getByLabel('rank log').innerText()).toContain('rank 0 of 2 attempt 1');
    await ui().shot(page, 'job');
    await ty.close();
  }, 120_000);

  it('cancels a running job from its page', async () => {
    const s = ui().server;
    const dir = mkdtempSync(join(tmpdir(), 'ty-ui-job-'));
    writeFileSync(join(dir, 'train.py'), SCRIPT);
    const ty = new Trainyard({ uri: s.url, home: dir });
    const launched = ty.launch({ command: ['/usr/bin/python3', '-u', join(dir, 'train.py')], noPython: true, nprocPerNode: 2, maxRestarts: 0, experiment: 'ui-jobs', jobId: 'ui-long', graceSeconds: 2, env: { NAP: '120', GATE: join(dir, 'gate') } });
    const page = await ui().page();
    await expect.poll(async () => (await s.call('GET', '/api/v1/jobs/ui-long')).body?.job?.state, { timeout: 20_000 }).toBe('running');
    await page.goto('/jobs/ui-long');
    await expect.poll(() => page.getByTestId('job-state').innerText()).toBe('running');
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await expect.poll(() => page.getByTestId('job-state').innerText(), { timeout: 30_000 }).toBe('cancelled');
    expect((await launched).state).toBe('cancelled');
    await page.goto('/jobs?state=cancelled');
    await expect.poll(() => page.locator('table[aria-label=jobs] tbody tr').count()).toBe(1);
    await ty.close();
  }, 90_000);
});
