import { api } from '../api/client';
import { num } from '../api/types';
import { ErrorLine, fmtNum, fmtTime, useAsync } from '../components/common';
import { EChart } from '../components/echart';
import { Link, useQuery } from '../router';

interface Study { name: string; directions: string[]; sampler: unknown; n_trials: number; trial_counts: Record<string, number>; created_at: number; experiment_id: string | null }
interface Trial { number: number; state: string; values: (number | string)[] | null; params: Record<string, unknown>; intermediate_values: { step: number; value: number | string }[]; datetime_start?: number; datetime_complete?: number }

export function StudiesPage() {
  const list = useAsync(() => api<{ studies: Study[] }>('GET', '/api/v1/studies'), []);
  return (
    <div className="page"><h1>Studies</h1><ErrorLine error={list.error} />
      <table className="grid"><thead><tr><th>Name</th><th>Directions</th><th>Trials</th><th>States</th><th>Created</th></tr></thead>
        <tbody>{(list.data?.studies ?? []).map((s) => <tr key={s.name} data-study={s.name}><td><Link to={`/studies/${encodeURIComponent(s.name)}`}>{s.name}</Link></td><td>{s.directions.join(', ')}</td><td>{s.n_trials}</td><td>{Object.entries(s.trial_counts).map(([k, v]) => `${k} ${v}`).join(', ')}</td><td>{fmtTime(s.created_at)}</td></tr>)}</tbody></table>
      {list.data && !list.data.studies.length && <p className="muted">No studies.</p>}
    </div>
  );
}

const TABS = ['history', 'parallel', 'importance', 'slice', 'contour', 'intermediate', 'pareto', 'trials'] as const;

