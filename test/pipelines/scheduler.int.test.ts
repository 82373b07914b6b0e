import { readFileSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive } from '../helpers/process-alive.js';
import { DIALECTS } from '../helpers/databases.js';
import { PIPELINES_MODULE, pipelineFixture, type PipelineFixture } from '../helpers/pipelines.js';

const tsPipeline = `
import { pipeline, defineStep, artifact, value } from ${JSON.stringify(PIPELINES_MODULE)};
import { writeFileSync, readFileSync } from 'node:fs';
const make = defineStep({
  id: 'test.make', version: '1',
  outputs: { table: artifact('table'), rows: value<number>() },
  async run(inputs: { n: number }, ctx) {
    writeFileSync(ctx.outputPath('table'), Array.from({ length: inputs.n }, (_, i) => String(i)).join('\\n'));
    ctx.log.info('made ' + inputs.n);
    return { rows: inputs.n };
  },
});
const count = defineStep({
  id: 'test.count', version: '1',
  outputs: { lines: value<number>() },
  async run(inputs: { table: { path: string } }) {
    return { lines: readFileSync(inputs.table.path, 'utf8').split('\\n').length };
  },
});
const p = pipeline('ts-basic', { params: { n: 5 } });
const a = p.step('make', make({ n: p.params.n }));
p.step('count', count({ table: a.out.table }));
export default p;
`;

const yamlPipeline = `
name: yaml-basic
params:
  word: hello
steps:
  write:
    command: |
      echo {{params.word}} > {{outputs.text}} && echo '{"auc": 0.9}' > {{outputs.metrics}}
    outputs:
      text: { type: artifact, kind: text, path: out.txt }
      metrics: { type: value, path: m.json }
  read:
    command: cat {{inputs.text}} > {{outputs.copy}}
    inputs:
      text: { from: steps.write.outputs.text, kind: text }
    outputs:
      copy: { type: artifact, kind: text, path: copy.txt }
  gated:
    command: "true"
    when: steps.write.outputs.metrics.auc >= 0.95
  cleanup:
    command: echo done
    finally: true
`;

