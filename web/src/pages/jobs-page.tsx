import { useEffect, useState } from 'react';
import { api, mlflow } from '../api/client';
import { duration, ErrorLine, fmtTime, useAsync } from '../components/common';
import { useEventStream, useLogText, withQuery } from '../components/live';
import { Link, useQuery } from '../router';

interface JobEvent { seq: number; at: number; kind: string; state: string | null; attempt: number | null; detail: Record<string, any> }
interface Job {
  job_id: string; state: string; spec: { command?: string[]; nprocPerNode?: number; maxRestarts?: number; experiment?: string };
  run_id: string | null; attempts: number; restarts: number; failure: { rank: number; exitCode: number | null; signal: string | null; message: string } | null;
  checkpoint: { step: number } | null; supervisor: { pid: number | null; host: string | null; alive: boolean }; cancel_requested: boolean;
  created_at: number; updated_at: number; ended_at: number | null; events?: JobEvent[];
}
interface RankExit { rank: number; exit_code: number | null; signal: string | null }

const STATES = ['pending', 'running', 'restarting', 'succeeded', 'failed', 'cancelled'];
const LIVE = new Set(['pending', 'running', 'restarting']);
const TAIL_BYTES = 64 * 1024;

/** Distributed training jobs, filtered by state (in the URL), live over server-sent events. */
export function JobsPage() {
  const [q, setQ] = useQuery();
  const state = q.get('state') ?? '';
  const list = useAsync(() => api<{ jobs: Job[] }>('GET', '/api/v1/jobs', { max_results: 200, ...(state ? { state } : {}) }), [state]);
  const [live, setLive] = useState<Job[] | undefined>();
  useEffect(() => setLive(list.data?.jobs), [list.data]);
  useEventStream(withQuery('/api/v1/jobs/events', { max_results: 200, state }), { jobs: (e: { jobs: Job[] }) => setLive(e.jobs) });
  const jobs = live ?? [];
  return (
    <div className="page">
      <h1>Jobs</h1>
      <div className="toolbar">
        <label>state <select aria-label="state" value={state} onChange={(e) => setQ({ state: e.target.value || null })}>
          <option value="">any</option>{STATES.map((s) => <option key={s}>{s}</option>)}
        </select></label>
      </div>
      <ErrorLine error={list.error} />
      <table className="grid" aria-label="jobs">
        <thead><tr><th>Job</th><th>State</th><th>Ranks</th><th>Attempts</th><th>Restarts</th><th>Duration</th><th>Command</th><th>Run</th><th>Started</th></tr></thead>
        <tbody>{jobs.map((j) => (
          <tr key={j.job_id} data-job={j.job_id}>
            <td><Link to={`/jobs/${encodeURIComponent(j.job_id)}`}>{j.job_id}</Link></td>
            <td className={`pstatus ${j.state}`}>{j.state}</td>
            <td>{j.spec.nprocPerNode ?? ''}</td><td>{j.attempts}</td><td>{j.restarts}</td>
            <td>{duration(j.created_at, j.ended_at ?? undefined)}</td>
            <td className="mono">{(j.spec.command ?? []).join(' ')}</td>
            <td>{j.run_id && <Link to={`/runs/${j.run_id}`}>run</Link>}</td>
            <td>{fmtTime(j.created_at)}</td>
          </tr>
        ))}</tbody>
      </table>
      {list.data && !jobs.length && <p className="muted">No jobs{state ? ` in state ${state}` : ''}. Start one with <code>npx trainyard launch --nproc-per-node 2 train.py</code>.</p>}
    </div>
  );
}

/**
 * One job: state history, each attempt's ranks with exit codes (the root cause marked), per-rank
 * logs (a running attempt's followed live), cancel. One server-sent event stream, no polling.
 */
