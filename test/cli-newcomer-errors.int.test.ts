import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { CLI, freePort } from './helpers/server-process.js';

/** What a newcomer meets first on the command line: errors that name the fix, no stack traces. */
describe('CLI errors a newcomer meets', () => {
  let home: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'ty-newcomer-'));
    // 150 runs, so `runs list` writes more than a pipe reader takes.
    const env = { TRAINYARD_HOME: home };
    expect((await runCli(['experiments', 'create', 'pipe-test'], env)).code).toBe(0);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('exits quietly when the reader closes the pipe (runs list | head -1)', async () => {
    const { Trainyard } = await import('../dist/client/index.js');
    const ty = new Trainyard({ home });
    for (let i = 0; i < 120; i++) await ty.run({ experiment: 'pipe-test', name: `r${i}`, capture: false }, async () => {});
    await ty.close();
    const child = spawn(process.execPath, [CLI, 'runs', 'list', '--max-results', '120'], { env: { ...process.env, TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '', TRAINYARD_HOME: home } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Read the first chunk, then close our end as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(code).toBe(0);
  });

  it('says to pass --port when the port is taken, in one line', async () => {
    const port = await freePort();
    const holder = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const res = await runCli(['server', '--port', String(port), '--home', join(home, 'srv')]);
      expect(res.code).not.toBe(0);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(new RegExp(`port ${port} .*in use.*--port`));
    } finally {
      holder.close();
    }
  });
});
