/**
 * @module Brute-force answers for metric queries, computed from the raw points a test logged, to
 * check the server's summaries and buckets against.
 */

/** One logged point; NaN and ±Infinity as JS numbers. */
export interface Point {
  step: number;
  timestamp: number;
  value: number;
}

/** A double as the API writes it: NaN and ±Infinity as strings. */
export function jsonValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** MLflow's latest point: greatest (step, timestamp, value), NaN below every number (even -Infinity). */
export function latestOf(points: readonly Point[]): Point | undefined {
  const rank = (p: Point) => [p.step, p.timestamp, Number.isNaN(p.value) ? 0 : 1, Number.isNaN(p.value) ? 0 : p.value];
  let best: Point | undefined;
  for (const p of points) {
    if (!best) {
      best = p;
      continue;
    }
    const a = rank(p);
    const b = rank(best);
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        if (a[i]! > b[i]!) best = p;
        break;
      }
    }
  }
  return best;
}

/** Exact duplicates (same step, timestamp and value) collapse into one point, as the server stores them. */
export function dedupe(points: readonly Point[]): Point[] {
  const seen = new Map<string, Point>();
  for (const p of points) seen.set(`${p.step}/${p.timestamp}/${jsonValue(p.value)}`, p);
  return [...seen.values()];
}

/** What a chart bucket holding exactly `points` must say. */
export function bucketOf(points: readonly Point[]): { step: number; last: number | string; min: number | string | null; max: number | string | null; count: number } {
  const finiteOrInf = points.map((p) => p.value).filter((v) => !Number.isNaN(v));
  const last = latestOf(points)!;
  return {
    step: last.step,
    last: jsonValue(last.value),
    min: finiteOrInf.length ? jsonValue(Math.min(...finiteOrInf)) : null,
    max: finiteOrInf.length ? jsonValue(Math.max(...finiteOrInf)) : null,
    count: points.length,
  };
}

/** A small seeded PRNG (mulberry32, shared with the pipeline splits), so a failing case can be replayed. */
export { seededRandom as prng } from '../../src/pipelines/steps/features/split.js';
