import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { bucketOf, dedupe, jsonValue, prng, type Point } from './helpers/metric-oracle.js';
import { createRun, logBatch, ok } from './helpers/tracking-factories.js';
import type { TestServer } from './helpers/server.js';
import { useServer } from './helpers/use-server.js';

/** Random points over steps [0, steps): ~5% NaN, ~1% each ±Infinity, some exact duplicates. */
function randomPoints(seed: number, count: number, steps: number): Point[] {
  const r = prng(seed);
  const points: Point[] = [];
  for (let i = 0; i < count; i++) {
    if (points.length && r() < 0.03) {
      points.push({ ...points[Math.floor(r() * points.length)]! });
      continue;
    }
    const x = r();
    const value = x < 0.05 ? NaN : x < 0.06 ? Infinity : x < 0.07 ? -Infinity : Math.round((r() * 2000 - 1000) * 8) / 8 + 0; // + 0: no -0, which JSON cannot tell from 0
    points.push({ step: Math.floor(r() * steps), timestamp: Math.floor(r() * 20), value });
  }
  return points;
}

async function logPoints(s: TestServer, runId: string, key: string, points: Point[]): Promise<void> {
  const metrics = points.map((p) => ({ key, step: p.step, timestamp: p.timestamp, value: jsonValue(p.value) as number }));
  for (let i = 0; i < metrics.length; i += 1000) await logBatch(s, runId, { metrics: metrics.slice(i, i + 1000) });
}

/**
 * Checks buckets without assuming how the server draws bucket edges: buckets are ordered, each
 * names its last step, so bucket i holds exactly the points with step in (step[i-1], step[i]].
 */
function expectBuckets(buckets: any[], points: Point[], opts: { n: number; start?: number; end?: number }): void {
  const start = opts.start ?? -Infinity;
  const end = opts.end ?? Infinity;
  const inRange = dedupe(points).filter((p) => p.step >= start && p.step <= end);
  expect(buckets.length).toBeGreaterThan(0);
  expect(buckets.length).toBeLessThanOrEqual(opts.n);
  let prev = -Infinity;
  for (const [i, b] of buckets.entries()) {
    expect(b.step).toBeGreaterThan(prev);
    const held = inRange.filter((p) => p.step > prev && p.step <= b.step);
    expect({ bucket: i, ...b }).toEqual({ bucket: i, ...bucketOf(held) });
    prev = b.step;
  }
  expect(inRange.filter((p) => p.step > prev)).toEqual([]);
}

describe.each(DIALECTS)('metric series on %s', (dialect) => {
  const server = useServer(dialect);
  const series = (s: TestServer, runId: string, key: string, q: Record<string, unknown>) =>
    s.call('GET', `/api/v1/runs/${runId}/metrics/${encodeURIComponent(key)}/series?${new URLSearchParams(q as Record<string, string>)}`);

  it('buckets from raw points (buckets narrower than a 256-step block) match a brute-force computation', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const points = randomPoints(1, 3000, 3000);
    await logPoints(s, id, 'loss', points);
    for (const q of [{ n: 50 }, { n: 100, start: 123, end: 2877 }, { n: 7, start: 10, end: 900 }, { n: 3000 }]) {
      const body = ok(await series(s, id, 'loss', { buckets: q.n, ...(q.start !== undefined ? { start_step: q.start, end_step: q.end } : {}) }));
      expect(body).toMatchObject({ run_id: id, key: 'loss' });
      expectBuckets(body.buckets, points, q);
    }
  });

  it('buckets from per-256-step block summaries (a series of more than 256*N steps) match a brute-force computation, also where start/end cut blocks', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const points = randomPoints(2, 4000, 60_000);
    await logPoints(s, id, 'val/loss', points);
    const cases = [
      { n: 20 },
      { n: 1 },
      { n: 10, start: 1000, end: 50_001 },
      { n: 3, start: 257, end: 59_000 },
      // A range inside one block: all edge, no whole block.
      { n: 1, start: 300, end: 700 },
    ];
    for (const q of cases) {
      const body = ok(await series(s, id, 'val/loss', { buckets: q.n, ...(q.start !== undefined ? { start_step: q.start, end_step: q.end } : {}) }));
      expectBuckets(body.buckets, points, q);
    }
  });

  it('answers an empty series for a key never logged, 404 for an unknown run, and 400 for bad bounds', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    expect(ok(await series(s, id, 'nothing', { buckets: 10 })).buckets).toEqual([]);
    const unknown = await series(s, 'f'.repeat(32), 'loss', { buckets: 10 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    for (const q of [{ buckets: 0 }, { buckets: 'x' }, { buckets: 10, start_step: 5 }, { buckets: 10, start_step: 9, end_step: 1 }]) {
      const res = await series(s, id, 'loss', q);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
  });
});
