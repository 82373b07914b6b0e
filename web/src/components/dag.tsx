import { layoutDag } from '../lib/dag-layout';

const W = 150, H = 44, GX = 60, GY = 18;

export interface DagStep { id: string; needs: string[]; status: string; label?: string }

/** A step DAG in SVG: columns by dependency depth, a node's color its state; a click selects a step. */
export function Dag({ steps, selected, onSelect }: { steps: DagStep[]; selected?: string | null; onSelect: (id: string) => void }) {
  const l = layoutDag(steps);
  const pos = new Map(l.nodes.map((n) => [n.id, { x: 10 + n.layer * (W + GX), y: 10 + n.row * (H + GY) }]));
  const byId = new Map(steps.map((s) => [s.id, s]));
  const width = 20 + l.layers * (W + GX) - GX;
  const height = 20 + l.rows * (H + GY) - GY;
  return (
    <svg className="dag" role="img" aria-label="pipeline DAG" width={Math.max(width, 200)} height={Math.max(height, 60)}>
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8a93a6" /></marker></defs>
      {l.edges.map((e) => {
        const a = pos.get(e.from)!, b = pos.get(e.to)!;
        const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
        return <path key={`${e.from}->${e.to}`} d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 2},${y2}`} fill="none" stroke="#8a93a6" markerEnd="url(#arrow)" />;
      })}
      {l.nodes.map((n) => {
        const p = pos.get(n.id)!;
        const s = byId.get(n.id)!;
        return (
          <g key={n.id} className={`dag-node st-${s.status}${selected === n.id ? ' on' : ''}`} data-step={n.id} data-status={s.status} transform={`translate(${p.x},${p.y})`} onClick={() => onSelect(n.id)} role="button" aria-label={`step ${n.id} ${s.status}`}>
            <rect width={W} height={H} rx={6} />
            <text x={10} y={18} className="name">{n.id.length > 20 ? `${n.id.slice(0, 19)}…` : n.id}</text>
            <text x={10} y={35} className="state">{s.label ?? s.status}</text>
          </g>
        );
      })}
    </svg>
  );
}
