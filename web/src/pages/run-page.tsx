import { useState } from 'react';
import { api, mlflow } from '../api/client';
import { num, tagOf, type MetricSummary, type Run } from '../api/types';
import { ArtifactBrowser } from '../components/artifacts';
import { ChartGrid } from '../components/chart-grid';
import { Comments } from '../components/comments';
import { RunHistory } from '../components/run-history';
import { duration, ErrorLine, fmtNum, fmtTime, useAsync } from '../components/common';
import { Markdown } from '../components/markdown';
import { Link, navigate, useQuery } from '../router';

const NOTE = 'mlflow.note.content';

/** One run: overview (params, metrics, tags, note, datasets, commit, environment), charts, artifacts, comments, history (the audit). */
export function RunPage({ runId }: { runId: string }) {
  const [q, setQ] = useQuery();
  const tab = q.get('tab') ?? 'overview';
  const run = useAsync(() => mlflow<{ run: Run }>('GET', '/runs/get', { run_id: runId }).then((r) => r.run), [runId]);
  const r = run.data;
  return (
    <div className="page">
      {r && <h1><Link to={`/experiments/${r.info.experiment_id}`}>Runs</Link> / {r.info.run_name} <span className={`status ${r.info.status}`}>{r.info.status}</span></h1>}
      <ErrorLine error={run.error} />
      <div className="tabs">
        {['overview', 'charts', 'artifacts', 'comments', 'history'].map((t) => <button key={t} className={tab === t ? 'on' : ''} onClick={() => setQ({ tab: t === 'overview' ? null : t, path: null })}>{t}</button>)}
      </div>
      {r && tab === 'overview' && <Overview run={r} reload={run.reload} />}
      {r && tab === 'charts' && <ChartGrid runs={[r]} metrics={[...new Set((r.data.metrics ?? []).map((m) => m.key))]} />}
      {r && tab === 'artifacts' && <ArtifactBrowser runId={runId} path={q.get('path') ?? ''} onPath={(p) => setQ({ path: p || null })} />}
      {r && tab === 'comments' && <Comments runId={runId} />}
      {r && tab === 'history' && <RunHistory runId={runId} />}
    </div>
  );
}

function Overview({ run, reload }: { run: Run; reload: () => void }) {
  const id = run.info.run_id;
  const tags = run.data.tags ?? [];
  const sums = useAsync(() => api<{ summaries: MetricSummary[] }>('POST', '/api/v1/runs/metric-summaries', { run_ids: [id], keys: (run.data.metrics ?? []).map((m) => m.key).slice(0, 100) }), [id]);
  const versions = useAsync(() => api<{ model_versions?: { name: string; version: string; current_stage?: string; aliases?: string[] }[] }>('GET', `/api/v1/runs/${id}/model-versions`), [id]);
  const commit = tagOf(run, 'mlflow.source.git.commit');
  const env = tags.filter((t) => t.key.startsWith('trainyard.env.') || t.key.startsWith('trainyard.lockfile.') || t.key === 'trainyard.argv' || t.key === 'trainyard.seed' || t.key === 'mlflow.source.name');
  return (
    <div className="overview">
      <section className="cols2">
        <div>
          <table className="kv"><tbody>
            <tr><th>Run ID</th><td className="mono">{id}</td></tr>
            <tr><th>User</th><td>{run.info.user_id}</td></tr>
            <tr><th>Started</th><td>{fmtTime(run.info.start_time)}</td></tr>
            <tr><th>Duration</th><td>{duration(run.info.start_time, run.info.end_time)}</td></tr>
            <tr><th>Reproduce</th><td><code>npx trainyard runs reproduce {id}</code></td></tr>
          </tbody></table>
          <StartFrom run={run} />
        </div>
        <Note run={run} reload={reload} />
      </section>
      <section><h2>Parameters</h2>
        <table className="grid"><tbody>{(run.data.params ?? []).map((p) => <tr key={p.key}><th>{p.key}</th><td className="mono">{p.value}</td></tr>)}</tbody></table>
      </section>
      <section><h2>Metrics</h2>
        <table className="grid" aria-label="metrics"><thead><tr><th>key</th><th>last</th><th>min</th><th>max</th><th>step</th><th>points</th></tr></thead>
          <tbody>{(sums.data?.summaries ?? []).map((m) => <tr key={m.key} data-metric={m.key}><th>{m.key}</th><td className="num">{fmtNum(num(m.last))}</td><td className="num">{fmtNum(num(m.min))}</td><td className="num">{fmtNum(num(m.max))}</td><td>{m.step}</td><td>{m.count}</td></tr>)}</tbody>
        </table>
      </section>
      <Tags run={run} reload={reload} />
      <section><h2>Datasets</h2>
        {!(run.inputs?.dataset_inputs ?? []).length && <p className="muted">No datasets logged.</p>}
        {(run.inputs?.dataset_inputs ?? []).map((d, i) => <Dataset key={i} d={d} />)}
      </section>
      <section><h2>Code</h2>
        {commit ? <p>commit <code>{commit}</code> {tagOf(run, 'mlflow.source.git.branch') && <>on <code>{tagOf(run, 'mlflow.source.git.branch')}</code></>} {tagOf(run, 'trainyard.git.dirty') === 'true' && <span className="badge">uncommitted changes</span>}</p> : <p className="muted">No commit captured.</p>}
        {tagOf(run, 'trainyard.git.dirty') === 'true' && <Diff runId={id} />}
      </section>
      <section><h2>Environment</h2>
        <table className="grid"><tbody>{env.map((t) => <tr key={t.key}><th>{t.key}</th><td className="mono">{t.value}</td></tr>)}</tbody></table>
        {!env.length && <p className="muted">Nothing captured.</p>}
      </section>
      <section><h2>Registered versions</h2>
        {(versions.data?.model_versions ?? []).map((v) => <div key={`${v.name}/${v.version}`}><Link to={`/models/${encodeURIComponent(v.name)}?version=${v.version}`}>{v.name} v{v.version}</Link> {v.current_stage} {(v.aliases ?? []).map((a) => <span key={a} className="badge">@{a}</span>)}</div>)}
        {versions.data && !(versions.data.model_versions ?? []).length && <p className="muted">Not registered.</p>}
      </section>
    </div>
  );
}

