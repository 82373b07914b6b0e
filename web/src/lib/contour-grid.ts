/**
 * @module A contour of a metric over two numeric columns: the scattered runs interpolated onto
 * a regular grid (inverse-distance weighting in axis-normalised space, so a learning rate and a
 * batch size weigh alike), on a log axis when a positive column spans two decades or more.
 */
export interface Axis { min: number; max: number; log: boolean }
export interface ContourGrid { x: Axis; y: Axis; size: number; /** cells[j][i]: row j (y), column i (x) */ cells: number[][]; zMin: number; zMax: number }

export function axisFor(values: number[]): Axis {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { min, max, log: min > 0 && max / min >= 100 };
}

const norm = (a: Axis, v: number) => {
  const lo = a.log ? Math.log10(a.min) : a.min;
  const hi = a.log ? Math.log10(a.max) : a.max;
  return hi === lo ? 0.5 : ((a.log ? Math.log10(v) : v) - lo) / (hi - lo);
};

/** The grid's cell centre i of `size` on an axis, in data units. */
export function cellValue(a: Axis, i: number, size: number): number {
  const t = (i + 0.5) / size;
  return a.log ? 10 ** (Math.log10(a.min) + t * (Math.log10(a.max) - Math.log10(a.min))) : a.min + t * (a.max - a.min);
}

export function contourGrid(points: { x: number; y: number; z: number }[], size = 30, power = 2): ContourGrid | null {
  const pts = points.filter((p) => [p.x, p.y, p.z].every(Number.isFinite));
  if (pts.length < 3) return null;
  const x = axisFor(pts.map((p) => p.x));
  const y = axisFor(pts.map((p) => p.y));
  if (x.min === x.max || y.min === y.max) return null;
  const np = pts.map((p) => ({ u: norm(x, p.x), v: norm(y, p.y), z: p.z }));
  const cells: number[][] = [];
  for (let j = 0; j < size; j++) {
    const row: number[] = [];
    const v = (j + 0.5) / size;
    for (let i = 0; i < size; i++) {
      const u = (i + 0.5) / size;
      let num = 0;
      let den = 0;
      let exact: number | null = null;
      for (const p of np) {
        const d2 = (p.u - u) ** 2 + (p.v - v) ** 2;
        if (d2 < 1e-12) { exact = p.z; break; }
        const w = 1 / d2 ** (power / 2);
        num += w * p.z;
        den += w;
      }
      row.push(exact ?? num / den);
    }
    cells.push(row);
  }
  const zs = pts.map((p) => p.z);
  return { x, y, size, cells, zMin: Math.min(...zs), zMax: Math.max(...zs) };
}
