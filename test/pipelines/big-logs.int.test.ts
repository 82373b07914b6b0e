import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineFixture, type PipelineFixture } from '../helpers/pipelines.js';

describe('a step that prints 100 MB of logs', () => {
  let f: PipelineFixture;
  beforeAll(async () => {
    f = await pipelineFixture('sqlite');
  });
  afterAll(async () => f?.close());

  it('completes, the log on disk stays capped (rotated once), and memory does not grow with it', async () => {
    const spec = await f.compile('loud.yaml', "name: loud\nsteps:\n  loud:\n    command: head -c 100000000 /dev/zero | tr '\\0' x | fold -w 1000\n  one_huge_line:\n    command: head -c 20000000 /dev/zero | tr '\\0' y\n");
    const rss0 = process.memoryUsage().rss;
    const run = await f.scheduler.wait((await f.scheduler.submit(spec)).id);
    expect(run.status).toBe('succeeded');
    const log = f.scheduler.logPath(run.id, 'loud', -1);
    expect(statSync(log).size).toBeLessThanOrEqual(9 * 1024 * 1024);
    expect(statSync(`${log}.1`).size).toBeLessThanOrEqual(9 * 1024 * 1024);
    expect(statSync(f.scheduler.logPath(run.id, 'one_huge_line', -1)).size).toBeLessThan(10 * 1024 * 1024);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(300 * 1024 * 1024);
  }, 120_000);
});
