import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { duration, ErrorLine, fmtTime, useAsync } from '../components/common';
import { useEventStream, useLogText, withQuery } from '../components/live';
import { Dag } from '../components/dag';
import { Link, useQuery } from '../router';

interface PipelineRun { run_id: string; pipeline: string; status: string; params: Record<string, unknown>; executor: string; error: string | null; created_at: number; ended_at: number | null; duration_ms: number | null }
interface Step { step: string; status: string; attempt: number; started_at: number | null; ended_at: number | null; duration_ms: number | null; error: string | null; outputs: Record<string, unknown> | null; cached_from?: { message: string }; tracking_run_id: string | null; needs?: string[]; items?: { total: number; counts: Record<string, number> } }

const LIVE = new Set(['running', 'cancelling']);
const paramsText = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
const took = (start: number | null, end: number | null, ms: number | null) => (ms !== null ? duration(0, ms) : start ? duration(start, end ?? undefined) : '');

/** Pipeline runs, newest first, filtered by pipeline name (in the URL); the first page is live (server-sent events). */
export function PipelinesPage() {
  const [q, setQ] = useQuery();
  const pipeline = q.get('pipeline') ?? '';
  const [more, setMore] = useState<PipelineRun[]>([]);
  const list = useAsync(() => api<{ runs: PipelineRun[]; next_page_token?: string }>('GET', '/api/v1/pipelines/runs', { max_results: 100, ...(pipeline ? { pipeline } : {}) }), [pipeline]);
  useEffect(() => setMore([]), [pipeline]);
  // The first page as the server last sent it: states change in place, new runs appear on top.
  const [first, setFirst] = useState<PipelineRun[] | undefined>();
  useEffect(() => setFirst(list.data?.runs), [list.data]);
  useEventStream(withQuery('/api/v1/pipelines/runs/events', { max_results: 100, pipeline }), { runs: (e: { runs: PipelineRun[] }) => setFirst(e.runs) });
  const [token, setToken] = useState<string | undefined>();
  // A live refresh re-reads the first page only; pages loaded with "Load more" stay.
  useEffect(() => setToken((t) => (more.length ? t : list.data?.next_page_token)), [list.data]);
  // New runs push older ones onto later pages: a run shows once.
  const seen = new Set<string>();
  const runs = [...(first ?? []), ...more].filter((r) => !seen.has(r.run_id) && (seen.add(r.run_id), true));
  const loadMore = async () => {
    const r = await api<{ runs: PipelineRun[]; next_page_token?: string }>('GET', '/api/v1/pipelines/runs', { max_results: 100, page_token: token, ...(pipeline ? { pipeline } : {}) });
    setMore((m) => [...m, ...r.runs]);
    setToken(r.next_page_token);
  };
  return (
    <div className="page">
      <h1>Pipelines</h1>
      <div className="toolbar">
        <form onSubmit={(e) => (e.preventDefault(), setQ({ pipeline: new FormData(e.currentTarget).get('pipeline') as string }))}>
          <input name="pipeline" aria-label="pipeline name" placeholder="pipeline name" defaultValue={pipeline} key={pipeline} /> <button>Filter</button>
        </form>
        {pipeline && <button onClick={() => setQ({ pipeline: null })}>Show all</button>}
      </div>
      <ErrorLine error={list.error} />
      <table className="grid" aria-label="pipeline runs">
        <thead><tr><th>Run</th><th>Pipeline</th><th>State</th><th>Duration</th><th>Params</th><th>Started</th></tr></thead>
        <tbody>{runs.map((r) => (
          <tr key={r.run_id} data-run={r.run_id}>
            <td><Link to={`/pipelines/${r.run_id}`} className="mono">{r.run_id}</Link></td>
            <td><Link to={`/pipelines?pipeline=${encodeURIComponent(r.pipeline)}`}>{r.pipeline}</Link></td>
            <td className={`pstatus ${r.status}`}>{r.status}</td>
            <td>{took(r.created_at, r.ended_at, r.duration_ms)}</td>
            <td className="mono">{paramsText(r.params)}</td>
            <td>{fmtTime(r.created_at)}</td>
          </tr>
        ))}</tbody>
      </table>
      {list.data && !runs.length && <p className="muted">No pipeline runs{pipeline ? ` of '${pipeline}'` : ''}. Run one with <code>npx trainyard pipeline run FILE</code>.</p>}
      {token && <button onClick={loadMore}>Load more</button>}
    </div>
  );
}

