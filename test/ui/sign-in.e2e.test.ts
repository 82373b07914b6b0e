import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { AuthStore } from '../../src/auth/index.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { SHOTS } from './browser.js';
import { launchChromium } from './chromium.js';

/** The UI against a server with --auth: sign-in page on 401, session cookie, CSRF on writes, sign-out. */
describe('sign-in in Chromium', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    process.env.TRAINYARD_ADMIN_USERNAME = 'root';
    process.env.TRAINYARD_ADMIN_PASSWORD = 'root-password-1';
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url, auth: true });
    await new AuthStore(server.db).createUser('bob', 'bob-password-1');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    delete process.env.TRAINYARD_ADMIN_USERNAME;
    delete process.env.TRAINYARD_ADMIN_PASSWORD;
    await browser?.close();
    await server?.close();
    await db?.drop();
  });

  it('signs in, writes with the session (CSRF header sent), shows the user and signs out', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, baseURL: server.url });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.error('[browser]', e.message));
    await page.goto('/experiments');
    await page.getByRole('heading', { name: 'Sign in to Trainyard' }).waitFor();

    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong username or password.');

    await page.getByLabel('Password').fill('bob-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signed-in-user').textContent()).toBe('bob');
    const cookie = (await ctx.cookies()).find((c) => c.name === 'trainyard_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('trainyard_session');
    await page.screenshot({ path: `${SHOTS}signed-in.png` });

    // A write through the UI: the server refuses cookie writes without the session's CSRF token.
    await page.getByLabel('new experiment name').fill('bobs-experiment');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('tr[data-experiment="bobs-experiment"]').waitFor();
    const row = await server.db.one<{ experiment_id: number }>("SELECT experiment_id FROM experiments WHERE name = 'bobs-experiment'");
    const bob = (await new AuthStore(server.db).user('bob'))!;
    expect(await new AuthStore(server.db).permission('experiment', String(row!.experiment_id), bob.id)).toBe('MANAGE');

    // A reload keeps the session (the cookie), and asks the server for the CSRF token again.
    await page.reload();
    await expect.poll(() => page.getByTestId('signed-in-user').textContent()).toBe('bob');
    await page.getByLabel('new experiment name').fill('after-reload');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('tr[data-experiment="after-reload"]').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Trainyard' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Trainyard' }).waitFor();
    const live = await server.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM auth_sessions WHERE user_id = ? AND revoked_at IS NULL', [bob.id]);
    expect(Number(live!.n)).toBe(0);
    await ctx.close();
  });
});
