/**
 * @module Small inline SVG charts for the evaluation report (no chart library, no script, so the
 * HTML opens anywhere, offline, and renders in Markdown viewers that allow inline SVG).
 */
const W = 320, H = 240, M = 36;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const sx = (x: number) => M + x * (W - 2 * M);
const sy = (y: number) => H - M - y * (H - 2 * M);

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  const ticks = [0, 0.5, 1].map((t) => `<text x="${sx(t)}" y="${H - M + 14}" font-size="10" text-anchor="middle">${t}</text><text x="${M - 6}" y="${sy(t) + 3}" font-size="10" text-anchor="end">${t}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img" aria-label="${esc(title)}">`
    + `<text x="${W / 2}" y="16" font-size="13" text-anchor="middle">${esc(title)}</text>`
    + `<rect x="${M}" y="${M}" width="${W - 2 * M}" height="${H - 2 * M}" fill="none" stroke="#999"/>${ticks}`
    + `<text x="${W / 2}" y="${H - 6}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>`
    + `<text x="12" y="${H / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${H / 2})">${esc(yLabel)}</text>${body}</svg>`;
}

/** Keeps at most ~400 points so a 10k-row holdout gives a small file. */
function thin<T>(pts: T[], max = 400): T[] {
  if (pts.length <= max) return pts;
  const step = pts.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(pts[Math.floor(i * step)]!);
  out.push(pts[pts.length - 1]!);
  return out;
}

export function lineChart(title: string, xLabel: string, yLabel: string, points: { x: number; y: number }[], opts: { diagonal?: boolean; dots?: boolean } = {}): string {
  const pts = thin(points);
  const path = pts.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
  const diag = opts.diagonal ? `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#bbb" stroke-dasharray="4 3"/>` : '';
  const dots = opts.dots ? pts.map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="#1f77b4"/>`).join('') : '';
  return frame(title, xLabel, yLabel, `${diag}<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/>${dots}`);
}

export function confusionChart(c: { tp: number; fp: number; tn: number; fn: number }): string {
  const cells = [[c.tn, c.fp], [c.fn, c.tp]];
  const max = Math.max(1, c.tp, c.fp, c.tn, c.fn);
  const size = 80;
  let body = '';
  cells.forEach((row, i) => row.forEach((v, j) => {
    const x = 90 + j * size, y = 40 + i * size;
    const shade = Math.round(240 - (v / max) * 170);
    body += `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="rgb(${shade},${shade},255)" stroke="#fff"/><text x="${x + size / 2}" y="${y + size / 2 + 5}" font-size="14" text-anchor="middle">${v}</text>`;
  }));
  body += `<text x="130" y="214" font-size="11" text-anchor="middle">pred 0</text><text x="210" y="214" font-size="11" text-anchor="middle">pred 1</text>`
    + `<text x="84" y="84" font-size="11" text-anchor="end">true 0</text><text x="84" y="164" font-size="11" text-anchor="end">true 1</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img" aria-label="Confusion matrix"><text x="${W / 2}" y="16" font-size="13" text-anchor="middle">Confusion matrix (threshold 0.5)</text>${body}</svg>`;
}

/** Grouped bars: per group, one bar per series (values in [0, 1]). */
export function groupBars(title: string, groups: string[], series: { name: string; values: number[] }[]): string {
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c'];
  const width = Math.max(W, 60 + groups.length * (series.length * 16 + 14));
  const plotH = H - 2 * M - 20;
  const y = (v: number) => M + plotH - v * plotH;
  let body = `<line x1="${M}" y1="${y(0)}" x2="${width - 10}" y2="${y(0)}" stroke="#999"/>`;
  groups.forEach((g, gi) => {
    const x0 = M + 8 + gi * (series.length * 16 + 14);
    series.forEach((s, si) => {
      const v = Math.max(0, Math.min(1, s.values[gi] ?? 0));
      body += `<rect x="${x0 + si * 16}" y="${y(v).toFixed(1)}" width="14" height="${(v * plotH).toFixed(1)}" fill="${colors[si % 3]}"><title>${esc(`${g} ${s.name}: ${v.toFixed(3)}`)}</title></rect>`;
    });
    body += `<text x="${x0 + (series.length * 16) / 2}" y="${y(0) + 12}" font-size="9" text-anchor="end" transform="rotate(-30 ${x0 + (series.length * 16) / 2} ${y(0) + 12})">${esc(g.slice(0, 18))}</text>`;
  });
  body += series.map((s, si) => `<rect x="${M + si * 110}" y="24" width="10" height="10" fill="${colors[si % 3]}"/><text x="${M + 14 + si * 110}" y="33" font-size="10">${esc(s.name)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif" role="img" aria-label="${esc(title)}"><text x="${width / 2}" y="14" font-size="13" text-anchor="middle">${esc(title)}</text>${body}</svg>`;
}
