import { useMemo } from 'react';
import type { Run } from '../api/types';
import { chartSettingsPatch, parseChartSettings } from '../lib/url-state';
import { useQuery } from '../router';
import { GroupChart, type RunGroup } from './group-chart';
import { LineChart } from './line-chart';

const MAX_CHARTS = 60;

/**
 * One chart per metric for the given runs, with the shared settings (x axis, log y, smoothing,
 * zoom, band) in the URL; with `groups`, a line per group (mean and band) instead of per run.
 */
export function ChartGrid({ runs, metrics, groups }: { runs: Run[]; metrics: string[]; groups?: RunGroup[] }) {
  const [q, setQ] = useQuery();
  const settings = useMemo(() => parseChartSettings(q), [q.toString()]);
  const set = (patch: Partial<typeof settings>) => setQ(chartSettingsPatch({ ...settings, ...patch }));
  const shown = metrics.slice(0, MAX_CHARTS);
  return (
    <div>
      <div className="toolbar">
        <label>x <select aria-label="x axis" value={settings.x} onChange={(e) => set({ x: e.target.value as typeof settings.x, zoom: null })}>
          <option value="step">step</option><option value="wall">wall time</option><option value="relative">relative time</option>
        </select></label>
        <label><input type="checkbox" aria-label="log y" checked={settings.logY} onChange={(e) => set({ logY: e.target.checked })} /> log y</label>
        <label>smoothing <input type="range" aria-label="smoothing" min={0} max={0.99} step={0.01} value={settings.smoothing} onChange={(e) => set({ smoothing: Number(e.target.value) })} /> {settings.smoothing.toFixed(2)}</label>
        {groups && <label>band <select aria-label="band" value={settings.band} onChange={(e) => set({ band: e.target.value as typeof settings.band })}>
          <option value="minmax">min – max</option><option value="std">± 1 std</option>
        </select></label>}
        {settings.zoom && <button onClick={() => set({ zoom: null })}>Reset zoom (steps {settings.zoom.join('–')})</button>}
        <span className="muted">drag to zoom, double-click to reset</span>
      </div>
      {metrics.length > MAX_CHARTS && <p className="muted">{MAX_CHARTS} of {metrics.length} metrics charted.</p>}
      {!runs.length && <p className="muted">No runs to chart.</p>}
      <div className="charts">
        {runs.length > 0 && shown.map((m) => (groups
          ? <GroupChart key={m} metric={m} groups={groups} settings={settings} onZoom={(zoom) => set({ zoom })} />
          : <LineChart key={m} metric={m} runs={runs} settings={settings} onZoom={(zoom) => set({ zoom })} />))}
      </div>
    </div>
  );
}
