import { describe, expect, it } from 'vitest';
import { layoutDag } from './dag-layout';

describe('DAG layout', () => {
  it('puts each step one column right of its deepest need, rows in order', () => {
    const l = layoutDag([
      { id: 'load', needs: [] },
      { id: 'features', needs: ['load'] },
      { id: 'stats', needs: ['load'] },
      { id: 'train', needs: ['features', 'load'] },
      { id: 'report', needs: ['train', 'stats'] },
    ]);
    const at = Object.fromEntries(l.nodes.map((n) => [n.id, [n.layer, n.row]]));
    expect(at).toEqual({ load: [0, 0], features: [1, 0], stats: [1, 1], train: [2, 0], report: [3, 0] });
    expect(l.layers).toBe(4);
    expect(l.rows).toBe(2);
    expect(l.edges).toContainEqual({ from: 'stats', to: 'report' });
    expect(l.edges).toHaveLength(6);
  });

  it('drops edges to unknown steps and survives a cycle', () => {
    const l = layoutDag([{ id: 'a', needs: ['ghost', 'b'] }, { id: 'b', needs: ['a'] }]);
    expect(l.edges.every((e) => e.from !== 'ghost')).toBe(true);
    expect(l.nodes).toHaveLength(2);
  });
});
