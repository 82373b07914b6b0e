import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

/** A truncated list says so; `models.load`'s cache folder is where TRAINYARD_MODEL_CACHE says. */
describe('lists that say when there are more, and the model cache folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-lists-'));
  const home = join(dir, 'home');
  beforeAll(async () => {
    const { Trainyard } = await import('../dist/client/index.js');
    const ty = new Trainyard({ home });
    for (let i = 0; i < 3; i++) await ty.run({ experiment: 'three', name: `r${i}`, capture: false }, async () => {});
    await ty.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs list says on stderr that it shows the first N when more match, and stays silent otherwise', async () => {
    const cut = await runCli(['runs', 'list', '--max-results', '2'], { TRAINYARD_HOME: home });
    expect(cut.code).toBe(0);
    expect(cut.stdout.trim().split('\n')).toHaveLength(4); // header, rule, 2 runs: the note is not in the table
    expect(cut.stderr).toMatch(/showing the first 2 runs; more match: raise --max-results \(now 2\)/);
    const all = await runCli(['runs', 'list', '--max-results', '3'], { TRAINYARD_HOME: home });
    expect(all.stdout.trim().split('\n')).toHaveLength(5);
    expect(all.stderr).not.toMatch(/more match/);
  });

  it('models.load puts its verified copy under TRAINYARD_MODEL_CACHE', async () => {
    const { Trainyard } = await import('../dist/client/index.js');
    const ty = new Trainyard({ home });
    const modelDir = join(dir, 'model');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'weights.bin'), 'w');
    await ty.run({ experiment: 'three', capture: false }, async (run) => {
      await run.logModel(modelDir, { flavor: 'onnx' });
      await ty.models.register('cached', `runs:/${run.id}/model`);
    });
    const cache = join(dir, 'model-cache');
    process.env.TRAINYARD_MODEL_CACHE = cache;
    try {
      expect(await ty.models.load('cached', 1)).toMatch(new RegExp(`^${cache}/cached-v1-`));
    } finally {
      delete process.env.TRAINYARD_MODEL_CACHE;
      await ty.close();
    }
  });
});
