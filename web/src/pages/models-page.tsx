import { useState } from 'react';
import { api, mlflow } from '../api/client';
import { ErrorLine, fmtNum, fmtTime, useAsync } from '../components/common';
import { Markdown } from '../components/markdown';
import { Link, useQuery } from '../router';

interface Model { name: string; description?: string; last_updated_timestamp: number; latest_versions?: { version: string; current_stage: string }[]; aliases?: { alias: string; version: string }[] }
interface Version { name: string; version: string; current_stage: string; run_id?: string; creation_timestamp: number; aliases?: string[]; user_id?: string; description?: string }
interface Promotion { request_id: string; version: string; target: string; status: string; comment?: string; requested_by?: string; created_at: number; decided_by?: string; decision_comment?: string; gate_results: { gate: string; passed: boolean; detail?: string }[] }

/** Registered models with their latest versions and aliases. */
export function ModelsPage() {
  const [q, setQ] = useQuery();
  const text = q.get('q') ?? '';
  const list = useAsync(() => mlflow<{ registered_models?: Model[] }>('GET', '/registered-models/search', { max_results: 1000, ...(text ? { filter: `name ILIKE '%${text.replace(/'/g, "\\'")}%'` } : {}) }), [text]);
  return (
    <div className="page">
      <h1>Models</h1>
      <div className="toolbar"><input aria-label="search models" placeholder="Search by name" value={text} onChange={(e) => setQ({ q: e.target.value })} /></div>
      <ErrorLine error={list.error} />
      <table className="grid"><thead><tr><th>Name</th><th>Latest versions</th><th>Aliases</th><th>Updated</th></tr></thead>
        <tbody>{(list.data?.registered_models ?? []).map((m) => (
          <tr key={m.name} data-model={m.name}><td><Link to={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link></td>
            <td>{(m.latest_versions ?? []).map((v) => `v${v.version} ${v.current_stage}`).join(', ')}</td>
            <td>{(m.aliases ?? []).map((a) => <span key={a.alias} className="badge">@{a.alias} → v{a.version}</span>)}</td>
            <td>{fmtTime(m.last_updated_timestamp)}</td></tr>
        ))}</tbody></table>
      {list.data && !(list.data.registered_models ?? []).length && <p className="muted">No registered models.</p>}
    </div>
  );
}

/** One model: versions, aliases and stages; for the chosen version its lineage, card, promotions (approve/reject) and audit log. */
export function ModelPage({ name }: { name: string }) {
  const [q, setQ] = useQuery();
  const versions = useAsync(() => mlflow<{ model_versions?: Version[] }>('GET', '/model-versions/search', { filter: `name='${name.replace(/'/g, "\\'")}'`, max_results: 1000, order_by: ['version_number DESC'] }), [name]);
  const list = versions.data?.model_versions ?? [];
  const version = q.get('version') ?? list[0]?.version;
  const promotions = useAsync(() => api<{ requests: Promotion[] }>('GET', `/api/v1/models/${encodeURIComponent(name)}/promotions`), [name]);
  const audit = useAsync(() => api<{ entries: Record<string, unknown>[] }>('GET', `/api/v1/models/${encodeURIComponent(name)}/audit`), [name]);
  const [err, setErr] = useState<string | null>(null);
  const [target, setTarget] = useState('champion');
  const act = (f: () => Promise<unknown>) => f().then(() => (setErr(null), promotions.reload(), audit.reload(), versions.reload()), (e) => setErr(e.message));
  return (
    <div className="page">
      <h1><Link to="/models">Models</Link> / {name}</h1>
      <ErrorLine error={versions.error ?? err} />
      <table className="grid" aria-label="versions"><thead><tr><th>Version</th><th>Stage</th><th>Aliases</th><th>Run</th><th>Created</th><th>By</th></tr></thead>
        <tbody>{list.map((v) => (
          <tr key={v.version} className={v.version === version ? 'selected' : ''} data-version={v.version} onClick={() => setQ({ version: v.version })}>
            <td><a href="#" onClick={(e) => e.preventDefault()}>v{v.version}</a></td><td>{v.current_stage}</td>
            <td>{(v.aliases ?? []).map((a) => <span key={a} className="badge">@{a}</span>)}</td>
            <td>{v.run_id && <Link to={`/runs/${v.run_id}`}>{v.run_id.slice(0, 8)}</Link>}</td><td>{fmtTime(v.creation_timestamp)}</td><td>{v.user_id}</td>
          </tr>
        ))}</tbody></table>
      {version && (
        <>
          <section><h2>Promote v{version}</h2>
            <input aria-label="promotion target alias" value={target} onChange={(e) => setTarget(e.target.value)} /> <button onClick={() => act(() => api('POST', `/api/v1/models/${encodeURIComponent(name)}/promotions`, { version, alias: target }))}>Request promotion to @{target}</button>
          </section>
          <section><h2>Promotion requests</h2>
            <ErrorLine error={promotions.error} />
            <table className="grid" aria-label="promotions"><thead><tr><th>Version</th><th>Target</th><th>Status</th><th>Requested by</th><th>Gates</th><th>Decision</th><th /></tr></thead>
              <tbody>{(promotions.data?.requests ?? []).map((p) => (
                <tr key={p.request_id} data-request={p.request_id} data-status={p.status}><td>v{p.version}</td><td>{p.target}</td><td className={`status ${p.status}`}>{p.status}</td><td>{p.requested_by}</td>
                  <td>{p.gate_results.map((g) => <span key={g.gate} className={`badge ${g.passed ? 'ok' : 'bad'}`}>{g.gate}</span>)}</td>
                  <td>{p.decided_by && `${p.decided_by}${p.decision_comment ? `: ${p.decision_comment}` : ''}`}</td>
                  <td>{p.status === 'PENDING' && <><button onClick={() => act(() => api('POST', `/api/v1/models/${encodeURIComponent(name)}/promotions/${p.request_id}/approve`, {}))}>Approve</button> <button onClick={() => act(() => api('POST', `/api/v1/models/${encodeURIComponent(name)}/promotions/${p.request_id}/reject`, {}))}>Reject</button></>}</td></tr>
              ))}</tbody></table>
          </section>
          <Lineage name={name} version={version} />
          <Card name={name} version={version} />
        </>
      )}
      <section><h2>Audit log</h2>
        <table className="grid" aria-label="audit"><tbody>{(audit.data?.entries ?? []).map((e, i) => (
          <tr key={i}><td>{fmtTime(Number(e.at))}</td><td><b>{String(e.action)}</b></td><td>{String(e.user ?? '')}</td><td className="mono">{Object.entries(e).filter(([k]) => !['at', 'action', 'user', 'name'].includes(k)).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ')}</td></tr>
        ))}</tbody></table>
      </section>
    </div>
  );
}

function Lineage({ name, version }: { name: string; version: string }) {
  const l = useAsync(() => api<any>('GET', `/api/v1/models/${encodeURIComponent(name)}/versions/${version}/lineage`), [name, version]);
  const d = l.data;
  return (
    <section><h2>Lineage</h2>
      <ErrorLine error={l.error} />
      {d && (
        <div className="lineage" aria-label="lineage">
          <div className="lcol">{(d.datasets ?? []).map((x: any) => <div key={x.digest} className="lnode">dataset <b>{x.name}</b><br /><span className="mono">{String(x.digest).slice(0, 12)}</span> {x.context}</div>)}
            {d.code?.git_commit && <div className="lnode">commit <span className="mono">{d.code.git_commit.slice(0, 10)}</span></div>}</div>
          <div className="arrow">→</div>
          <div className="lcol">{d.run ? <div className="lnode">run <Link to={`/runs/${d.run.run_id}`}>{d.run.run_name}</Link><br />{(d.metrics ?? []).slice(0, 4).map((m: any) => <span key={m.key} className="muted">{m.key}={fmtNum(Number(m.value))} </span>)}</div> : <div className="lnode muted">no run</div>}</div>
          <div className="arrow">→</div>
          <div className="lcol"><div className="lnode">model <b>{name}</b> v{version}<br /><span className="mono">{String(d.files?.package_digest ?? '').slice(0, 12)}</span> {d.files?.count} files</div></div>
        </div>
      )}
    </section>
  );
}

function Card({ name, version }: { name: string; version: string }) {
  const c = useAsync(() => fetch(`/api/v1/models/${encodeURIComponent(name)}/versions/${version}/card`).then((r) => r.text()), [name, version]);
  return <section><h2>Model card</h2>{c.data && <Markdown text={c.data} />}</section>;
}
