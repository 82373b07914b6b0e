import { describe, expect, it } from 'vitest';
import { chartSettingsPatch, completions, formatColumns, parseChartSettings, parseColumns, parsePlotState, plotStatePatch } from './url-state';
import { meanStd, treeRows } from './runs-tree';

describe('URL state', () => {
  it('round-trips columns, including keys with commas and colons', () => {
    const cols = parseColumns('metrics.loss,metrics.loss:min,params.lr,tags.team');
    expect(cols).toEqual([
      { family: 'metrics', key: 'loss', agg: 'last' }, { family: 'metrics', key: 'loss', agg: 'min' }, { family: 'params', key: 'lr' }, { family: 'tags', key: 'team' },
    ]);
    const odd = [{ family: 'params' as const, key: 'a,b' }, { family: 'metrics' as const, key: 'val:acc', agg: 'max' as const }];
    expect(parseColumns(formatColumns(odd))).toEqual(odd);
  });
  it('round-trips chart settings and rejects nonsense', () => {
    const s = { x: 'wall' as const, logY: true, smoothing: 0.8, zoom: [10, 200] as [number, number], band: 'std' as const };
    const q = new URLSearchParams(Object.entries(chartSettingsPatch(s)).filter(([, v]) => v !== null) as [string, string][]);
    expect(parseChartSettings(q)).toEqual(s);
    expect(parseChartSettings(new URLSearchParams('x=bogus&smooth=abc&zoom=5,1'))).toEqual({ x: 'step', logY: false, smoothing: 0.6, zoom: null, band: 'minmax' });
  });
  it('round-trips the plots view and drops columns it cannot plot', () => {
    const p = { kind: 'contour' as const, x: 'params.lr', y: 'params.batch', z: 'metrics.val loss' };
    const q = new URLSearchParams(Object.entries(plotStatePatch(p)).filter(([, v]) => v !== null) as [string, string][]);
    expect(parsePlotState(q)).toEqual(p);
    expect(parsePlotState(new URLSearchParams('plot=pie&px=tags.team&py=metrics.acc'))).toEqual({ kind: 'scatter', x: '', y: 'metrics.acc', z: '' });
  });
  it('completes keys under the cursor', () => {
    const keys = { metrics: ['loss', 'acc'], params: ['lr'], tags: [] };
    expect(completions('metrics.l', 9, keys).items).toEqual(['metrics.loss']);
    expect(completions('params.lr = 1 and lo', 20, keys)).toEqual({ from: 18, items: ['metrics.loss'] });
  });
});

describe('runs tree and groups', () => {
  it('nests children under a loaded parent, shown when expanded', () => {
    const runs = [{ id: 'p' }, { id: 'c', parent: 'p' }, { id: 'o', parent: 'missing' }];
    const rows = (e: string[]) => treeRows(runs, (r) => r.id, (r) => r.parent, new Set(e)).map((r) => `${r.run.id}:${r.depth}:${r.children}`);
    expect(rows([])).toEqual(['p:0:1', 'o:0:0']);
    expect(rows(['p'])).toEqual(['p:0:1', 'c:1:0', 'o:0:0']);
  });
  it('mean and sample std, ignoring missing values', () => {
    expect(meanStd([0.3, null, 0.35])!.mean).toBeCloseTo(0.325);
    expect(meanStd([0.3, null, 0.35])!.std).toBeCloseTo(0.0353553, 6);
    expect(meanStd([null])).toBeNull();
  });
});
