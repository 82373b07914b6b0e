import { num, type Bucket } from '../api/types';

export type XAxis = 'step' | 'wall' | 'relative';

/** Points a chart draws across all its runs, per pixel of plot width. */
export const POINTS_PER_PIXEL = 15;

/**
 * Buckets to ask per run: about one per pixel of plot width (W&B's full fidelity) for a few runs,
 * and, as W&B does, fewer as runs grow, so a chart draws about POINTS_PER_PIXEL points per pixel
 * column in all (100 overlapping lines of one point per pixel show no more than 15 each), never
 * under 50 per run; within the server's 1..10000. Fewer buckets also lets the server answer long
 * series from its 256-step block summaries instead of scanning raw points (at 100 runs x 20,000
 * steps: ~0.1 s instead of ~4 s on this machine). Zooming re-buckets the visible range.
 */
export function bucketCount(plotWidthPx: number, runs = 1): number {
  const perPixel = Math.round(plotWidthPx);
  const budget = Math.floor((POINTS_PER_PIXEL * plotWidthPx) / Math.max(1, runs));
  return Math.max(10, Math.min(10_000, perPixel, Math.max(50, budget)));
}

/**
 * The step range to ask the server for after a zoom to [lo, hi] on the x axis: on a time axis
 * the x values map back to steps through the loaded buckets (x and steps both ascend). Null
 * when the zoom covers everything loaded (no new request needed).
 */
export function zoomStepRange(xs: number[], steps: number[], lo: number, hi: number): { start: number; end: number } | null {
  if (!xs.length) return null;
  let i = 0;
  while (i < xs.length - 1 && xs[i + 1]! <= lo) i++;
  let j = xs.length - 1;
  while (j > 0 && xs[j - 1]! >= hi) j--;
  if (i === 0 && j === xs.length - 1 && lo <= xs[0]! && hi >= xs[xs.length - 1]!) return null;
  return { start: Math.floor(steps[i]!), end: Math.ceil(steps[j]!) };
}

/** One run's series as chart columns on the chosen x axis. */
export interface RunSeries {
  xs: number[];
  steps: number[];
  last: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
}

export function toRunSeries(buckets: Bucket[], axis: XAxis, startTime: number): RunSeries {
  const s: RunSeries = { xs: [], steps: [], last: [], min: [], max: [] };
  for (const b of buckets) {
    const t = b.timestamp ?? 0;
    s.xs.push(axis === 'step' ? b.step : axis === 'wall' ? t / 1000 : (t - startTime) / 1000);
    s.steps.push(b.step);
    const v = num(b.last);
    s.last.push(v !== null && Number.isFinite(v) ? v : null);
    s.min.push(num(b.min));
    s.max.push(num(b.max));
  }
  return s;
}

/**
 * Several runs on one shared x array (uPlot's data layout): the union of their x values, with
 * null where a run has no point (drawn as a spanned gap). Bucketed runs with the same steps share
 * x values, so 100 runs of 1000 buckets stay ~1000 columns wide.
 */
export function alignSeries(list: number[][]): { xs: number[]; index: Map<number, number> } {
  const set = new Set<number>();
  for (const xs of list) for (const x of xs) set.add(x);
  const xs = [...set].sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  return { xs, index };
}

export function place(xs: number[], index: Map<number, number>, srcX: number[], values: (number | null)[]): (number | null)[] {
  const out: (number | null)[] = new Array(xs.length).fill(null);
  for (let i = 0; i < srcX.length; i++) out[index.get(srcX[i]!)!] = values[i]!;
  return out;
}
