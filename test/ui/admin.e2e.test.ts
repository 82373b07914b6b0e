import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AuthStore, TeamStore } from '../../src/auth/index.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { SHOTS } from './browser.js';
import { launchChromium } from './chromium.js';

/** The admin page with --auth: an admin creates a user and a team in the UI, grants the team, and that user signs in. */
describe('admin page in Chromium', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    process.env.TRAINYARD_ADMIN_USERNAME = 'root';
    process.env.TRAINYARD_ADMIN_PASSWORD = 'root-password-1';
    // Nobody may touch an experiment nobody granted them: the team's grant is what lets carol in.
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url, auth: true, defaultPermission: 'NO_PERMISSIONS' });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    delete process.env.TRAINYARD_ADMIN_USERNAME;
    delete process.env.TRAINYARD_ADMIN_PASSWORD;
    await browser?.close();
    await server?.close();
    await db?.drop();
  });

  const signIn = async (page: Page, username: string, password: string) => {
    await page.goto('/experiments');
    await page.getByRole('heading', { name: 'Sign in to Trainyard' }).waitFor();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signed-in-user').textContent()).toBe(username);
  };
  const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`, 'content-type': 'application/json' });

  it('creates a user and a team, adds the member, grants the team an experiment, and the user signs in and sees their runs', async () => {
    const exp = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: basic('root', 'root-password-1'), body: JSON.stringify({ name: 'vision-exp' }) });
    const experimentId = ((await exp.json()) as { experiment_id: string }).experiment_id;

    const adminCtx = await browser.newContext({ viewport: { width: 1400, height: 900 }, baseURL: server.url });
    const page = await adminCtx.newPage();
    page.on('pageerror', (e) => console.error('[browser]', e.message));
    await signIn(page, 'root', 'root-password-1');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Users and teams' }).waitFor();

    await page.getByLabel('new username').fill('carol');
    await page.getByLabel('new password').fill('short');
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('at least 8 characters');
    await page.getByLabel('new password').fill('carol-password-1');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('tr[data-user="carol"]').waitFor();
    await page.getByLabel('new username').fill('dave');
    await page.getByLabel('new password').fill('dave-password-1');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('tr[data-user="dave"]').waitFor();
    // The box shows the server's answer (the list is read again after the change), not just the click.
    await page.getByLabel('dave is admin').click();
    await expect.poll(async () => (await new AuthStore(server.db).user('dave'))?.is_admin).toBe(true);
    await expect.poll(() => page.getByLabel('dave is admin').isChecked()).toBe(true);

    await page.getByLabel('new team name').fill('vision');
    await page.getByRole('button', { name: 'Create team' }).click();
    const team = page.locator('section[data-team="vision"]');
    await team.waitFor();
    await team.getByLabel('user to add to vision').selectOption('carol');
    await team.getByRole('button', { name: 'Add member' }).click();
    await team.locator('li[data-member="carol"]').waitFor();
    await expect.poll(() => page.locator('tr[data-user="carol"]').innerText()).toContain('vision');
    await team.getByLabel('vision grant resource').fill(experimentId);
    await team.getByLabel('vision grant permission').selectOption('EDIT');
    await team.getByRole('button', { name: 'Grant' }).click();
    await expect.poll(() => team.getByLabel('vision permissions').innerText()).toMatch(new RegExp(`experiment\\s+${experimentId}\\s+EDIT`));
    // Removing and adding back a member goes through the same API.
    await team.getByLabel('user to add to vision').selectOption('dave');
    await team.getByRole('button', { name: 'Add member' }).click();
    await team.locator('li[data-member="dave"]').waitFor();
    await team.getByRole('button', { name: 'remove dave from vision' }).click();
    await expect.poll(() => team.locator('li[data-member="dave"]').count()).toBe(0);
    expect((await new TeamStore(server.db, new AuthStore(server.db)).describe('vision')).members).toEqual(['carol']);
    await page.screenshot({ path: `${SHOTS}admin.png` });

    // carol, through the team's EDIT grant, logs a run with her password (as MLflow's client would).
    const run = await fetch(`${server.url}/api/2.0/mlflow/runs/create`, { method: 'POST', headers: basic('carol', 'carol-password-1'), body: JSON.stringify({ experiment_id: experimentId, run_name: 'carols-run' }) });
    expect(run.status).toBe(200);
    const carolCtx = await browser.newContext({ viewport: { width: 1400, height: 900 }, baseURL: server.url });
    const carol = await carolCtx.newPage();
    carol.on('pageerror', (e) => console.error('[browser]', e.message));
    await signIn(carol, 'carol', 'carol-password-1');
    expect(await carol.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await carol.getByRole('link', { name: 'My runs' }).click();
    await expect.poll(() => carol.getByLabel('my runs').innerText()).toMatch(/carols-run[\s\S]*vision-exp/);
    await carol.screenshot({ path: `${SHOTS}my-runs.png` });
    // The admin page is not hers: its API answers 403.
    await carol.goto('/admin');
    expect(await carol.getByRole('heading', { name: 'Users and teams' }).count()).toBe(0);
    expect((await fetch(`${server.url}/api/v1/users`, { headers: basic('carol', 'carol-password-1') })).status).toBe(403);
    await adminCtx.close();
    await carolCtx.close();
  }, 90_000);
});
