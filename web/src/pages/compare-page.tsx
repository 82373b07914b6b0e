import { api, mlflow } from '../api/client';
import { num, type MetricSummary, type Run } from '../api/types';
import { ChartGrid } from '../components/chart-grid';
import { ErrorLine, fmtNum, useAsync } from '../components/common';
import { parseList } from '../lib/url-state';
import { Link, useQuery } from '../router';

/** Runs side by side: params (optionally only the differing ones), metrics last/min/max, overlay charts. */
export function ComparePage() {
  const [q, setQ] = useQuery();
  const ids = parseList(q.get('runs')).slice(0, 100);
  const onlyDiff = q.get('diff') === '1';
  const runs = useAsync(() => Promise.all(ids.map((id) => mlflow<{ run: Run }>('GET', '/runs/get', { run_id: id }).then((r) => r.run))), [ids.join(',')]);
  const list = runs.data ?? [];
  const metricKeys = [...new Set(list.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))].sort();
  const sums = useAsync(() => (list.length ? api<{ summaries: MetricSummary[] }>('POST', '/api/v1/runs/metric-summaries', { run_ids: ids, keys: metricKeys.slice(0, 100) }) : Promise.resolve({ summaries: [] })), [list.length]);
  const sum = new Map((sums.data?.summaries ?? []).map((s) => [`${s.run_id}/${s.key}`, s]));
  const paramKeys = [...new Set(list.flatMap((r) => (r.data.params ?? []).map((p) => p.key)))].sort();
  const pv = (r: Run, k: string) => r.data.params?.find((p) => p.key === k)?.value;
  const differs = (k: string) => new Set(list.map((r) => pv(r, k) ?? '\u0000')).size > 1;
  const shownParams = onlyDiff ? paramKeys.filter(differs) : paramKeys;
  return (
    <div className="page">
      <h1>Compare {ids.length} runs</h1>
      <ErrorLine error={runs.error} />
      <section><h2>Parameters <label className="small"><input type="checkbox" aria-label="only differences" checked={onlyDiff} onChange={(e) => setQ({ diff: e.target.checked ? '1' : null })} /> only differences</label></h2>
        <table className="grid" aria-label="params diff">
          <thead><tr><th />{list.map((r) => <th key={r.info.run_id}><Link to={`/runs/${r.info.run_id}`}>{r.info.run_name}</Link></th>)}</tr></thead>
          <tbody>{shownParams.map((k) => <tr key={k} data-param={k} className={differs(k) ? 'diff' : ''}><th>{k}</th>{list.map((r) => <td key={r.info.run_id} className="mono">{pv(r, k) ?? '—'}</td>)}</tr>)}</tbody>
        </table>
        {onlyDiff && !shownParams.length && <p className="muted">All parameters are the same.</p>}
      </section>
      <section><h2>Metrics (last / min / max)</h2>
        <table className="grid" aria-label="metrics compare">
          <thead><tr><th />{list.map((r) => <th key={r.info.run_id}>{r.info.run_name}</th>)}</tr></thead>
          <tbody>{metricKeys.map((k) => <tr key={k}><th>{k}</th>{list.map((r) => {
            const s = sum.get(`${r.info.run_id}/${k}`);
            return <td key={r.info.run_id} className="num">{s ? `${fmtNum(num(s.last))} / ${fmtNum(num(s.min))} / ${fmtNum(num(s.max))}` : '—'}</td>;
          })}</tr>)}</tbody>
        </table>
      </section>
      <section><h2>Charts</h2>{list.length > 0 && <ChartGrid runs={list} metrics={metricKeys} />}</section>
    </div>
  );
}
