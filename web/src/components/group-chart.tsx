import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fetchSeries } from '../api/series';
import type { Run } from '../api/types';
import { groupLine, type GroupLine } from '../lib/group-series';
import { alignSeries, bucketCount, place, toRunSeries, zoomStepRange } from '../lib/series';
import { twema } from '../lib/smoothing';
import type { ChartSettings } from '../lib/url-state';
import { runColor } from './line-chart';

export interface RunGroup { name: string; runs: Run[] }

const SYNC_KEY = 'trainyard-charts';

/**
 * One metric with a line per group of runs (grouped by a param or tag): the mean of its runs'
 * bucketed series with a min/max or ±1 std band, all runs' series in one request. Like LineChart
 * it fetches once in view and again, re-bucketed, on zoom.
 */
export function GroupChart({ metric, groups, settings, onZoom, width = 480 }: { metric: string; groups: RunGroup[]; settings: ChartSettings; onZoom: (z: [number, number] | null) => void; width?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  const [lines, setLines] = useState<{ name: string; line: GroupLine; steps: number[]; xs: number[] }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;
  useEffect(() => {
    const io = new IntersectionObserver((e) => e.some((x) => x.isIntersecting) && setVisible(true), { rootMargin: '200px' });
    if (box.current) io.observe(box.current);
    return () => io.disconnect();
  }, []);

  const key = groups.map((g) => `${g.name}:${g.runs.map((r) => r.info.run_id).join(',')}`).join('|');
  const zoomKey = settings.zoom?.join(',') ?? '';
  useEffect(() => {
    if (!visible) return;
    let cancelled = false;
    const range = settings.zoom ? { startStep: Math.floor(settings.zoom[0]), endStep: Math.ceil(settings.zoom[1]) } : {};
    const all = groups.flatMap((g) => g.runs);
    fetchSeries(all.map((r) => r.info.run_id), metric, { buckets: bucketCount(width - 60, all.length), ...range }).then((got) => {
      if (cancelled) return;
      setLines(groups.map((g) => {
        const series = g.runs.map((r) => toRunSeries(got.get(r.info.run_id) ?? [], settings.x, r.info.start_time)).filter((s) => s.xs.length);
        // Steps behind each x, for mapping a zoom on a time axis back to a step range.
        return { name: g.name, line: groupLine(series.map((s) => ({ xs: s.xs, ys: s.last })), settings.band), xs: series.flatMap((s) => s.xs), steps: series.flatMap((s) => s.steps) };
      }).filter((l) => l.line.xs.length));
    }, (e) => !cancelled && setError(String(e.message ?? e)));
    return () => {
      cancelled = true;
    };
  }, [visible, key, metric, settings.x, settings.band, zoomKey, width]);

  useEffect(() => {
    if (!lines || !box.current) return;
    const pos = (v: (number | null)[]) => (settings.logY ? v.map((x) => (x !== null && x > 0 ? x : null)) : v);
    const { xs, index } = alignSeries(lines.map((l) => l.line.xs));
    const data: (number | null)[][] = [xs];
    const opts: uPlot.Series[] = [{}];
    const bands: uPlot.Band[] = [];
    for (const { name, line } of lines) {
      const hi = data.length;
      data.push(pos(place(xs, index, line.xs, line.hi)), pos(place(xs, index, line.xs, line.lo)));
      opts.push({ label: `${name} hi`, stroke: 'transparent', points: { show: false }, spanGaps: true }, { label: `${name} lo`, stroke: 'transparent', points: { show: false }, spanGaps: true });
      bands.push({ series: [hi, hi + 1], fill: runColor(name, 0.15) });
      const mean = pos(place(xs, index, line.xs, line.mean));
      const smooth = settings.smoothing > 0;
      data.push(mean);
      opts.push({ label: smooth ? `${name} raw` : name, stroke: runColor(name, smooth ? 0.3 : 1), width: smooth ? 1 : 2, points: { show: false }, spanGaps: true });
      if (smooth) {
        data.push(twema(xs, mean, settings.smoothing));
        opts.push({ label: name, stroke: runColor(name), width: 2, points: { show: false }, spanGaps: true });
      }
    }
    const u = new uPlot({
      width, height: 220, title: metric, series: opts, bands, legend: { show: false },
      scales: { x: { time: settings.x === 'wall' }, y: settings.logY ? { distr: 3 } : {} },
      axes: [{ label: settings.x === 'step' ? 'step' : settings.x === 'wall' ? '' : 'seconds' }, {}],
      cursor: { sync: { key: SYNC_KEY }, drag: { x: true, y: false } },
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 3) return;
          const lo = u.posToVal(u.select.left, 'x');
          const hi = u.posToVal(u.select.left + u.select.width, 'x');
          const allX = lines.flatMap((l) => l.xs);
          const allSteps = lines.flatMap((l) => l.steps);
          const order = allX.map((_, i) => i).sort((a, b) => allX[a]! - allX[b]!);
          const r = zoomStepRange(order.map((i) => allX[i]!), order.map((i) => allSteps[i]!), lo, hi);
          if (r) zoomRef.current([r.start, r.end]);
        }],
      },
    }, data as uPlot.AlignedData, box.current);
    u.root.dataset.groups = String(lines.length);
    u.root.addEventListener('dblclick', () => zoomRef.current(null));
    return () => u.destroy();
  }, [lines, settings.smoothing, settings.logY]);

  return (
    <div className="chart group-chart" data-metric={metric} data-groups={lines ? lines.length : 0} style={{ width, minHeight: 250 }}>
      <div ref={box} />
      {lines && (
        <div className="legend">{lines.map((l) => (
          <span key={l.name} data-group={l.name}><i style={{ background: runColor(l.name) }} /> {l.name} <span className="muted">({Math.max(...l.line.n)} runs)</span></span>
        ))}</div>
      )}
      {!lines && !error && <div className="muted">{visible ? 'loading…' : ''}</div>}
      {error && <div className="error">{error}</div>}
    </div>
  );
}
