import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import {
  createExperiment, createRun, fullHistory, getRun, logBatch, makeMetric, metricOf, ok, PREFIXES, searchAllRuns, type MetricInput,
} from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

/** Logs any number of metrics, 1000 per log-batch (MLflow's limit). */
async function logMany(s: Parameters<typeof logBatch>[0], runId: string, metrics: MetricInput[]): Promise<void> {
  for (let i = 0; i < metrics.length; i += 1000) await logBatch(s, runId, { metrics: metrics.slice(i, i + 1000) });
}

describe.each(DIALECTS)('metrics API on %s', (dialect) => {
  const server = useServer(dialect);

  describe.each(PREFIXES)('under %s', (prefix) => {
    it('appends history, collapsing exact duplicates only', async () => {
      const s = server();
      const id = (await createRun(s)).info.run_id;
      const log = (body: Record<string, unknown>) => s.call('POST', `${prefix}/runs/log-metric`, { run_id: id, key: 'loss', ...body });
      ok(await log({ value: 1, timestamp: 10, step: 0 }));
      ok(await log({ value: 1, timestamp: 10, step: 0 })); // exact duplicate: collapses
      ok(await log({ value: 1, timestamp: 11, step: 0 })); // new timestamp: a new point
      ok(await log({ value: 2, timestamp: 10, step: 0 })); // new value: a new point
      ok(await log({ value: 1, timestamp: 10, step: 1 })); // new step: a new point
      const history = ok(await s.call('GET', `${prefix}/metrics/get-history`, { run_id: id, metric_key: 'loss' }));
      expect(history.next_page_token).toBeUndefined();
      expect(history.metrics).toHaveLength(4);
      expect(new Set(history.metrics.map((m: any) => `${m.step}/${m.timestamp}/${m.value}`))).toEqual(new Set(['0/10/1', '0/11/1', '0/10/2', '1/10/1']));
      expect(history.metrics.every((m: any) => m.key === 'loss')).toBe(true);
    });
  });

  it('shows the latest point by (step, timestamp, value), whatever order the points arrive in', async () => {
    const s = server();
    const cases: { name: string; points: [number | string, number, number][]; latest: [number | string, number, number] }[] = [
      { name: 'higher step wins over later timestamp', points: [[1, 100, 5], [2, 999, 3]], latest: [1, 100, 5] },
      { name: 'same step: later timestamp wins', points: [[1, 100, 5], [2, 101, 5]], latest: [2, 101, 5] },
      { name: 'same step and timestamp: larger value wins', points: [[7, 100, 5], [3, 100, 5]], latest: [7, 100, 5] },
      { name: 'NaN loses a tie on value', points: [['NaN', 100, 5], [-1, 100, 5]], latest: [-1, 100, 5] },
      { name: 'NaN loses a tie even to -Infinity', points: [['NaN', 100, 5], ['-Infinity', 100, 5]], latest: ['-Infinity', 100, 5] },
      { name: 'Infinity wins a tie', points: [['Infinity', 100, 5], [1e300, 100, 5]], latest: ['Infinity', 100, 5] },
      { name: 'a NaN at a higher step is the latest', points: [[1, 100, 5], ['NaN', 1, 6]], latest: ['NaN', 1, 6] },
    ];
    for (const c of cases) {
      for (const order of [c.points, [...c.points].reverse()]) {
        const id = (await createRun(s)).info.run_id;
        for (const [value, timestamp, step] of order) ok(await s.mlflow('POST', '/runs/log-metric', { run_id: id, key: 'm', value, timestamp, step }));
        const [value, timestamp, step] = c.latest;
        expect({ case: c.name, metric: metricOf(await getRun(s, id), 'm') }).toEqual({ case: c.name, metric: { key: 'm', value, timestamp, step } });
      }
    }
  });

  it('stores NaN and ±Infinity and returns them as "NaN", "Infinity", "-Infinity" everywhere', async () => {
    const s = server();
    const exp = await createExperiment(s);
    const id = (await createRun(s, { experiment_id: exp })).info.run_id;
    await logBatch(s, id, {
      metrics: [
        makeMetric({ key: 'nan', value: 'NaN' }),
        makeMetric({ key: 'inf', value: 'Infinity' }),
        makeMetric({ key: 'ninf', value: '-Infinity' }),
        makeMetric({ key: 'big', value: 1.7976931348623157e308 }),
      ],
    });
    const expected = { nan: 'NaN', inf: 'Infinity', ninf: '-Infinity', big: 1.7976931348623157e308 };
    const run = await getRun(s, id);
    for (const [key, value] of Object.entries(expected)) {
      expect(metricOf(run, key).value).toEqual(value);
      const history = ok(await s.mlflow('GET', '/metrics/get-history', { run_id: id, metric_key: key }));
      expect(history.metrics.map((m: any) => m.value)).toEqual([value]);
      const bulk = ok(await s.call('GET', '/ajax-api/2.0/mlflow/metrics/get-history-bulk', { run_id: id, metric_key: key }));
      expect(bulk.metrics.map((m: any) => m.value)).toEqual([value]);
      const interval = ok(await s.mlflow('GET', '/metrics/get-history-bulk-interval', { run_ids: id, metric_key: key }));
      expect(interval.metrics.map((m: any) => m.value)).toEqual([value]);
    }
    const [found] = await searchAllRuns(s, { experiment_ids: [exp] });
    expect(Object.fromEntries(found.data.metrics.map((m: any) => [m.key, m.value]))).toEqual(expected);
  });

  it('get-history without max_results returns everything, and past 25,000 points the token advances (MLflow #23916)', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const total = 25_005;
    await logMany(s, id, Array.from({ length: total }, (_, i) => makeMetric({ key: 'long', value: i, step: i, timestamp: 1000 + i })));
    const first = ok(await s.mlflow('GET', '/metrics/get-history', { run_id: id, metric_key: 'long' }));
    expect(first.metrics).toHaveLength(25_000);
    expect(first.next_page_token).toEqual(expect.any(String));
    const second = ok(await s.mlflow('GET', '/metrics/get-history', { run_id: id, metric_key: 'long', page_token: first.next_page_token }));
    expect(second.metrics.map((m: any) => m.step)).toEqual([25_000, 25_001, 25_002, 25_003, 25_004]);
    expect(second.next_page_token).toBeUndefined();

    const small = ok(await s.mlflow('GET', '/metrics/get-history', { run_id: id, metric_key: 'long', max_results: 10 }));
    expect(small.metrics).toHaveLength(10);
  });

  it('pages through history exactly once per point, also across ties and NaN/±Infinity values at page ends', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const values: MetricInput['value'][] = ['NaN', 'Infinity', '-Infinity', -2, 0, 3.5];
    const points: MetricInput[] = [];
    for (let step = 0; step < 6; step++) {
      for (const timestamp of [5, 6]) for (const value of values) points.push(makeMetric({ key: 'tie', step, timestamp, value }));
    }
    await logBatch(s, id, { metrics: points });
    const all = await fullHistory(s, id, 'tie');
    expect(all).toHaveLength(points.length);
    for (const pageSize of [1, 2, 5, 7]) {
      const paged = await fullHistory(s, id, 'tie', pageSize);
      expect({ pageSize, paged }).toEqual({ pageSize, paged: all });
    }
  });

  it('get-history of a key the run never logged is empty; a token from another run is refused', async () => {
    const s = server();
    const a = (await createRun(s)).info.run_id;
    const b = (await createRun(s)).info.run_id;
    await logBatch(s, a, { metrics: [0, 1, 2].map((step) => makeMetric({ step })) });
    expect(ok(await s.mlflow('GET', '/metrics/get-history', { run_id: a, metric_key: 'absent' }))).toEqual({ metrics: [] });
    const page = ok(await s.mlflow('GET', '/metrics/get-history', { run_id: a, metric_key: 'loss', max_results: 1 }));
    const reused = await s.mlflow('GET', '/metrics/get-history', { run_id: b, metric_key: 'loss', page_token: page.next_page_token });
    expect(reused.status).toBe(400);
    expect(reused.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('get-history-bulk (ajax only) returns each run\'s points with their run_id', async () => {
    const s = server();
    const a = (await createRun(s)).info.run_id;
    const b = (await createRun(s)).info.run_id;
    await logBatch(s, a, { metrics: [0, 1, 2].map((step) => makeMetric({ step, value: step })) });
    await logBatch(s, b, { metrics: [5].map((step) => makeMetric({ step, value: -step })) });
    const body = ok(await s.call('GET', '/ajax-api/2.0/mlflow/metrics/get-history-bulk', { run_id: [a, b], metric_key: 'loss' }));
    const got = body.metrics.map((m: any) => [m.run_id, m.key, m.step, m.value]).sort();
    expect(got).toEqual([[a, 'loss', 0, 0], [a, 'loss', 1, 1], [a, 'loss', 2, 2], [b, 'loss', 5, -5]].sort());
    const limited = ok(await s.call('GET', '/ajax-api/2.0/mlflow/metrics/get-history-bulk', { run_id: [a, b], metric_key: 'loss', max_results: 2 }));
    expect(limited.metrics).toHaveLength(2);
    expect((await s.call('GET', '/api/2.0/mlflow/metrics/get-history-bulk', { run_id: a, metric_key: 'loss' })).status).toBe(404);
  });

  describe('get-history-bulk-interval', () => {
    /** Points at steps 0..count-1 (two points at every 10th step), values = step. */
    const densePoints = (count: number) =>
      Array.from({ length: count }, (_, step) => makeMetric({ key: 'acc', step, value: step, timestamp: 1 })).concat(
        Array.from({ length: Math.ceil(count / 10) }, (_, i) => makeMetric({ key: 'acc', step: i * 10, value: -i, timestamp: 2 })),
      );

    const stepsOf = (metrics: any[], runId: string) => [...new Set(metrics.filter((m) => m.run_id === runId).map((m) => m.step as number))];

    it.each(PREFIXES)('samples at most max_results steps per run, keeping the first and the last (%s)', async (prefix) => {
      const s = server();
      const a = (await createRun(s)).info.run_id;
      const b = (await createRun(s)).info.run_id;
      await logMany(s, a, densePoints(1000));
      await logMany(s, b, densePoints(37));
      const history = await fullHistory(s, a, 'acc');
      for (const maxResults of [2, 3, 10, 100, 999]) {
        const body = ok(await s.call('GET', `${prefix}/metrics/get-history-bulk-interval`, { run_ids: [a, b], metric_key: 'acc', max_results: maxResults }));
        const steps = stepsOf(body.metrics, a);
        expect(steps.length).toBeLessThanOrEqual(maxResults);
        expect(steps.length).toBeGreaterThanOrEqual(Math.min(maxResults, 2));
        expect(steps).toContain(0);
        expect(steps).toContain(999);
        // Every point at a sampled step comes back, in (step, timestamp) order.
        const expected = history.filter((m) => steps.includes(m.step)).map((m) => ({ ...m, run_id: a }));
        expect(body.metrics.filter((m: any) => m.run_id === a)).toEqual(expected);
        // A run with fewer steps than max_results comes back whole (capped for tiny limits).
        if (maxResults >= 37) expect(stepsOf(body.metrics, b)).toHaveLength(37);
      }
    });

    it('returns every step when the range holds no more than max_results of them, however they are spaced', async () => {
      const s = server();
      const id = (await createRun(s)).info.run_id;
      const steps = [0, 1, 2, 3, 50, 51, 52, 400, 401, 977, 978, 979, 980, 5000];
      await logBatch(s, id, { metrics: steps.map((step) => makeMetric({ step, value: step })) });
      const body = ok(await s.mlflow('GET', '/metrics/get-history-bulk-interval', { run_ids: id, metric_key: 'loss', max_results: steps.length }));
      expect(body.metrics.map((m: any) => m.step)).toEqual(steps);
    });

    it('honours start_step and end_step, which come together or not at all', async () => {
      const s = server();
      const id = (await createRun(s)).info.run_id;
      await logMany(s, id, densePoints(1000));
      const body = ok(await s.mlflow('GET', '/metrics/get-history-bulk-interval', { run_ids: id, metric_key: 'acc', max_results: 7, start_step: 100, end_step: 450 }));
      const steps = stepsOf(body.metrics, id);
      expect(steps.length).toBeLessThanOrEqual(7);
      expect(Math.min(...steps)).toBe(100);
      expect(Math.max(...steps)).toBe(450);
      for (const only of [{ start_step: 1 }, { end_step: 5 }]) {
        const res = await s.mlflow('GET', '/metrics/get-history-bulk-interval', { run_ids: id, metric_key: 'acc', ...only });
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/start_step/);
      }
    });
  });
});