function Diff({ runId }: { runId: string }) {
  const d = useAsync(() => fetch(`/get-artifact?run_id=${runId}&path=trainyard/git.diff`).then((r) => (r.ok ? r.text() : '')), [runId]);
  return d.data ? <pre className="code diff">{d.data}</pre> : null;
}

function Dataset({ d }: { d: NonNullable<Run['inputs']>['dataset_inputs'] extends (infer X)[] | undefined ? X : never }) {
  let profile: any = null;
  try { profile = d.dataset.profile ? JSON.parse(d.dataset.profile) : null; } catch { /* not JSON */ }
  const columns: [string, any][] = profile?.columns ? Object.entries(profile.columns) : [];
  return (
    <div className="dataset">
      <b>{d.dataset.name}</b> <span className="mono muted">digest {d.dataset.digest}</span> <span className="muted">{d.dataset.source_type} {d.dataset.source}</span> {d.tags.map((t) => <span key={t.key} className="badge">{t.value}</span>)}
      {profile && (profile.rows !== undefined || profile.num_rows !== undefined) && <div className="muted">{profile.rows ?? profile.num_rows} rows</div>}
      {columns.length > 0 && <table className="grid"><thead><tr><th>column</th><th>profile</th></tr></thead><tbody>{columns.map(([k, v]) => <tr key={k}><th>{k}</th><td className="mono">{JSON.stringify(v)}</td></tr>)}</tbody></table>}
      {!columns.length && d.dataset.profile && <pre className="code">{d.dataset.profile.slice(0, 2000)}</pre>}
    </div>
  );
}

function Note({ run, reload }: { run: Run; reload: () => void }) {
  const note = tagOf(run, NOTE) ?? '';
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(note);
  const [err, setErr] = useState<string | null>(null);
  const save = async () => {
    try {
      await mlflow('POST', '/runs/set-tag', { run_id: run.info.run_id, key: NOTE, value: text });
      setEditing(false);
      reload();
    } catch (e) { setErr((e as Error).message); }
  };
  return (
    <section className="note"><h2>Note <button className="link" onClick={() => (setText(note), setEditing(!editing))}>{editing ? 'cancel' : 'edit'}</button></h2>
      <ErrorLine error={err} />
      {editing ? <><textarea aria-label="note" value={text} onChange={(e) => setText(e.target.value)} /><button onClick={save}>Save note</button></> : note ? <Markdown text={note} /> : <p className="muted">No note. Edit to describe this run (Markdown).</p>}
    </section>
  );
}

function Tags({ run, reload }: { run: Run; reload: () => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [err, setErr] = useState<string | null>(null);
  const act = (f: () => Promise<unknown>) => f().then(() => (setErr(null), reload()), (e) => setErr(e.message));
  const tags = (run.data.tags ?? []).filter((t) => !t.key.startsWith('mlflow.') && !t.key.startsWith('trainyard.'));
  return (
    <section><h2>Tags</h2>
      <ErrorLine error={err} />
      <table className="grid"><tbody>{tags.map((t) => <tr key={t.key}><th>{t.key}</th><td className="mono">{t.value}</td><td><button className="link" onClick={() => act(() => mlflow('POST', '/runs/delete-tag', { run_id: run.info.run_id, key: t.key }))}>delete</button></td></tr>)}</tbody></table>
      <form onSubmit={(e) => (e.preventDefault(), act(async () => (await mlflow('POST', '/runs/set-tag', { run_id: run.info.run_id, key, value }), setKey(''), setValue(''))))}>
        <input aria-label="tag key" placeholder="key" value={key} onChange={(e) => setKey(e.target.value)} /> <input aria-label="tag value" placeholder="value" value={value} onChange={(e) => setValue(e.target.value)} /> <button type="submit" disabled={!key}>Set tag</button>
      </form>
    </section>
  );
}

/** "Start from this run": a new run in the same experiment with this run's params and code reference, to edit and then run. */
function StartFrom({ run }: { run: Run }) {
  const [err, setErr] = useState<string | null>(null);
  const start = async () => {
    try {
      const carry = (run.data.tags ?? []).filter((t) => t.key.startsWith('mlflow.source.') || t.key === 'trainyard.seed');
      const res = await mlflow<{ run: Run }>('POST', '/runs/create', {
        experiment_id: run.info.experiment_id, run_name: `${run.info.run_name}-next`, start_time: Date.now(),
        tags: [...carry, { key: 'trainyard.startedFrom', value: run.info.run_id }],
      });
      const nid = res.run.info.run_id;
      if ((run.data.params ?? []).length) await mlflow('POST', '/runs/log-batch', { run_id: nid, params: run.data.params });
      await mlflow('POST', '/runs/update', { run_id: nid, status: 'SCHEDULED' });
      navigate(`/runs/${nid}`);
    } catch (e) { setErr((e as Error).message); }
  };
  return <div><button onClick={start}>Start from this run</button> <span className="muted">a new SCHEDULED run with these params and commit</span><ErrorLine error={err} /></div>;
}
