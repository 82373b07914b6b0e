import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, mlflow } from '../api/client';
import { metricOf, num, paramOf, tagOf, type Experiment, type Keys, type MetricSummary, type Run } from '../api/types';
import { ErrorLine, fmtNum, useAsync } from '../components/common';
import { RunsTable } from '../components/runs-table';
import { SearchBox } from '../components/search-box';
import { meanStd, treeRows } from '../lib/runs-tree';
import { welch } from '../lib/welch';
import { columnId, formatColumns, parseColumns, parseList, parsePlotState, toggle, type Column } from '../lib/url-state';
import { Link, navigate, useQuery } from '../router';
import { FIRST_PAGE, firstPage as takeFirstPage, PARENT_TAG, searchBody, searchColumns, type SearchPage } from './runs-first-page';

// Charts (uPlot) and plots (ECharts) load on first use: the table's first render never waits for them.
const ChartGrid = lazy(() => import('../components/chart-grid').then((m) => ({ default: m.ChartGrid })));
const RunPlots = lazy(() => import('../components/run-plots').then((m) => ({ default: m.RunPlots })));
const loadingView = <p className="muted">loading…</p>;
// Pages after the first are large, so scrolling through 100k runs takes 100 requests, not 1,000.
const PAGE = 1000;
/** A column as the search grammar names it; keys with odd characters go in backticks. */
const qualified = (c: Column) => `${c.family}.${/^[\w.]+$/.test(c.key) ? c.key : `\`${c.key}\``}`;
const MAX_GROUPED_RUNS = 1000;

function numericValue(run: Run, c: Column, summaries: Map<string, MetricSummary>): number | null {
  if (c.family !== 'metrics') {
    const v = Number(c.family === 'params' ? paramOf(run, c.key) : tagOf(run, c.key));
    return Number.isFinite(v) ? v : null;
  }
  if (c.agg === 'last' || !c.agg) return metricOf(run, c.key);
  const s = summaries.get(`${run.info.run_id}/${c.key}`);
  return s ? num(c.agg === 'min' ? s.min : s.max) : null;
}

/** Runs of one experiment: a virtualized table paged with keyset tokens, or charts of the selection. */
export function RunsPage({ experimentId }: { experimentId: string }) {
  const [q, setQ] = useQuery();
  const filter = q.get('filter') ?? '';
  const order = q.get('order') ?? '';
  const cols = useMemo(() => parseColumns(q.get('cols')), [q.get('cols')]);
  const sel = useMemo(() => parseList(q.get('sel')), [q.get('sel')]);
  const group = q.get('group') ?? '';
  const view = q.get('view') === 'charts' ? 'charts' : q.get('view') === 'plots' ? 'plots' : 'table';
  const plot = useMemo(() => parsePlotState(q), [q.get('plot'), q.get('px'), q.get('py'), q.get('pz')]);
  const exp = useAsync(() => mlflow<{ experiment: Experiment }>('GET', '/experiments/get', { experiment_id: experimentId }), [experimentId]);

  const [runs, setRuns] = useState<Run[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [done, setDone] = useState(false);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [summaries, setSummaries] = useState(new Map<string, MetricSummary>());
  const [expanded, setExpanded] = useState(new Set<string>());
  const loading = useRef(false);
  // The key list (DISTINCT over every run: ~400 ms at 100k runs on SQLite) waits for the first
  // page, so it never delays the first rows.
  const [firstPage, setFirstPage] = useState(false);
  const keys = useAsync(() => (firstPage ? api<Keys>('GET', `/api/v1/experiments/${experimentId}/keys`) : Promise.resolve(undefined)), [experimentId, firstPage]);
  const generation = useRef(0);

  // Only the columns shown travel: a 100k-run table never ships every value of every run.
  const projection = useMemo(() => searchColumns(q), [q.get('cols'), group, view, plot]);
  const aggKeys = useMemo(() => [...new Set(cols.filter((c) => c.family === 'metrics' && c.agg && c.agg !== 'last').map((c) => c.key))], [cols]);

  const loadPage = async (gen: number, pageToken: string | undefined) => {
    if (loading.current) return;
    loading.current = true;
    try {
      const body = searchBody(experimentId, filter, order, projection, pageToken ? PAGE : FIRST_PAGE, pageToken);
      const res = pageToken ? await api<SearchPage>('POST', '/api/v1/runs/search', body) : await takeFirstPage(body);
      if (gen !== generation.current) return;
      const page = res.runs ?? [];
      setRuns((prev) => (pageToken ? [...prev, ...page] : page));
      setToken(res.next_page_token);
      setDone(!res.next_page_token);
      setSearchError(null);
      setFirstPage(true);
      if (aggKeys.length && page.length) {
        const s = await api<{ summaries: MetricSummary[] }>('POST', '/api/v1/runs/metric-summaries', { run_ids: page.map((r) => r.info.run_id), keys: aggKeys });
        if (gen === generation.current) setSummaries((prev) => {
          const m = new Map(pageToken ? prev : []);
          for (const x of s.summaries) m.set(`${x.run_id}/${x.key}`, x);
          return m;
        });
      }
    } catch (e) {
      if (gen === generation.current) (setSearchError((e as Error).message), setRuns([]), setDone(true), setFirstPage(true));
    } finally {
      loading.current = false;
    }
  };
  useEffect(() => {
    const gen = ++generation.current;
    loading.current = false;
    setDone(false);
    void loadPage(gen, undefined);
  }, [experimentId, filter, order, projection.join(','), aggKeys.join(',')]);

  // Live updates: one event stream for the experiment; running runs' status and metrics change in
  // place. Opened after the first page (its first look at the running runs reads the experiment's
  // runs on the server, beside the first search); its first events carry every running run's state.
  useEffect(() => {
    if (!firstPage) return;
    const es = new EventSource(`/api/v1/experiments/${experimentId}/runs/events`);
    es.addEventListener('run', (ev) => {
      const e = JSON.parse((ev as MessageEvent).data) as { run_id: string; status: string; end_time?: number; metrics: { key: string; last: number | null; step: number; min: number | null; max: number | null; count: number }[] };
      setRuns((prev) => prev.map((r) => (r.info.run_id !== e.run_id ? r : {
        ...r,
        info: { ...r.info, status: e.status, ...(e.end_time ? { end_time: e.end_time } : {}) },
        data: { ...r.data, metrics: [...(r.data.metrics ?? []).filter((m) => !e.metrics.some((x) => x.key === m.key)), ...e.metrics.map((m) => ({ key: m.key, value: m.last ?? 'NaN', step: m.step, timestamp: 0 }))] },
      })));
      setSummaries((prev) => {
        const m = new Map(prev);
        for (const x of e.metrics) if (m.has(`${e.run_id}/${x.key}`)) m.set(`${e.run_id}/${x.key}`, { run_id: e.run_id, key: x.key, last: x.last ?? 'NaN', step: x.step, timestamp: 0, min: x.min, max: x.max, count: x.count });
        return m;
      });
    });
    return () => es.close();
  }, [experimentId, firstPage]);

  const rows = useMemo(
    () => treeRows(runs, (r) => r.info.run_id, (r) => tagOf(r, PARENT_TAG), expanded),
    [runs, expanded],
  );
  const groups = useMemo(() => {
    if (!group) return null;
    const [fam, ...rest] = group.split('.');
    const key = rest.join('.');
    const m = new Map<string, Run[]>();
    for (const r of runs) {
      const v = (fam === 'params' ? paramOf(r, key) : tagOf(r, key)) ?? '(none)';
      if (!m.has(v)) m.set(v, []);
      m.get(v)!.push(r);
    }
    // Numbers by value (localeCompare's numeric mode ties '0.01' with '0.1'), other values as text.
    const cmp = (a: string, b: string) => {
      const x = Number(a), y = Number(b);
      return a.trim() && b.trim() && Number.isFinite(x) && Number.isFinite(y) ? x - y || a.localeCompare(b) : a.localeCompare(b, undefined, { numeric: true });
    };
    return [...m.entries()].sort((a, b) => cmp(a[0], b[0]));
  }, [runs, group]);

  // The table calls back as it scrolls; refs keep those callbacks stable (its rows are memoized on them).
  const latest = useRef({ done, token, rows: rows.length, sel, setQ, loadPage });
  latest.current = { done, token, rows: rows.length, sel, setQ, loadPage };
  const onScrolledTo = useCallback((lastIndex: number) => {
    const l = latest.current;
    if (!l.done && l.token && lastIndex > l.rows - 200) void l.loadPage(generation.current, l.token);
  }, []);
  const onSelect = useCallback((id: string) => latest.current.setQ({ sel: toggle(latest.current.sel, id).join(',') || null }), []);
  const onExpand = useCallback((id: string) => setExpanded((s) => {
    const n = new Set(s);
    n.has(id) ? n.delete(id) : n.add(id);
    return n;
  }), []);

  const setCols = (next: Column[]) => setQ({ cols: formatColumns(next) || null });
  const sortBy = (c: Column) => {
    if (c.family === 'metrics' && c.agg !== 'last') return; // the server sorts by the latest value only
    const k = qualified(c);
    setQ({ order: order === `${k} DESC` ? `${k} ASC` : `${k} DESC` });
  };
  const sortMark = (c: Column) => (order.startsWith(qualified(c) + ' ') && (c.family !== 'metrics' || c.agg === 'last') ? (order.endsWith('ASC') ? ' ▲' : ' ▼') : '');
  const template = `32px minmax(220px, 2fr) 90px 80px ${cols.map(() => 'minmax(90px, 1fr)').join(' ')}`;
  const minWidth = 32 + 220 + 90 + 80 + 90 * cols.length;

  const chartRuns = (sel.length ? runs.filter((r) => sel.includes(r.info.run_id)) : runs.slice(0, 10));
  // Grouped charts cover every loaded run (or the selection) up to what one chart may fetch; the page says how many.
  const groupRuns = (sel.length ? runs.filter((r) => sel.includes(r.info.run_id)) : runs).slice(0, MAX_GROUPED_RUNS);
  const chartGroups = useMemo(() => {
    if (view !== 'charts' || !groups) return undefined;
    const inScope = new Set(groupRuns);
    return groups.map(([name, rs]) => ({ name, runs: rs.filter((r) => inScope.has(r)) })).filter((g) => g.runs.length);
  }, [view, groups, groupRuns.length, sel.join(',')]);

  return (
    <div className="page runs-page">
      <h1><Link to="/experiments">Experiments</Link> / {exp.data?.experiment.name ?? experimentId}</h1>
      <SearchBox key={filter} value={filter} keys={keys.data} error={searchError} onSubmit={(v) => setQ({ filter: v })} />
      <div className="toolbar">
        <span className="tabs">
          <button className={view === 'table' ? 'on' : ''} onClick={() => setQ({ view: null })}>Table</button>
          <button className={view === 'charts' ? 'on' : ''} onClick={() => setQ({ view: 'charts' })}>Charts</button>
          <button className={view === 'plots' ? 'on' : ''} onClick={() => setQ({ view: 'plots' })}>Scatter / contour</button>
        </span>
        <ColumnPicker keys={keys.data} cols={cols} onChange={setCols} />
        <label>group by <select aria-label="group by" value={group} onChange={(e) => setQ({ group: e.target.value || null })}>
          <option value="">none</option>
          {keys.data?.params.map((k) => <option key={k} value={`params.${k}`}>params.{k}</option>)}
          {keys.data?.tags.filter((k) => !k.startsWith('mlflow.')).map((k) => <option key={k} value={`tags.${k}`}>tags.{k}</option>)}
        </select></label>
        <button disabled={sel.length < 2} onClick={() => navigate(`/compare?runs=${sel.join(',')}`)}>Compare {sel.length || ''}</button>
        {sel.length > 0 && <button onClick={() => setQ({ sel: null })}>Clear selection</button>}
        <span className="muted count" data-testid="run-count">{runs.length}{done ? '' : '+'} runs{done ? '' : ' (more load as you scroll)'}</span>
      </div>
      <ErrorLine error={exp.error} />
      {view === 'plots' ? (
        <div>
          <Suspense fallback={loadingView}><RunPlots runs={runs} keys={keys.data} total={`${runs.length}${done ? '' : '+'}`} /></Suspense>
          {!done && token && <button onClick={() => void loadPage(generation.current, token)}>Load {PAGE} more runs</button>}
        </div>
      ) : view === 'charts' ? (
        <div>
          {chartGroups
            ? <p className="muted" data-testid="chart-scope">Grouped by {group}: {chartGroups.length} groups over {groupRuns.length} of {runs.length}{done ? '' : '+'} loaded runs{sel.length ? ' (the selection)' : ''}; each line is the group's mean with its band.</p>
            : <p className="muted">{sel.length ? `${chartRuns.length} selected runs` : `The first ${chartRuns.length} of ${runs.length}${done ? '' : '+'} runs; select runs in the table to chart others.`}</p>}
          <Suspense fallback={loadingView}><ChartGrid runs={chartGroups ? groupRuns : chartRuns} metrics={keys.data?.metrics ?? []} {...(chartGroups ? { groups: chartGroups } : {})} /></Suspense>
        </div>
      ) : groups ? (
        <GroupTable groups={groups} cols={cols} summaries={summaries} group={group} done={done} />
      ) : (
        <RunsTable
          rows={rows} cols={cols} template={template} minWidth={minWidth} summaries={summaries} sel={sel} expanded={expanded}
          onSelect={onSelect} onExpand={onExpand} onScrolledTo={onScrolledTo}
          header={<>
            <span />
            <span>Run</span><span>Status</span><span>Duration</span>
            {cols.map((c) => (
              <span key={columnId(c)} className="sortable" role="columnheader" onClick={() => sortBy(c)} title={c.family === 'metrics' && c.agg !== 'last' ? 'sorting by min/max is not offered by the server' : 'sort'}>
                {c.family === 'metrics' ? `${c.key} (${c.agg})` : `${c.family}.${c.key}`}{sortMark(c)}
                <button className="x" aria-label={`remove column ${columnId(c)}`} onClick={(e) => (e.stopPropagation(), setCols(cols.filter((x) => columnId(x) !== columnId(c))))}>×</button>
              </span>
            ))}
          </>}
          footer={done && !runs.length && !searchError ? <p className="muted pad">No runs match.</p> : null}
        />
      )}
    </div>
  );
}

function ColumnPicker({ keys, cols, onChange }: { keys: Keys | undefined; cols: Column[]; onChange: (c: Column[]) => void }) {
  const [pick, setPick] = useState('');
  const options = keys ? [
    ...keys.metrics.flatMap((k) => (['last', 'min', 'max'] as const).map((agg) => ({ id: `metrics.${k}:${agg}`, col: { family: 'metrics' as const, key: k, agg } }))),
    ...keys.params.map((k) => ({ id: `params.${k}`, col: { family: 'params' as const, key: k } })),
    ...keys.tags.map((k) => ({ id: `tags.${k}`, col: { family: 'tags' as const, key: k } })),
  ].filter((o) => !cols.some((c) => columnId(c) === o.id)) : [];
  return (
    <label>add column <select aria-label="add column" value={pick} onChange={(e) => {
      const o = options.find((x) => x.id === e.target.value);
      if (o) onChange([...cols, o.col]);
      setPick('');
    }}>
      <option value="">choose…</option>
      {options.map((o) => <option key={o.id} value={o.id}>{o.id}</option>)}
    </select></label>
  );
}

function GroupTable({ groups, cols, summaries, group, done }: { groups: [string, Run[]][]; cols: Column[]; summaries: Map<string, MetricSummary>; group: string; done: boolean }) {
  const numeric = cols.filter((c) => c.family === 'metrics');
  // Seed noise: each group against the first group with at least two runs (e.g. seeds of one config).
  const reference = groups.find((g) => g[1].length >= 2);
  return (
    <div>
      <p className="muted">Grouped by {group} over {groups.reduce((a, g) => a + g[1].length, 0)} loaded runs{done ? ' (all)' : ' (scroll the table to load more first)'}: mean ± standard deviation.{reference && ` p: Welch's two-sided t-test of each group against ${group} = ${reference[0]} (differs beyond seed noise when p < 0.05, bold).`}</p>
      <table className="grid" aria-label="groups">
        <thead><tr><th>{group}</th><th>runs</th>{numeric.map((c) => <th key={columnId(c)}>{c.key} ({c.agg})</th>)}</tr></thead>
        <tbody>
          {groups.map(([v, rs]) => (
            <tr key={v} data-group={v}>
              <td>{v}</td><td>{rs.length}</td>
              {numeric.map((c) => {
                const vals = (list: Run[]) => list.map((r) => numericValue(r, c, summaries)).filter((x): x is number => x !== null && Number.isFinite(x));
                const s = meanStd(rs.map((r) => numericValue(r, c, summaries)));
                const w = reference && reference[0] !== v ? welch(vals(rs), vals(reference[1])) : null;
                return <td key={columnId(c)} className="num">{s ? `${fmtNum(s.mean)} ± ${fmtNum(s.std)}` : ''}{w && <span className={w.p < 0.05 ? 'sig' : 'muted'} title={`Welch t = ${w.t.toFixed(3)}, df = ${w.df.toFixed(1)}`}> p={w.p < 0.001 ? w.p.toExponential(1) : w.p.toFixed(3)}</span>}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
