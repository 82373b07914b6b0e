import { describe, expect, it } from 'vitest';
import { axisFor, cellValue, contourGrid } from './contour-grid';

describe('contour grid', () => {
  it('interpolates a plane and stays within the data range', () => {
    const pts = [];
    for (let a = 0; a <= 4; a++) for (let b = 0; b <= 4; b++) pts.push({ x: a, y: b * 10, z: a + b });
    const g = contourGrid(pts, 10)!;
    expect(g.cells).toHaveLength(10);
    expect(g.cells[0]).toHaveLength(10);
    expect(g.zMin).toBe(0);
    expect(g.zMax).toBe(8);
    for (const row of g.cells) for (const c of row) expect(c).toBeGreaterThanOrEqual(0), expect(c).toBeLessThanOrEqual(8);
    // Low x and y in the first cell, high in the last: the surface rises along both axes.
    expect(g.cells[0]![0]!).toBeLessThan(2);
    expect(g.cells[9]![9]!).toBeGreaterThan(6);
    expect(g.cells[0]![9]!).toBeGreaterThan(g.cells[0]![0]!);
  });

  it('uses a log axis for a column spanning decades, and refuses degenerate input', () => {
    expect(axisFor([1e-4, 1e-3, 1e-1]).log).toBe(true);
    expect(axisFor([1, 5, 20]).log).toBe(false);
    expect(axisFor([-1, 1000]).log).toBe(false);
    expect(cellValue({ min: 1e-4, max: 1, log: true }, 0, 4)).toBeCloseTo(10 ** -3.5);
    expect(contourGrid([{ x: 1, y: 1, z: 1 }, { x: 2, y: 2, z: 2 }])).toBeNull();
    expect(contourGrid([{ x: 1, y: 1, z: 1 }, { x: 1, y: 2, z: 2 }, { x: 1, y: 3, z: 3 }])).toBeNull();
  });
});
