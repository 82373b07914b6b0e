import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Trainyard } from '../../src/client/index.js';
import { useUi } from './browser.js';

/** Each rank prints a line, waits for the test (a gate file), prints another, and ends. */
const SCRIPT = `import os, sys, time
rank = int(os.environ["RANK"])
print(f"rank {rank} step 1", flush=True)
print(f"rank {rank} warming up", file=sys.stderr, flush=True)
while not os.path.exists(os.environ["GATE"]):
    time.sleep(0.1)
print(f"rank {rank} step 2", flush=True)
`;

/** A running job's page is live over server-sent events, its ranks' logs followed while the attempt runs. */
describe('Job page live (SSE) in Chromium', () => {
  const ui = useUi();

  it("shows a running rank's log lines as they are printed, with no polling requests", async () => {
    const s = ui().server;
    const dir = mkdtempSync(join(tmpdir(), 'ty-ui-job-live-'));
    writeFileSync(join(dir, 'train.py'), SCRIPT);
    const gate = join(dir, 'gate');
    // The supervisor's own home is not the server's: the lines reach the page through the server.
    const ty = new Trainyard({ uri: s.url, home: dir });
    const launched = ty.launch({ command: ['/usr/bin/python3', '-u', join(dir, 'train.py')], noPython: true, nprocPerNode: 2, maxRestarts: 0, experiment: 'ui-jobs-live', jobId: 'ui-live', graceSeconds: 2, env: { GATE: gate } });
    await expect.poll(async () => (await s.call('GET', '/api/v1/jobs/ui-live')).body?.job?.state, { timeout: 30_000 }).toBe('running');

    const page = await ui().page();
    const polls: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/') && !u.pathname.endsWith('/events')) polls.push(u.pathname);
      if (u.pathname.startsWith('/get-artifact')) polls.push(u.pathname);
    });
    await page.goto('/jobs/ui-live');
    await expect.poll(() => page.getByTestId('job-state').innerText(), { timeout: 20_000 }).toBe('running');
    // The running attempt lists its ranks (from its world size) before any of them exits.
    await expect.poll(() => page.locator('table[data-attempt="0"] tr[data-rank]').count(), { timeout: 20_000 }).toBe(2);
    await page.getByRole('button', { name: 'attempt 0 rank 1 stdout' }).click();
    await expect.poll(() => page.getByLabel('rank log').innerText(), { timeout: 20_000 }).toContain('rank 1 step 1');
    expect(await page.getByLabel('rank log').innerText()).not.toContain('rank 0');
    const loaded = polls.length;
    writeFileSync(gate, '');
    await expect.poll(() => page.getByLabel('rank log').innerText(), { timeout: 30_000 }).toContain('rank 1 step 2');
    await ui().shot(page, 'job-live-log');
    await expect.poll(() => page.getByTestId('job-state').innerText(), { timeout: 30_000 }).toBe('succeeded');
    expect((await launched).state).toBe('succeeded');
    // Everything up to the end came over the one stream (the finished attempt then reads its attached log).
    expect(polls.slice(loaded).filter((p) => p.startsWith('/api/v1/jobs'))).toEqual([]);
    await expect.poll(() => page.getByLabel('rank log').innerText(), { timeout: 20_000 }).toContain('rank 1 step 2');

    // stderr of the other rank, followed from its start.
    await page.getByRole('button', { name: 'attempt 0 rank 0 stderr' }).click();
    await expect.poll(() => page.getByLabel('rank log').innerText(), { timeout: 20_000 }).toContain('rank 0 warming up');
    await ty.close();
  }, 120_000);

  it('refuses live log lines from a process that is not the supervisor, and bad stream parameters', async () => {
    const s = ui().server;
    const bad = await s.call('POST', '/api/v1/jobs/ui-live/live-logs', { nonce: 'not-it', attempt: 0, chunks: [{ rank: 0, stream: 'stdout', offset: 0, text: 'forged\n' }] });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect((await s.call('GET', '/api/v1/jobs/ui-live/events?attempt=0&rank=0&stream=stdin')).status).toBe(400);
    expect((await s.call('GET', '/api/v1/jobs/ui-live/events?attempt=0')).status).toBe(400);
    expect((await s.call('GET', '/api/v1/jobs/nope/events')).status).toBe(404);
  }, 30_000);
});
