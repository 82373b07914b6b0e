/**
 * Time-weighted EMA (the default smoothing of W&B): each point's weight decays with the x
 * distance from the previous point, as a fraction of the visible x range, so unevenly spaced
 * points (bucketed series, wall-clock axes) smooth the same as evenly spaced ones. Debiased, so
 * the first points are not pulled toward zero. `weight` in [0, 1): 0 is the raw series. A null
 * or non-finite value is a gap: it is kept as null and does not feed the average.
 */
export function twema(xs: ArrayLike<number>, ys: ArrayLike<number | null>, weight: number): (number | null)[] {
  const out: (number | null)[] = new Array(ys.length).fill(null);
  if (weight <= 0) {
    for (let i = 0; i < ys.length; i++) out[i] = ys[i] ?? null;
    return out;
  }
  const w = Math.min(weight, 0.999);
  let first = -1;
  let last = -1;
  for (let i = 0; i < ys.length; i++) if (ys[i] !== null && Number.isFinite(ys[i])) (first < 0 && (first = i), (last = i));
  if (first < 0) return out;
  const range = xs[last]! - xs[first]! || 1;
  // Scale: 1000 steps of x across the range, so `weight` means what a classic EMA's would over
  // 1000 evenly spaced points.
  const SCALE = 1000;
  let acc = 0;
  let norm = 0;
  let prevX = xs[first]!;
  for (let i = first; i <= last; i++) {
    const y = ys[i];
    if (y === null || y === undefined || !Number.isFinite(y)) continue;
    const decay = Math.pow(w, ((xs[i]! - prevX) / range) * SCALE);
    acc = acc * decay + (1 - w) * y;
    norm = norm * decay + (1 - w);
    out[i] = acc / norm;
    prevX = xs[i]!;
  }
  return out;
}