for (const dialect of DIALECTS) {
  describe(`pipeline scheduler on ${dialect}`, () => {
    let f: PipelineFixture;
    beforeAll(async () => {
      f = await pipelineFixture(dialect);
    });
    afterAll(async () => f?.close());

    it('runs a TypeScript pipeline: typed outputs flow to the next step, then a second run is served from the cache', async () => {
      const spec = await f.compile('basic.ts', tsPipeline);
      const run = await f.scheduler.submit(spec, { params: { n: '7' } });
      const done = await f.scheduler.wait(run.id);
      expect(done.status).toBe('succeeded');
      const steps = await f.store.steps(run.id);
      expect(steps.find((s) => s.step === 'make')!.outputs!.rows).toBe(7);
      expect(steps.find((s) => s.step === 'count')!.outputs!.lines).toBe(7);
      const again = await f.scheduler.wait((await f.scheduler.submit(spec, { params: { n: 7 } })).id);
      const s2 = await f.store.steps(again.id);
      expect(s2.map((s) => s.status)).toEqual(['cached', 'cached']);
      expect(s2[0]!.cached_from_run).toBe(run.id);
      // A different param misses.
      const other = await f.scheduler.wait((await f.scheduler.submit(spec, { params: { n: 8 } })).id);
      expect((await f.store.steps(other.id)).map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
      // --no-cache runs everything.
      const fresh = await f.scheduler.wait((await f.scheduler.submit(spec, { params: { n: 7 }, cache: false })).id);
      expect((await f.store.steps(fresh.id)).map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    });

    it('runs a YAML pipeline of commands: artifacts, a false condition skips, finally runs, lineage has digests', async () => {
      const spec = await f.compile('basic.yaml', yamlPipeline);
      const run = await f.scheduler.wait((await f.scheduler.submit(spec, { params: { word: 'hi there' } })).id);
      expect(run.status).toBe('succeeded');
      const steps = Object.fromEntries((await f.store.steps(run.id)).map((s) => [s.step, s]));
      expect(steps.write!.outputs!.metrics).toEqual({ auc: 0.9 });
      expect(readFileSync((steps.read!.outputs!.copy as { path: string }).path, 'utf8')).toBe('hi there\n');
      expect(steps.gated!.status).toBe('skipped');
      expect(steps.cleanup!.status).toBe('succeeded');
      const links = await f.store.artifacts(run.id);
      const out = links.find((l) => l.step === 'write' && l.direction === 'output')!;
      const inp = links.find((l) => l.step === 'read' && l.direction === 'input')!;
      expect(out.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(inp.digest).toBe(out.digest);
      expect((await f.store.artifactsByDigest(out.digest)).length).toBeGreaterThanOrEqual(2);
    });

    it('retries a failing command with backoff, then fails; DoNotRetry fails at once; dependents are skipped and finally runs', async () => {
      const spec = await f.compile(
        'retry.yaml',
        `name: retry
steps:
  flaky:
    command: echo x >> attempts.txt; exit 3
    retries: 2
    backoff: 50ms
  after:
    command: "true"
    after: [flaky]
  always:
    command: "true"
    finally: true
`,
      );
      const run = await f.scheduler.wait((await f.scheduler.submit(spec)).id);
      expect(run.status).toBe('failed');
      expect(run.error).toContain("'flaky'");
      const steps = Object.fromEntries((await f.store.steps(run.id)).map((s) => [s.step, s]));
      expect(steps.flaky!.status).toBe('failed');
      expect(steps.flaky!.attempt).toBe(3);
      expect(steps.flaky!.error).toBe('exited with code 3');
      expect(steps.after!.status).toBe('skipped');
      expect(steps.always!.status).toBe('succeeded');
      const tsSpec = await f.compile(
        'dnr.ts',
        `import { pipeline, defineStep, DoNotRetry } from ${JSON.stringify(PIPELINES_MODULE)};
let calls = 0;
const bad = defineStep({ id: 'test.bad', version: '1', outputs: {}, async run() { calls++; throw new DoNotRetry('bad data: calls=' + calls); } });
const p = pipeline('dnr');
p.step('bad', bad({}), { retries: 5, backoffMs: 10 });
export default p;`,
      );
      const r2 = await f.scheduler.wait((await f.scheduler.submit(tsSpec)).id);
      const s = (await f.store.steps(r2.id))[0]!;
      expect(s.status).toBe('failed');
      expect(s.attempt).toBe(1);
      expect(s.error).toBe('bad data: calls=1');
    });

    it('times out a step and kills its whole process tree', async () => {
      const spec = await f.compile(
        'timeout.yaml',
        `name: timeout
steps:
  slow:
    command: (sleep 30; echo late > late.txt) & echo $! > {{workdir}}/child.pid; sleep 30
    timeout: 300ms
`,
      );
      const t0 = Date.now();
      const run = await f.scheduler.wait((await f.scheduler.submit(spec)).id);
      expect(Date.now() - t0).toBeLessThan(10_000);
      const s = (await f.store.steps(run.id))[0]!;
      expect(s.status).toBe('failed');
      expect(s.error).toMatch(/timed out after 300 ms/);
      const pid = Number(readFileSync(`${f.home}/pipelines/${run.id}/steps/slow/attempt-1/child.pid`, 'utf8'));
      await new Promise((r) => setTimeout(r, 200));
      expect(alive(pid)).toBe(false);
    });

    it('cancel stops running steps and their children, and cancels what has not started', async () => {
      const spec = await f.compile(
        'cancel.yaml',
        `name: cancel
steps:
  long:
    command: sleep 30 & echo $! > {{workdir}}/child.pid; wait
  next:
    command: "true"
    after: [long]
`,
      );
      const run = await f.scheduler.submit(spec);
      const pidFile = `${f.home}/pipelines/${run.id}/steps/long/attempt-1/child.pid`;
      for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 50));
      const done = await f.scheduler.cancel(run.id);
      expect(done.status).toBe('cancelled');
      const steps = Object.fromEntries((await f.store.steps(run.id)).map((s) => [s.step, s.status]));
      expect(steps).toEqual({ long: 'cancelled', next: 'cancelled' });
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await new Promise((r) => setTimeout(r, 200));
      expect(alive(pid)).toBe(false);
    });

    it('resume of a failed run reuses what succeeded and runs the rest', async () => {
      const flag = `${f.dir}/fixed`;
      const spec = await f.compile(
        'resume.yaml',
        `name: resume
steps:
  first:
    command: echo one >> ${f.dir}/first-runs.txt
  second:
    command: test -f ${flag}
    after: [first]
`,
      );
      const run = await f.scheduler.wait((await f.scheduler.submit(spec, { cache: false })).id);
      expect(run.status).toBe('failed');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(flag, '');
      await f.scheduler.resume(run.id);
      const again = await f.scheduler.wait(run.id);
      expect(again.status).toBe('succeeded');
      expect(readFileSync(`${f.dir}/first-runs.txt`, 'utf8')).toBe('one\n');
      const steps = Object.fromEntries((await f.store.steps(run.id)).map((s) => [s.step, s]));
      expect(steps.second!.status).toBe('succeeded');
      expect(steps.second!.attempt).toBe(2);
    });

    it('fans out a map of 10,000 items with a parallelism cap and fans in every output', async () => {
      const spec = await f.compile(
        'map.ts',
        `import { pipeline, defineStep, value } from ${JSON.stringify(PIPELINES_MODULE)};
let running = 0, peak = 0;
const sq = defineStep({ id: 'test.sq', version: '1', outputs: { y: value<number>(), peak: value<number>() }, async run(i: { x: number }) {
  running++; peak = Math.max(peak, running); await new Promise((r) => setImmediate(r)); running--; return { y: i.x * i.x, peak };
} });
const sum = defineStep({ id: 'test.sum', version: '1', outputs: { total: value<number>(), n: value<number>(), peak: value<number>() }, async run(i: { ys: number[]; peaks: number[] }) {
  return { total: i.ys.reduce((a, b) => a + b, 0), n: i.ys.length, peak: Math.max(...i.peaks) };
} });
const p = pipeline('map10k');
const items = Array.from({ length: 10000 }, (_, i) => i);
const m = p.map('square', items, (x) => sq({ x }), { parallelism: 8 });
p.step('sum', sum({ ys: m.out.y, peaks: m.out.peak }));
export default p;`,
      );
      const run = await f.scheduler.wait((await f.scheduler.submit(spec, { cache: false })).id);
      expect(run.status).toBe('succeeded');
      const sum = (await f.store.step(run.id, 'sum', -1))!;
      let expected = 0;
      for (let i = 0; i < 10000; i++) expected += i * i;
      expect(sum.outputs).toMatchObject({ total: expected, n: 10000 });
      expect(sum.outputs!.peak as number).toBeLessThanOrEqual(8);
      expect(sum.outputs!.peak as number).toBeGreaterThan(1);
    }, 180_000);
  });
}
