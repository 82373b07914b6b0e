import { useMemo, type ReactNode } from 'react';
import { metricOf, paramOf, type Keys, type Run } from '../api/types';
import { cellValue, contourGrid } from '../lib/contour-grid';
import { parsePlotState, plotStatePatch, type PlotState } from '../lib/url-state';
import { useQuery } from '../router';
import { fmtNum } from './common';
import { EChart } from './echart';

const W = 900, H = 440;
const GRID = { left: 80, right: 110, top: 30, bottom: 50 };
const CELLS = 30;

/** A run's numeric value of `params.x` or `metrics.x` (a metric's latest value), or null. */
export function plotValue(run: Run, column: string): number | null {
  const dot = column.indexOf('.');
  const family = column.slice(0, dot);
  const key = column.slice(dot + 1);
  const v = family === 'metrics' ? metricOf(run, key) : Number(paramOf(run, key) ?? NaN);
  return v !== null && Number.isFinite(v) ? v : null;
}

/** Scatter (colored by a third column) and contour (a metric interpolated over two numeric columns) of the loaded runs, with the choice in the URL. */
export function RunPlots({ runs, keys, total }: { runs: Run[]; keys: Keys | undefined; total: string }) {
  const [q, setQ] = useQuery();
  const p = parsePlotState(q);
  const set = (patch: Partial<PlotState>) => setQ(plotStatePatch({ ...p, ...patch }));
  const options = keys ? [...keys.params.map((k) => `params.${k}`), ...keys.metrics.map((k) => `metrics.${k}`)] : [];
  const points = useMemo(() => runs.flatMap((r) => {
    const x = p.x ? plotValue(r, p.x) : null;
    const y = p.y ? plotValue(r, p.y) : null;
    const z = p.z ? plotValue(r, p.z) : null;
    return x === null || y === null || (p.kind === 'contour' && z === null) ? [] : [{ x, y, z, name: r.info.run_name || r.info.run_id.slice(0, 8) }];
  }), [runs, p.x, p.y, p.z, p.kind]);
  const pick = (label: string, value: string, field: 'x' | 'y' | 'z') => (
    <label>{label} <select aria-label={`plot ${field}`} value={value} onChange={(e) => set({ [field]: e.target.value })}>
      <option value="">{field === 'z' && p.kind === 'scatter' ? 'none' : 'choose…'}</option>
      {options.map((o) => <option key={o} value={o}>{o}</option>)}
    </select></label>
  );
  const zs = points.map((t) => t.z).filter((z): z is number => z !== null);
  const visual = zs.length ? { min: Math.min(...zs), max: Math.max(...zs), calculable: true, right: 0, top: 'middle', text: [p.z, ''], inRange: { color: ['#313695', '#4575b4', '#74add1', '#fee090', '#f46d43', '#a50026'] } } : undefined;
  let chart: ReactNode = null;
  if (!p.x || !p.y || (p.kind === 'contour' && !p.z)) chart = <p className="muted">Choose {p.kind === 'contour' ? 'x, y and the metric to contour' : 'x and y'}.</p>;
  else if (!points.length) chart = <p className="muted">No loaded run has numeric values for these columns.</p>;
  else if (p.kind === 'scatter') {
    chart = <EChart label="scatter" height={H} option={{
      animation: false, grid: GRID, tooltip: { formatter: (o: { data: [number, number, number | null, string] }) => `${o.data[3]}<br>${p.x} ${fmtNum(o.data[0])}<br>${p.y} ${fmtNum(o.data[1])}${p.z ? `<br>${p.z} ${fmtNum(o.data[2])}` : ''}` },
      xAxis: { name: p.x, nameLocation: 'middle', nameGap: 28, scale: true }, yAxis: { name: p.y, scale: true },
      ...(visual && p.z ? { visualMap: { ...visual, dimension: 2 } } : {}),
      series: [{ type: 'scatter', symbolSize: 8, data: points.map((t) => [t.x, t.y, t.z, t.name]) }],
    }} />;
  } else {
    const g = contourGrid(points.map((t) => ({ x: t.x, y: t.y, z: t.z! })), CELLS);
    if (!g) chart = <p className="muted">A contour needs at least 3 runs spread over both columns.</p>;
    else {
      // Each grid cell is a square symbol sized to tile the plot area; the runs sit on top.
      const cw = (W - GRID.left - GRID.right) / CELLS + 1;
      const ch = (H - GRID.top - GRID.bottom) / CELLS + 1;
      const cells = g.cells.flatMap((row, j) => row.map((z, i) => [cellValue(g.x, i, CELLS), cellValue(g.y, j, CELLS), z]));
      chart = <EChart label="contour" height={H} option={{
        animation: false, grid: GRID, tooltip: { formatter: (o: { seriesIndex: number; data: (number | string)[] }) => (o.seriesIndex === 1 ? `${o.data[3]}<br>${p.z} ${fmtNum(o.data[2] as number)}` : `${p.z} ≈ ${fmtNum(o.data[2] as number)}`) },
        xAxis: { name: p.x, nameLocation: 'middle', nameGap: 28, type: g.x.log ? 'log' : 'value', min: g.x.min, max: g.x.max },
        yAxis: { name: p.y, type: g.y.log ? 'log' : 'value', min: g.y.min, max: g.y.max },
        visualMap: { ...visual, min: g.zMin, max: g.zMax, dimension: 2, seriesIndex: 0 },
        series: [
          { type: 'scatter', symbol: 'rect', symbolSize: [cw, ch], silent: false, data: cells, itemStyle: { opacity: 0.9 } },
          { type: 'scatter', symbolSize: 7, itemStyle: { color: '#111', borderColor: '#fff', borderWidth: 1 }, data: points.map((t) => [t.x, t.y, t.z, t.name]) },
        ],
      }} />;
    }
  }
  return (
    <div className="plots" data-points={points.length}>
      <div className="toolbar">
        <span className="tabs">
          <button className={p.kind === 'scatter' ? 'on' : ''} onClick={() => set({ kind: 'scatter' })}>Scatter</button>
          <button className={p.kind === 'contour' ? 'on' : ''} onClick={() => set({ kind: 'contour' })}>Contour</button>
        </span>
        {pick('x', p.x, 'x')}{pick('y', p.y, 'y')}{pick(p.kind === 'contour' ? 'contour of' : 'color', p.z, 'z')}
      </div>
      <p className="muted" data-testid="plot-scope">{points.length} of {total} runs plotted (loaded runs with numeric values{p.x.startsWith('metrics.') || p.y.startsWith('metrics.') || p.z.startsWith('metrics.') ? '; metrics at their latest value' : ''}).</p>
      {chart}
    </div>
  );
}