export function JobPage({ jobId }: { jobId: string }) {
  const [q, setQ] = useQuery();
  const data = useAsync(() => api<{ job: Job }>('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}`), [jobId]);
  const [view, setView] = useState<{ job: Job } | undefined>();
  useEffect(() => setView(data.data), [data.data]);
  useEffect(() => setView(undefined), [jobId]);
  const job = view?.job;
  const live = !!job && LIVE.has(job.state);
  const [actionError, setActionError] = useState<string | null>(null);
  const events = job?.events ?? [];
  const history = events.filter((e) => e.state !== null);
  const exits = new Map<number, RankExit[]>(events.filter((e) => e.kind === 'exits').map((e) => [e.detail.attempt as number, e.detail.ranks as RankExit[]]));
  const files = events.filter((e) => e.kind === 'logs').flatMap((e) => e.detail.files as { attempt: number; rank: number; stream: string; artifact_path: string }[]);
  const notes = events.filter((e) => ['hang', 'straggler', 'cancel_requested', 'resumed'].includes(e.kind));
  const worldSize = (a: number) => Number(history.find((e) => e.attempt === a && e.state === 'running')?.detail.worldSize ?? 0);
  const attempts = [...new Set([...history.filter((e) => e.attempt !== null).map((e) => e.attempt!), ...exits.keys()])].sort((a, b) => a - b);
  // A failed attempt's root cause is in the transition that ended it.
  const causeOf = (a: number) => history.find((e) => e.attempt === a && (e.state === 'restarting' || e.state === 'failed'))?.detail.failure as Job['failure'] | undefined;
  const cancel = async () => {
    setActionError(null);
    try {
      await api('POST', `/api/v1/jobs/${encodeURIComponent(jobId)}/cancel`);
      data.reload();
    } catch (e) {
      setActionError((e as Error).message);
    }
  };
  const pick = { attempt: q.get('attempt'), rank: q.get('rank'), stream: q.get('stream') ?? 'stderr' };
  const chosen = files.find((f) => String(f.attempt) === pick.attempt && String(f.rank) === pick.rank && f.stream === pick.stream);
  // Until its attempt ends (and the files are attached to the run), a rank's log comes live from the stream.
  const following = pick.attempt !== null && pick.rank !== null && !!job && !files.some((f) => String(f.attempt) === pick.attempt);
  const [liveLog, onLog] = useLogText();
  useEventStream(withQuery(`/api/v1/jobs/${encodeURIComponent(jobId)}/events`, following ? { attempt: pick.attempt, rank: pick.rank, stream: pick.stream } : {}), { job: setView, log: onLog });
  const logButtons = (a: number, rank: number) => ['stdout', 'stderr'].map((s) => <button key={s} className="link" aria-label={`attempt ${a} rank ${rank} ${s}`} onClick={() => setQ({ attempt: String(a), rank: String(rank), stream: s })}>{s}</button>);
  return (
    <div className="page">
      <h1><Link to="/jobs">Jobs</Link> / {jobId}</h1>
      <ErrorLine error={data.error ?? actionError} />
      {job && (
        <div className="toolbar">
          <span>state <b className={`pstatus ${job.state}`} data-testid="job-state">{job.state}</b></span>
          <span>{job.spec.nprocPerNode ?? '?'} ranks · {job.attempts} attempts · {job.restarts} of {job.spec.maxRestarts ?? 0} restarts · {duration(job.created_at, job.ended_at ?? undefined)}</span>
          {job.checkpoint && <span>checkpoint step {job.checkpoint.step}</span>}
          {job.run_id && <Link to={`/runs/${job.run_id}`}>tracking run</Link>}
          <span className="muted">supervisor pid {job.supervisor.pid} on {job.supervisor.host}{job.supervisor.alive ? '' : ' (gone)'}</span>
          <button disabled={!live || job.cancel_requested} onClick={cancel}>{job.cancel_requested && live ? 'Cancelling…' : 'Cancel job'}</button>
        </div>
      )}
      {job?.failure && job.state === 'failed' && <div className="error">rank {job.failure.rank}: {job.failure.message}</div>}
      <div className="cols2">
        <div>
          <h2>State history</h2>
          <table className="grid" aria-label="state history"><thead><tr><th>at</th><th>state</th><th>attempt</th><th>detail</th></tr></thead>
            <tbody>{history.map((e) => <tr key={e.seq} data-state={e.state}><td>{fmtTime(e.at)}</td><td className={`pstatus ${e.state}`}>{e.state}</td><td>{e.attempt ?? ''}</td><td className="mono">{(e.detail.failure as Job['failure'])?.message ?? (e.detail.worldSize ? `world size ${e.detail.worldSize}, port ${e.detail.masterPort}` : '')}</td></tr>)}</tbody></table>
          {notes.length > 0 && <><h2>Events</h2><ul>{notes.map((e) => <li key={e.seq}>{fmtTime(e.at)} {e.kind} {e.detail.rank !== undefined ? `rank ${e.detail.rank}` : ''} {e.detail.reason ?? ''}</li>)}</ul></>}
        </div>
        <div>
          <h2>Ranks by attempt</h2>
          {attempts.map((a) => {
            const cause = causeOf(a);
            const ranks = exits.get(a);
            return (
              <table key={a} className="grid" aria-label={`attempt ${a}`} data-attempt={a}>
                <thead><tr><th colSpan={4}>attempt {a}{cause ? ` — failed: ${cause.message}` : ''}</th></tr><tr><th>rank</th><th>exit</th><th>logs</th><th /></tr></thead>
                <tbody>{ranks ? ranks.map((r) => (
                  <tr key={r.rank} data-rank={r.rank} className={cause?.rank === r.rank ? 'diff' : ''}>
                    <td>{r.rank}</td>
                    <td className="mono" data-testid="exit">{r.signal ? r.signal : r.exit_code}</td>
                    <td>{logButtons(a, r.rank)}</td>
                    <td>{cause?.rank === r.rank ? 'root cause' : ''}</td>
                  </tr>
                )) : live && worldSize(a) > 0 ? Array.from({ length: worldSize(a) }, (_, rank) => (
                  <tr key={rank} data-rank={rank}><td>{rank}</td><td className="muted" data-testid="exit">running</td><td>{logButtons(a, rank)}</td><td /></tr>
                )) : <tr><td colSpan={4} className="muted">{live ? 'running…' : 'no exits recorded'}</td></tr>}</tbody>
              </table>
            );
          })}
        </div>
      </div>
      {pick.attempt !== null && job && (
        <div>
          <h2>attempt {pick.attempt}, rank {pick.rank}, {pick.stream}</h2>
          {chosen && job.run_id ? <RankLog runId={job.run_id} path={chosen.artifact_path} />
            : following ? <><p className="muted">following the running attempt</p><pre className="code log" aria-label="rank log">{liveLog || (liveLog !== undefined ? '(empty so far)' : '')}</pre></>
            : <p className="muted">This attempt's logs are attached to the run when it ends.</p>}
        </div>
      )}
    </div>
  );
}

/** The last TAIL_BYTES of a rank's log artifact (a Range request: a big log never travels whole). */
function RankLog({ runId, path }: { runId: string; path: string }) {
  const text = useAsync(async () => {
    const dir = path.split('/').slice(0, -1).join('/');
    const list = await mlflow<{ files?: { path: string; file_size?: number }[] }>('GET', '/artifacts/list', { run_id: runId, path: dir });
    const size = list.files?.find((f) => f.path === path)?.file_size ?? 0;
    const from = Math.max(0, size - TAIL_BYTES);
    if (size === 0) return '';
    const res = await fetch(`/get-artifact?run_id=${runId}&path=${encodeURIComponent(path)}`, { headers: { range: `bytes=${from}-` } });
    if (!res.ok && res.status !== 206) throw new Error(`${res.status} ${await res.text()}`);
    const body = await res.text();
    return from > 0 ? `… (${from} earlier bytes not shown)\n${body.slice(body.indexOf('\n') + 1)}` : body;
  }, [runId, path]);
  return <><ErrorLine error={text.error} /><pre className="code log" aria-label="rank log">{text.data === '' ? '(empty)' : text.data}</pre></>;
}
