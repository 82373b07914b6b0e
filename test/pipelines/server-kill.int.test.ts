import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpTransport } from '../../src/client/transport.js';
import { CLI, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

// kill -9 of the server mid-run: the restarted server resumes the run, kills the orphaned step
// process the dead one left behind, and no step completes twice (done.log has one line per step).
for (const dialect of DIALECTS) {
  describe(`pipeline run survives kill -9 of the server (${dialect})`, () => {
    let server: ServerProcess | undefined;
    let t: TestDatabase | undefined;
    afterAll(async () => {
      server?.child.kill('SIGKILL');
      await t?.drop();
    });

    it('completes after restart, every step completing exactly once', async () => {
      t = await createTestDatabase(dialect);
      const dir = mkdtempSync(join(tmpdir(), 'ty-kill-'));
      const log = join(dir, 'done.log');
      writeFileSync(
        join(dir, 'p.yaml'),
        `name: killme
steps:
  first:
    command: echo first >> ${log}
  slow:
    command: sleep 2 && echo slow >> ${log}
    after: [first]
  last:
    command: echo last >> ${log}
    after: [slow]
`,
      );
      server = await spawnServer(['--home', t.home, '--db', t.url]);
      const url = server.url;
      const out = execFileSync(process.execPath, [CLI, '--uri', url, 'pipeline', 'run', join(dir, 'p.yaml'), '--detach'], { encoding: 'utf8' }).trim();
      const runId = out.split('\n').pop()!;
      const http = new HttpTransport(url);
      // Wait for `slow` to be running (its process started), then kill the server hard.
      for (let i = 0; i < 100; i++) {
        const res = await http.call<{ steps: { step: string; status: string }[] }>('GET', `/api/v1/pipelines/runs/${runId}`);
        if (res.steps.find((s) => s.step === 'slow')!.status === 'running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      server.child.kill('SIGKILL');
      await server.exited;
      await http.close();
      server = await spawnServer(['--home', t.home, '--db', t.url]);
      const http2 = new HttpTransport(server.url);
      let status = '';
      for (let i = 0; i < 200 && status !== 'succeeded' && status !== 'failed'; i++) {
        status = (await http2.call<{ run: { status: string } }>('GET', `/api/v1/pipelines/runs/${runId}`)).run.status;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe('succeeded');
      // The orphaned `sleep 2 && echo slow` of the dead server must not have completed too.
      await new Promise((r) => setTimeout(r, 2500));
      expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['first', 'slow', 'last']);
      const res = await http2.call<{ steps: { step: string; attempt: number }[] }>('GET', `/api/v1/pipelines/runs/${runId}`);
      expect(res.steps.find((s) => s.step === 'slow')!.attempt).toBe(2);
      await http2.close();
    }, 120_000);
  });
}
