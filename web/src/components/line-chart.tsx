import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fetchSeries } from '../api/series';
import type { Run } from '../api/types';
import { alignSeries, bucketCount, place, toRunSeries, zoomStepRange, type RunSeries } from '../lib/series';
import { twema } from '../lib/smoothing';
import type { ChartSettings } from '../lib/url-state';

/** A run's color is its identity, assigned once from its id. */
export function runColor(runId: string, alpha = 1): string {
  let h = 0;
  for (let i = 0; i < runId.length; i++) h = (h * 31 + runId.charCodeAt(i)) >>> 0;
  return `hsla(${h % 360}, 70%, 45%, ${alpha})`;
}

const SYNC_KEY = 'trainyard-charts';

interface Props {
  metric: string;
  runs: Run[];
  settings: ChartSettings;
  onZoom: (zoom: [number, number] | null) => void;
  width?: number;
}

/**
 * One metric's line chart over several runs from bucketed series: last value per bucket, a
 * min/max band, TWEMA smoothing with the raw line faint, one crosshair shared by every chart.
 * Fetches only once the chart scrolls into view, and again (re-bucketed) on zoom.
 */
export function LineChart({ metric, runs, settings, onZoom, width = 480 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [visible, setVisible] = useState(false);
  const [series, setSeries] = useState<Map<string, RunSeries> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;

  useEffect(() => {
    const io = new IntersectionObserver((e) => e.some((x) => x.isIntersecting) && setVisible(true), { rootMargin: '200px' });
    if (box.current) io.observe(box.current);
    return () => io.disconnect();
  }, []);

  const runKey = runs.map((r) => r.info.run_id).join(',');
  const zoomKey = settings.zoom?.join(',') ?? '';
  useEffect(() => {
    if (!visible) return;
    let cancelled = false;
    const buckets = bucketCount(width - 60, runs.length);
    const range = settings.zoom ? { startStep: Math.floor(settings.zoom[0]), endStep: Math.ceil(settings.zoom[1]) } : {};
    fetchSeries(runs.map((r) => r.info.run_id), metric, { buckets, ...range })
      .then((got) => new Map(runs.map((r) => [r.info.run_id, toRunSeries(got.get(r.info.run_id) ?? [], settings.x, r.info.start_time)] as const)))
      .then((m) => !cancelled && setSeries(m), (e) => !cancelled && setError(String(e.message ?? e)));
    return () => {
      cancelled = true;
    };
  }, [visible, runKey, metric, settings.x, zoomKey, width]);

  useEffect(() => {
    if (!series || !box.current) return;
    const t0 = performance.now();
    const ids = runs.map((r) => r.info.run_id).filter((id) => series.has(id));
    // A log axis has no place for values <= 0: they become gaps, not a smear to the bottom.
    const pos = (v: (number | null)[]) => (settings.logY ? v.map((x) => (x !== null && x > 0 ? x : null)) : v);
    const { xs, index } = alignSeries(ids.map((id) => series.get(id)!.xs));
    const data: (number | null)[][] = [xs];
    const opts: uPlot.Series[] = [{}];
    const bands: uPlot.Band[] = [];
    const name = (id: string) => runs.find((r) => r.info.run_id === id)?.info.run_name ?? id.slice(0, 8);
    for (const id of ids) {
      const s = series.get(id)!;
      const smooth = settings.smoothing > 0;
      const maxIdx = data.length;
      data.push(pos(place(xs, index, s.xs, s.max)), pos(place(xs, index, s.xs, s.min)));
      opts.push({ label: `${name(id)} max`, stroke: 'transparent', points: { show: false }, spanGaps: true }, { label: `${name(id)} min`, stroke: 'transparent', points: { show: false }, spanGaps: true });
      bands.push({ series: [maxIdx, maxIdx + 1], fill: runColor(id, 0.08) });
      const raw = pos(place(xs, index, s.xs, s.last));
      data.push(raw);
      opts.push({ label: smooth ? `${name(id)} raw` : name(id), stroke: runColor(id, smooth ? 0.25 : 1), width: 1, points: { show: false }, spanGaps: true });
      if (smooth) {
        data.push(twema(xs, raw, settings.smoothing));
        opts.push({ label: name(id), stroke: runColor(id), width: 1.5, points: { show: false }, spanGaps: true });
      }
    }
    plot.current?.destroy();
    const u = new uPlot(
      {
        width,
        height: 220,
        title: metric,
        series: opts,
        bands,
        legend: { show: false },
        scales: { x: { time: settings.x === 'wall' }, y: settings.logY ? { distr: 3 } : {} },
        axes: [{ label: settings.x === 'step' ? 'step' : settings.x === 'wall' ? '' : 'seconds' }, {}],
        cursor: { sync: { key: SYNC_KEY }, drag: { x: true, y: false } },
        hooks: {
          setSelect: [(u) => {
            if (u.select.width < 3) return;
            const lo = u.posToVal(u.select.left, 'x');
            const hi = u.posToVal(u.select.left + u.select.width, 'x');
            const allSteps = ids.flatMap((id) => series.get(id)!.steps);
            const allX = ids.flatMap((id) => series.get(id)!.xs);
            const order = allX.map((_, i) => i).sort((a, b) => allX[a]! - allX[b]!);
            const r = zoomStepRange(order.map((i) => allX[i]!), order.map((i) => allSteps[i]!), lo, hi);
            if (r) zoomRef.current([r.start, r.end]);
          }],
        },
      },
      data as uPlot.AlignedData,
      box.current,
    );
    u.root.dataset.series = String(ids.length);
    // For the browser benchmark: how long building the columns and drawing took, and how many draws.
    const chart = box.current.parentElement!;
    chart.dataset.renderMs = (performance.now() - t0).toFixed(1);
    chart.dataset.renders = String(Number(chart.dataset.renders ?? 0) + 1);
    u.root.addEventListener('dblclick', () => zoomRef.current(null));
    plot.current = u;
    return () => {
      u.destroy();
      plot.current = null;
    };
  }, [series, settings.smoothing, settings.logY]);

  return (
    <div className="chart" data-metric={metric} data-runs={series ? series.size : 0} style={{ width, minHeight: 250 }}>
      <div ref={box} />
      {!series && !error && <div className="muted">{visible ? 'loading…' : ''}</div>}
      {error && <div className="error">{error}</div>}
    </div>
  );
}
