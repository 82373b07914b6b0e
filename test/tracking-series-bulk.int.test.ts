import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { createRun, logBatch, ok } from './helpers/tracking-factories.js';
import type { TestServer } from './helpers/server.js';
import { useServer } from './helpers/use-server.js';

/** `points` steps of `key`, with NaN and ±Infinity sprinkled in (they must survive as MLflow's strings). */
async function logSeries(s: TestServer, runId: string, key: string, points: number, k: number) {
  const metrics = Array.from({ length: points }, (_, step) => ({
    key, step, timestamp: 1_700_000_000_000 + step * 10,
    value: step === 7 ? 'NaN' : step === 11 ? 'Infinity' : Math.exp(-step / (100 * k)) + (step % 13) / 100,
  }));
  for (let i = 0; i < metrics.length; i += 1000) await logBatch(s, runId, { metrics: metrics.slice(i, i + 1000) as any });
}

for (const dialect of DIALECTS) {
  describe(`bulk bucketed series (${dialect})`, () => {
    const server = useServer(dialect);

    it('answers N runs x K metrics in one request, each series the same as its single-series endpoint', async () => {
      const s = server();
      const exp = ok(await s.mlflow('POST', '/experiments/create', { name: `bulk-${dialect}` })).experiment_id;
      const runs: string[] = [];
      for (let i = 0; i < 3; i++) runs.push((await createRun(s, { experiment_id: exp })).info.run_id as string);
      await logSeries(s, runs[0]!, 'loss', 3000, 1);
      await logSeries(s, runs[1]!, 'loss', 1200, 2);
      await logSeries(s, runs[0]!, 'acc', 500, 3);
      // runs[2] logged nothing: its series are empty, not an error.
      for (const range of [{}, { start_step: 300, end_step: 900 }]) {
        const bulk = ok(await s.call('POST', '/api/v1/runs/series', { run_ids: runs, keys: ['loss', 'acc'], buckets: 120, timestamps: true, ...range }));
        expect(bulk.series.map((x: { run_id: string; key: string }) => `${runs.indexOf(x.run_id)}/${x.key}`)).toEqual(['0/loss', '0/acc', '1/loss', '1/acc', '2/loss', '2/acc']);
        for (const one of bulk.series) {
          const single = ok(await s.call('GET', `/api/v1/runs/${one.run_id}/metrics/${one.key}/series`, { buckets: 120, timestamps: true, ...range }));
          expect(one.buckets).toEqual(single.buckets);
        }
        const loss0 = bulk.series[0].buckets;
        expect(loss0.length).toBeGreaterThan(10);
        expect(loss0.length).toBeLessThanOrEqual(120); // bucketed, never the whole history
        expect(loss0.every((b: { timestamp?: number }) => typeof b.timestamp === 'number')).toBe(true);
        expect(bulk.series[4].buckets).toEqual([]);
      }
      const whole = ok(await s.call('POST', '/api/v1/runs/series', { run_ids: [runs[0]], keys: ['loss'], buckets: 100 })).series[0].buckets;
      expect(whole.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(3000);
      expect(whole[0].max).toBe('Infinity');
      expect(whole[0].timestamp).toBeUndefined();
    });

    it('refuses bad input with MLflow error JSON, before reading anything', async () => {
      const s = server();
      const exp = ok(await s.mlflow('POST', '/experiments/create', { name: `bulk-bad-${dialect}` })).experiment_id;
      const run = (await createRun(s, { experiment_id: exp })).info.run_id as string;
      const cases: [Record<string, unknown>, number, string, RegExp][] = [
        [{ keys: ['loss'] }, 400, 'INVALID_PARAMETER_VALUE', /'run_ids'/],
        [{ run_ids: [run] }, 400, 'INVALID_PARAMETER_VALUE', /'keys'/],
        [{ run_ids: [run], keys: ['loss'], buckets: 0 }, 400, 'INVALID_PARAMETER_VALUE', /buckets/],
        [{ run_ids: [run], keys: ['loss'], start_step: 5 }, 400, 'INVALID_PARAMETER_VALUE', /both must be specified/],
        [{ run_ids: [run], keys: ['loss'], start_step: 5, end_step: 2 }, 400, 'INVALID_PARAMETER_VALUE', /greater than or equal/],
        [{ run_ids: Array.from({ length: 201 }, (_, i) => `r${i}`), keys: ['loss'] }, 400, 'INVALID_PARAMETER_VALUE', /at most 200 runs/],
        [{ run_ids: Array.from({ length: 150 }, (_, i) => `r${i}`), keys: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], buckets: 1000 }, 400, 'INVALID_PARAMETER_VALUE', /over the limit/],
        [{ run_ids: [run, 'nope'], keys: ['loss'] }, 404, 'RESOURCE_DOES_NOT_EXIST', /Run not found: nope/],
      ];
      for (const [body, status, code, msg] of cases) {
        const r = await s.call('POST', '/api/v1/runs/series', body);
        expect({ status: r.status, code: r.body.error_code }).toEqual({ status, code });
        expect(r.body.message).toMatch(msg);
      }
    });
  });
}
