import { describe, expect, it } from 'vitest';
import { alignSeries, bucketCount, place, toRunSeries, zoomStepRange } from './series';

describe('bucketing and zoom', () => {
  it('asks for about one bucket per pixel, within the server limits', () => {
    expect(bucketCount(420)).toBe(420);
    expect(bucketCount(2)).toBe(10);
    expect(bucketCount(50_000)).toBe(10_000);
    // Many runs share the chart's point budget (15 per pixel), never under 50 buckets each.
    expect(bucketCount(420, 3)).toBe(420);
    expect(bucketCount(420, 10)).toBe(420);
    expect(bucketCount(420, 100)).toBe(63);
    expect(bucketCount(420, 1000)).toBe(50);
  });
  it('maps a zoom on the x axis to the step range to re-bucket', () => {
    const steps = [0, 100, 200, 300, 400];
    expect(zoomStepRange(steps, steps, 150, 320)).toEqual({ start: 100, end: 400 });
    const wall = [10, 20, 30, 40, 50]; // seconds on a time axis map back to steps
    expect(zoomStepRange(wall, steps, 25, 35)).toEqual({ start: 100, end: 300 });
    expect(zoomStepRange(steps, steps, -10, 500)).toBeNull(); // covers everything: nothing to fetch
  });
  it('puts runs on one x array with nulls where a run has no point', () => {
    const { xs, index } = alignSeries([[0, 2, 4], [0, 1, 4]]);
    expect(xs).toEqual([0, 1, 2, 4]);
    expect(place(xs, index, [0, 1, 4], [5, 6, 7])).toEqual([5, 6, null, 7]);
  });
  it('reads proto doubles and puts buckets on step, wall or relative time', () => {
    const b = [{ step: 3, timestamp: 5000, last: 'NaN', min: '-Infinity', max: 2, count: 4 }];
    expect(toRunSeries(b, 'step', 1000)).toEqual({ xs: [3], steps: [3], last: [null], min: [-Infinity], max: [2] });
    expect(toRunSeries(b, 'relative', 1000).xs).toEqual([4]);
    expect(toRunSeries(b, 'wall', 1000).xs).toEqual([5]);
  });
});
