import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/server-process.js';

const SDK = pathToFileURL(join(process.cwd(), 'dist/client/index.js')).href;

describe('trainyard runs reproduce', () => {
  let repo: string;
  let runId: string;
  const env = () => ({ ...process.env, TRAINYARD_HOME: join(repo, '.ty'), TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '' });
  const reproduce = (...args: string[]) => spawnSync(process.execPath, [CLI, 'runs', 'reproduce', runId, ...args], { cwd: repo, env: env(), encoding: 'utf8' });

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'ty-repro-'));
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd: repo });
    git('init', '-q');
    writeFileSync(join(repo, '.gitignore'), '.ty/\ndata.csv\n');
    writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion": 3}\n');
    writeFileSync(join(repo, 'train.mjs'), `import { Trainyard } from '${SDK}';
const ty = new Trainyard();
const id = await ty.run({ experiment: 'repro' }, async (run) => {
  run.logMetric('seed', run.seed());
  await run.logDataset({ path: 'data.csv', context: 'train' });
  return run.id;
});
await ty.close();
console.log(id);
`);
    git('add', '.');
    git('commit', '-qm', 'init');
    // An uncommitted change at start: the run must store it and compare it later.
    appendFileSync(join(repo, 'train.mjs'), '// tweak\n');
    writeFileSync(join(repo, 'data.csv'), 'x,y\n1,2\n3,4\n');
    runId = execFileSync(process.execPath, ['train.mjs', '--epochs', '3'], { cwd: repo, env: env(), encoding: 'utf8' }).trim().split('\n').pop()!;
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('prints commit, diff, seed and steps, and --check passes on the same machine state', () => {
    const res = reproduce('--check');
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/commit\s+[0-9a-f]{40}/);
    expect(res.stdout).toContain('+// tweak');
    expect(res.stdout).toMatch(/seed\s+\d+/);
    expect(res.stdout).toMatch(/ok\s+dataset data.csv \(train\)/);
    expect(res.stdout).toMatch(/ok\s+lockfile package-lock.json/);
    expect(res.stdout).toMatch(/TRAINYARD_SEED=\d+ node train.mjs "--epochs" "3"/);
  });

  it('lists a changed dataset and a different working tree plainly, and --check fails', () => {
    appendFileSync(join(repo, 'data.csv'), '5,6\n');
    appendFileSync(join(repo, 'train.mjs'), '// another change\n');
    const res = reproduce('--check');
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/MISMATCH\s+dataset data.csv \(train\): recorded [0-9a-f]{64}, here [0-9a-f]{64}/);
    expect(res.stdout).toMatch(/MISMATCH\s+working tree/);
    expect(res.stderr).toMatch(/^trainyard: error: 2 mismatch\(es\)/);
  });

  it('writes the stored diff so git apply restores the tree the run started from', () => {
    const file = join(repo, 'run.diff');
    expect(reproduce('--write-diff', file).status).toBe(0);
    execFileSync('git', ['checkout', '--', 'train.mjs'], { cwd: repo });
    expect(spawnSync('git', ['apply', file], { cwd: repo }).status).toBe(0);
    expect(readFileSync(join(repo, 'train.mjs'), 'utf8').endsWith('// tweak\n')).toBe(true);
    expect(reproduce('--check').stdout).toMatch(/ok\s+working tree/);
  });
});
