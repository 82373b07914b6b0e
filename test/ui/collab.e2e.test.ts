/// <reference lib="dom" />
// (The DOM lib above: code passed to page.evaluate / addInitScript runs in the browser.)
import { describe, expect, it } from 'vitest';
import { seedRuns, useUi } from './browser.js';

describe('Comments in Chromium', () => {
  const ui = useUi();

  it('a comment posted by one user is seen by a second, with author and time', async () => {
    const { ids } = await seedRuns(ui().server, 'collab', [{ name: 'shared-run', metrics: { loss: [1, 0.5] } }]);
    const ana = await ui().page('ana');
    await ana.goto(`/runs/${ids[0]}?tab=comments`);
    await ana.getByLabel('new comment').fill('Loss plateaus after step 1, try **lr=0.02**');
    await ana.getByRole('button', { name: 'Post comment' }).click();
    await ana.locator('.comment[data-author="ana"]').waitFor();

    const bo = await ui().page('bo');
    await bo.goto(`/runs/${ids[0]}?tab=comments`);
    const c = bo.locator('.comment[data-author="ana"]');
    await expect.poll(() => c.innerText()).toMatch(/ana · .*\d[\s\S]*try lr=0\.02/);
    expect(await c.locator('strong').innerText()).toBe('lr=0.02'); // Markdown rendered
    expect(await c.getByRole('button', { name: 'delete' }).count()).toBe(0); // not bo's to delete
    await bo.getByLabel('new comment').fill('Agreed.');
    await bo.getByRole('button', { name: 'Post comment' }).click();
    await bo.locator('.comment[data-author="bo"]').waitFor();
    await ui().shot(bo, 'comments');

    const api = await ui().server.call('GET', `/api/v1/runs/${ids[0]}/comments`);
    expect(api.body.comments.map((x: any) => x.author)).toEqual(['ana', 'bo']);

    // Raw HTML in a comment is shown, never run.
    const xss = await ui().server.call('POST', `/api/v1/runs/${ids[0]}/comments`, { body: '<img src=x onerror="window.pwned=1">' });
    expect(xss.status).toBe(200);
    await bo.reload();
    await bo.locator('.comment', { hasText: '<img src=x' }).waitFor();
    expect(await bo.evaluate(() => (window as any).pwned)).toBeUndefined();
    // Who changed what: the run's history tab reads the audit log (auth off: the users are unverified).
    await bo.goto(`/runs/${ids[0]}?tab=history`);
    const history = bo.getByRole('table', { name: 'history' });
    await expect.poll(() => history.locator('tr[data-user="ana"]').count()).toBeGreaterThan(0);
    const anaRow = await history.locator('tr[data-user="ana"]').first().innerText();
    expect(anaRow).toMatch(/POST \/api\/v1\/runs\/:run_id\/comments/);
    expect(anaRow).toMatch(/unverified/);
    expect(await history.locator('tr[data-user="bo"]').first().innerText()).toMatch(/comments/);
    await ui().shot(bo, 'run-history');
  });

  it('rejects an empty comment and an unknown run with MLflow-style errors', async () => {
    const { ids } = await seedRuns(ui().server, 'collab-bad', [{ name: 'r' }]);
    const empty = await ui().server.call('POST', `/api/v1/runs/${ids[0]}/comments`, { body: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const missing = await ui().server.call('GET', '/api/v1/runs/0123456789abcdef0123456789abcdef/comments');
    expect(missing.status).toBe(404);
  });
});
