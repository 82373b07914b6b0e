import { describe, expect, it } from 'vitest';
import { modelWithVersion } from '../helpers/registry-factories.js';
import { useUi } from './browser.js';

describe('Registry pages in Chromium', () => {
  const ui = useUi();

  it('lists models; a promotion requested by one user is approved by another and moves the alias', async () => {
    const s = ui().server;
    const { name } = await modelWithVersion(s);
    const ana = await ui().page('ana');
    await ana.goto('/models');
    await ana.locator(`tr[data-model="${name}"] a`).click();
    await ana.locator('tr[data-version="1"]').waitFor();
    await ana.getByRole('button', { name: 'Request promotion to @champion' }).click();
    await ana.locator('tr[data-status="PENDING"]').waitFor();
    await expect.poll(() => ana.locator('.lineage').innerText()).toMatch(/adult[\s\S]*run[\s\S]*model/);

    const bo = await ui().page('bo');
    await bo.goto(`/models/${encodeURIComponent(name)}?version=1`);
    await bo.locator('tr[data-status="PENDING"]').getByRole('button', { name: 'Approve' }).click();
    await bo.locator('tr[data-status="APPROVED"]').waitFor();
    await expect.poll(() => bo.locator('tr[data-version="1"]').innerText()).toContain('@champion');
    await expect.poll(() => bo.locator('[aria-label=audit]').innerText()).toMatch(/promotion_approved[\s\S]*bo/);
    await bo.locator('.markdown h1, .markdown h2').first().waitFor(); // the model card
    await ui().shot(bo, 'registry');
    const alias = await s.mlflow('GET', '/registered-models/alias', { name, alias: 'champion' });
    expect(alias.body.model_version.version).toBe('1');
  });
});
