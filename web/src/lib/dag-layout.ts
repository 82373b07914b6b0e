/** @module A layered layout for a small DAG (pipeline steps): a node's column is its longest path from a root. */

export interface DagNode { id: string; needs: string[] }
export interface PlacedNode { id: string; layer: number; row: number }
export interface DagLayout { nodes: PlacedNode[]; edges: { from: string; to: string }[]; layers: number; rows: number }

/**
 * Columns by longest path (so every edge points right), rows in input order inside a column.
 * Edges to unknown steps are dropped; a cycle (never valid in a stored spec) ends on the first revisit.
 */
export function layoutDag(input: DagNode[]): DagLayout {
  const byId = new Map(input.map((n) => [n.id, n]));
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const needs = byId.get(id)!.needs.filter((n) => byId.has(n));
    const d = needs.length ? 1 + Math.max(...needs.map(depth)) : 0;
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  const rowsPerLayer: number[] = [];
  const nodes = input.map((n) => {
    const l = depth(n.id);
    const row = rowsPerLayer[l] ?? 0;
    rowsPerLayer[l] = row + 1;
    return { id: n.id, layer: l, row };
  });
  const edges = input.flatMap((n) => n.needs.filter((x) => byId.has(x)).map((from) => ({ from, to: n.id })));
  return { nodes, edges, layers: rowsPerLayer.length, rows: Math.max(0, ...rowsPerLayer.map((r) => r ?? 0)) };
}