/**
 * One pipeline run: the DAG with step states, attempts and cache hits as they change (one
 * server-sent event stream, no polling), the selected step's details and its log followed live,
 * cancel and retry.
 */
export function PipelineRunPage({ runId }: { runId: string }) {
  const [q, setQ] = useQuery();
  const data = useAsync(() => api<{ run: PipelineRun; steps: Step[] }>('GET', `/api/v1/pipelines/runs/${runId}`), [runId]);
  // Whichever came last, the page's load (or an action's reload) or the stream's snapshot.
  const [view, setView] = useState<{ run: PipelineRun; steps: Step[] } | undefined>();
  useEffect(() => setView(data.data), [data.data]);
  useEffect(() => setView(undefined), [runId]);
  const run = view?.run;
  const steps = view?.steps ?? [];
  const live = !!run && LIVE.has(run.status);
  const failed = steps.find((s) => s.status === 'failed');
  const selected = q.get('step') ?? failed?.step ?? steps[0]?.step ?? null;
  const [log, onLog] = useLogText();
  useEventStream(withQuery(`/api/v1/pipelines/runs/${encodeURIComponent(runId)}/events`, { step: selected }), { run: setView, log: onLog });
  const step = steps.find((s) => s.step === selected);
  const [actionError, setActionError] = useState<string | null>(null);
  const act = async (path: string, body?: Record<string, unknown>) => {
    setActionError(null);
    try {
      await api('POST', `/api/v1/pipelines/runs/${runId}/${path}`, body);
      data.reload();
    } catch (e) {
      setActionError((e as Error).message);
    }
  };
  const stepLabel = (s: Step) => `${s.status}${s.items ? ` ${s.items.counts.succeeded ?? 0}/${s.items.total}` : ''}${s.attempt > 1 ? ` (try ${s.attempt})` : ''}`;
  return (
    <div className="page">
      <h1><Link to="/pipelines">Pipelines</Link> / {run?.pipeline ?? ''} <span className="mono">{runId}</span></h1>
      <ErrorLine error={data.error ?? actionError} />
      {run && (
        <div className="toolbar">
          <span>state <b className={`pstatus ${run.status}`} data-testid="run-status">{run.status}</b></span>
          <span>{took(run.created_at, run.ended_at, run.duration_ms)}</span>
          <span className="mono">{paramsText(run.params)}</span>
          <span className="muted">executor {run.executor}</span>
          <button disabled={run.status !== 'running'} onClick={() => act('cancel')}>Cancel run</button>
          <button disabled={live || run.status === 'succeeded'} onClick={() => act('resume')} title="re-runs failed, cancelled and skipped steps; succeeded ones stay">Resume</button>
          {live && <span className="muted">live</span>}
        </div>
      )}
      {run?.error && <div className="error">{run.error}</div>}
      {steps.length > 0 && <div className="dag-box"><Dag steps={steps.map((s) => ({ id: s.step, needs: s.needs ?? [], status: s.status, label: stepLabel(s) }))} selected={selected} onSelect={(id) => setQ({ step: id })} /></div>}
      {step && (
        <div className="step-detail">
          <h2>Step {step.step} <span className={`pstatus ${step.status}`}>{step.status}</span>{" "}
            <button disabled={live || step.status === 'succeeded' || step.status === 'cached'} onClick={() => act('resume', { steps: [step.step] })}>Retry step</button>
          </h2>
          <table className="kv"><tbody>
            <tr><th>attempt</th><td>{step.attempt}</td></tr>
            <tr><th>duration</th><td>{took(step.started_at, step.ended_at, step.duration_ms)}</td></tr>
            {step.cached_from && <tr><th>cache</th><td>{step.cached_from.message}</td></tr>}
            {step.items && <tr><th>items</th><td>{Object.entries(step.items.counts).map(([k, v]) => `${k} ${v}`).join(', ')} of {step.items.total}</td></tr>}
            {step.tracking_run_id && <tr><th>tracking run</th><td><Link to={`/runs/${step.tracking_run_id}`}>{step.tracking_run_id}</Link></td></tr>}
            {step.outputs && <tr><th>outputs</th><td className="mono">{JSON.stringify(step.outputs)}</td></tr>}
          </tbody></table>
          {step.error && <div className="error">{step.error}</div>}
          <div>
            <h2>Log {step.status === 'running' ? '(following)' : ''}</h2>
            <pre className="code log" aria-label="step log">{log || (log !== undefined ? '(empty)' : '')}</pre>
          </div>
        </div>
      )}
    </div>
  );
}
