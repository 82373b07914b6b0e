import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

const SDK = pathToFileURL(join(process.cwd(), 'dist/client/index.js')).href;

/** A training script that never calls run.end(): what is buffered must still reach the server. */
function script(dir: string, url: string, tail: string): string {
  const file = join(dir, `train-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, `import { Trainyard } from '${SDK}';
const ty = new Trainyard({ uri: '${url}', capture: false, buffer: { flushIntervalMs: 60000 } });
const run = await ty.startRun({ name: 'no-end' });
for (let step = 0; step < 5000; step++) run.logMetric('loss', 1 / (step + 1), { step });
console.log(run.id);
${tail}
`);
  return file;
}

function runScript(file: string, signal?: NodeJS.Signals): Promise<{ runId: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (signal && out.includes('\n')) child.kill(signal);
    });
    child.on('exit', (code) => resolve({ runId: out.trim().split('\n')[0]!, code }));
  });
}

describe('SDK flush at process end', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'ty-exit-'));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function history(runId: string): Promise<number> {
    let n = 0;
    let token: string | undefined;
    do {
      const page = await server.mlflow('GET', '/metrics/get-history', { run_id: runId, metric_key: 'loss', ...(token ? { page_token: token } : {}) });
      n += page.body.metrics.length;
      token = page.body.next_page_token;
    } while (token);
    return n;
  }

  it('flushes and ends the run FINISHED when the script simply ends', async () => {
    const { runId, code } = await runScript(script(dir, server.url, ''));
    expect(code).toBe(0);
    expect(await history(runId)).toBe(5000);
    expect((await server.mlflow('GET', '/runs/get', { run_id: runId })).body.run.info.status).toBe('FINISHED');
  });

  for (const [signal, exitCode] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`flushes and ends the run KILLED on ${signal}, exiting ${exitCode}`, async () => {
      // The script idles after logging, as a training loop would mid-epoch, until the signal.
      const { runId, code } = await runScript(script(dir, server.url, 'setInterval(() => {}, 1000);'), signal);
      expect(code).toBe(exitCode);
      expect(await history(runId)).toBe(5000);
      expect((await server.mlflow('GET', '/runs/get', { run_id: runId })).body.run.info.status).toBe('KILLED');
    });
  }
});