/** One study: optimization history, parallel coordinates, importance, slice, contour, intermediate values, Pareto front, trials; refreshed every few seconds while trials run. */
export function StudyPage({ name }: { name: string }) {
  const [q, setQ] = useQuery();
  const tab = (TABS as readonly string[]).includes(q.get('tab') ?? '') ? q.get('tab')! : 'history';
  const study = useAsync(() => api<{ study: Study }>('GET', `/api/v1/studies/${encodeURIComponent(name)}`), [name]);
  const trials = useAsync(() => api<{ trials: Trial[]; total: number }>('GET', `/api/v1/studies/${encodeURIComponent(name)}/trials`), [name]);
  const imp = useAsync(() => (tab === 'importance' ? api<{ importances: Record<string, number> }>('GET', `/api/v1/studies/${encodeURIComponent(name)}/importances`) : Promise.resolve(undefined)), [name, tab]);
  const s = study.data?.study;
  const all = trials.data?.trials ?? [];
  const done = all.filter((t) => t.state === 'COMPLETE' && t.values);
  const v0 = (t: Trial) => num(t.values![0]!)!;
  const minimize = s?.directions[0] !== 'maximize';
  const params = [...new Set(all.flatMap((t) => Object.keys(t.params)))];
  const numeric = params.filter((p) => done.every((t) => t.params[p] === undefined || typeof t.params[p] === 'number'));
  let best = minimize ? Infinity : -Infinity;
  const bestLine = done.map((t) => ((best = minimize ? Math.min(best, v0(t)) : Math.max(best, v0(t))), [t.number, best]));
  const p0 = numeric[0];
  const p1 = numeric[1];
  return (
    <div className="page">
      <h1><Link to="/studies">Studies</Link> / {name}</h1>
      <ErrorLine error={study.error ?? trials.error} />
      {s && <p className="muted">{s.directions.join(', ')} · {all.length} trials · {done.length} complete {done.length ? `· best ${fmtNum(bestLine[bestLine.length - 1]![1])}` : ''}</p>}
      <div className="tabs">{TABS.map((t) => <button key={t} className={tab === t ? 'on' : ''} onClick={() => setQ({ tab: t === 'history' ? null : t })}>{t}</button>)} <button onClick={() => (trials.reload(), study.reload())}>Refresh</button></div>
      {tab === 'history' && <EChart label="optimization history" option={{ animation: false, tooltip: {}, xAxis: { name: 'trial' }, yAxis: { name: 'objective', scale: true }, legend: {}, series: [{ name: 'objective', type: 'scatter', data: done.map((t) => [t.number, v0(t)]) }, { name: 'best', type: 'line', step: 'end', data: bestLine, showSymbol: false }] }} />}
      {tab === 'parallel' && <EChart label="parallel coordinates" option={{ animation: false, parallelAxis: [...params.map((p, i) => ({ dim: i, name: p, ...(numeric.includes(p) ? {} : { type: 'category', data: [...new Set(done.map((t) => String(t.params[p])))] }) })), { dim: params.length, name: 'objective' }], series: [{ type: 'parallel', lineStyle: { width: 1, opacity: 0.5 }, data: done.map((t) => [...params.map((p) => (numeric.includes(p) ? t.params[p] : String(t.params[p]))), v0(t)]) }] }} />}
      {tab === 'importance' && <EChart label="importance" option={{ animation: false, tooltip: {}, grid: { left: 120 }, xAxis: { type: 'value', name: 'importance' }, yAxis: { type: 'category', data: Object.keys(imp.data?.importances ?? {}).reverse() }, series: [{ type: 'bar', data: Object.values(imp.data?.importances ?? {}).reverse() }] }} />}
      {tab === 'slice' && <div className="charts">{params.map((p) => <div key={p} style={{ width: 420 }}><EChart label={`slice ${p}`} height={260} option={{ animation: false, title: { text: p, textStyle: { fontSize: 13 } }, tooltip: {}, xAxis: numeric.includes(p) ? { scale: true } : { type: 'category' }, yAxis: { scale: true }, series: [{ type: 'scatter', data: done.map((t) => [numeric.includes(p) ? t.params[p] : String(t.params[p]), v0(t)]) }] }} /></div>)}</div>}
      {tab === 'contour' && (p0 && p1 ? <EChart label="contour" option={{ animation: false, tooltip: {}, xAxis: { name: p0, scale: true }, yAxis: { name: p1, scale: true }, visualMap: { min: Math.min(...done.map(v0)), max: Math.max(...done.map(v0)), calculable: true, right: 0 }, series: [{ type: 'scatter', symbolSize: 10, data: done.map((t) => [t.params[p0], t.params[p1], v0(t)]) }] }} /> : <p className="muted">A contour needs two numeric parameters.</p>)}
      {tab === 'intermediate' && <EChart label="intermediate values" option={{ animation: false, tooltip: {}, xAxis: { name: 'step' }, yAxis: { scale: true }, series: all.filter((t) => t.intermediate_values.length).map((t) => ({ name: `#${t.number}`, type: 'line', showSymbol: false, data: t.intermediate_values.map((iv) => [iv.step, num(iv.value)]) })) }} />}
      {tab === 'pareto' && ((s?.directions.length ?? 1) < 2 ? <p className="muted">The Pareto front needs a multi-objective study.</p> : <Pareto trials={done} directions={s!.directions} />)}
      {tab === 'trials' && (
        <table className="grid" aria-label="trials"><thead><tr><th>#</th><th>state</th><th>values</th>{params.map((p) => <th key={p}>{p}</th>)}<th>duration</th></tr></thead>
          <tbody>{all.map((t) => <tr key={t.number}><td>{t.number}</td><td className={`status ${t.state}`}>{t.state}</td><td>{(t.values ?? []).map((v) => fmtNum(num(v))).join(', ')}</td>{params.map((p) => <td key={p} className="mono">{t.params[p] === undefined ? '' : typeof t.params[p] === 'number' ? fmtNum(t.params[p] as number) : String(t.params[p])}</td>)}<td>{t.datetime_complete && t.datetime_start ? `${((t.datetime_complete - t.datetime_start) / 1000).toFixed(1)}s` : ''}</td></tr>)}</tbody></table>
      )}
    </div>
  );
}

/** Non-dominated trials for two objectives, in their directions. */
function Pareto({ trials, directions }: { trials: Trial[]; directions: string[] }) {
  const pts = trials.map((t) => ({ n: t.number, v: t.values!.map((x) => num(x)!) }));
  const better = (a: number, b: number, d: string) => (d === 'maximize' ? a >= b : a <= b);
  const dominated = (p: (typeof pts)[0]) => pts.some((o) => o !== p && o.v.every((x, i) => better(x, p.v[i]!, directions[i]!)) && o.v.some((x, i) => x !== p.v[i]));
  const front = pts.filter((p) => !dominated(p));
  return <EChart label="pareto front" option={{ animation: false, tooltip: {}, legend: {}, xAxis: { name: 'objective 0', scale: true }, yAxis: { name: 'objective 1', scale: true }, series: [{ name: 'trials', type: 'scatter', data: pts.filter((p) => !front.includes(p)).map((p) => [p.v[0], p.v[1]]) }, { name: 'Pareto front', type: 'scatter', data: front.map((p) => [p.v[0], p.v[1]]) }] }} />;
}
