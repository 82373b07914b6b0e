/** @module The runs view's shareable state, encoded in the query string. */

/** A table column: `params.lr`, `tags.team`, or a metric with its aggregate `metrics.loss:min`. */
export interface Column {
  family: 'metrics' | 'params' | 'tags';
  key: string;
  agg?: 'last' | 'min' | 'max';
}

export function parseColumns(s: string | null): Column[] {
  if (!s) return [];
  const out: Column[] = [];
  for (const part of s.split(',')) {
    const m = /^(metrics|params|tags)\.(.+?)(?::(last|min|max))?$/.exec(decodeURIComponent(part));
    if (!m) continue;
    const family = m[1] as Column['family'];
    out.push(family === 'metrics' ? { family, key: m[2]!, agg: (m[3] as Column['agg']) ?? 'last' } : { family, key: m[2]! });
  }
  return out;
}

export function formatColumns(cols: Column[]): string {
  return cols.map((c) => encodeURIComponent(`${c.family}.${c.key}${c.family === 'metrics' && c.agg && c.agg !== 'last' ? `:${c.agg}` : ''}`)).join(',');
}

export const columnId = (c: Column) => `${c.family}.${c.key}${c.family === 'metrics' ? `:${c.agg ?? 'last'}` : ''}`;

export function parseList(s: string | null): string[] {
  return s ? s.split(',').filter(Boolean) : [];
}

export function toggle(list: string[], id: string): string[] {
  return list.includes(id) ? list.filter((x) => x !== id) : [...list, id];
}

/** Chart settings: x axis, log y, smoothing weight, zoomed step range, a group's band. */
export interface ChartSettings {
  x: 'step' | 'wall' | 'relative';
  logY: boolean;
  smoothing: number;
  zoom: [number, number] | null;
  /** Grouped charts: the band around a group's mean. */
  band: 'minmax' | 'std';
}

export function parseChartSettings(q: URLSearchParams): ChartSettings {
  const x = q.get('x');
  const z = q.get('zoom')?.split(',').map(Number);
  const s = Number(q.get('smooth') ?? '0.6');
  return {
    x: x === 'wall' || x === 'relative' ? x : 'step',
    logY: q.get('logy') === '1',
    smoothing: Number.isFinite(s) ? Math.max(0, Math.min(0.99, s)) : 0.6,
    zoom: z && z.length === 2 && z.every(Number.isFinite) && z[0]! < z[1]! ? [z[0]!, z[1]!] : null,
    band: q.get('band') === 'std' ? 'std' : 'minmax',
  };
}

export function chartSettingsPatch(s: ChartSettings): Record<string, string | null> {
  return { x: s.x === 'step' ? null : s.x, logy: s.logY ? '1' : null, smooth: s.smoothing === 0.6 ? null : String(s.smoothing), zoom: s.zoom ? s.zoom.join(',') : null, band: s.band === 'std' ? 'std' : null };
}

/** The plots view: scatter or contour of runs over two columns (`params.lr`, `metrics.loss`), colored by a third. */
export interface PlotState {
  kind: 'scatter' | 'contour';
  x: string;
  y: string;
  z: string;
}

const plotColumn = (v: string | null) => (v && /^(params|metrics)\..+/.test(v) ? v : '');

export function parsePlotState(q: URLSearchParams): PlotState {
  return { kind: q.get('plot') === 'contour' ? 'contour' : 'scatter', x: plotColumn(q.get('px')), y: plotColumn(q.get('py')), z: plotColumn(q.get('pz')) };
}

/** The columns a plot needs from the server (the runs search projects only these). */
export const plotColumns = (p: PlotState) => [p.x, p.y, p.z].filter(Boolean);

export function plotStatePatch(p: PlotState): Record<string, string | null> {
  return { plot: p.kind === 'scatter' ? null : p.kind, px: p.x || null, py: p.y || null, pz: p.z || null };
}

/** The search box's autocomplete: keys matching the token under the cursor. */
export function completions(text: string, cursor: number, keys: { metrics: string[]; params: string[]; tags: string[] }): { from: number; items: string[] } {
  const before = text.slice(0, cursor);
  const m = /([A-Za-z_.][\w.`-]*)$/.exec(before);
  const token = m ? m[1]! : '';
  const from = cursor - token.length;
  const all = [
    ...keys.metrics.map((k) => `metrics.${k}`), ...keys.params.map((k) => `params.${k}`), ...keys.tags.map((k) => `tags.${k}`),
    'attributes.status', 'attributes.run_name', 'attributes.start_time',
  ];
  if (!token) return { from, items: [] };
  const t = token.toLowerCase();
  return { from, items: all.filter((k) => k.toLowerCase().startsWith(t) || k.toLowerCase().split('.').slice(1).join('.').startsWith(t)).slice(0, 12) };
}
