import { useState } from 'react';
import { mlflow } from '../api/client';
import type { Experiment } from '../api/types';
import { ErrorLine, fmtTime, useAsync } from '../components/common';
import { Link, useQuery } from '../router';

/** Experiments: search by name, create, rename, delete and restore (deleted ones behind a toggle). */
export function ExperimentsPage() {
  const [q, setQ] = useQuery();
  const text = q.get('q') ?? '';
  const deleted = q.get('deleted') === '1';
  const [name, setName] = useState('');
  const [err, setErr] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ id: string; name: string } | null>(null);
  const list = useAsync(
    () => mlflow<{ experiments?: Experiment[] }>('POST', '/experiments/search', {
      max_results: 1000, view_type: deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY', order_by: ['last_update_time DESC'],
      ...(text ? { filter: `name ILIKE '%${text.replace(/'/g, "\\'")}%'` } : {}),
    }),
    [text, deleted],
  );
  const act = async (f: () => Promise<unknown>) => {
    setErr(null);
    try {
      await f();
      list.reload();
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <div className="page">
      <h1>Experiments</h1>
      <div className="toolbar">
        <input aria-label="search experiments" placeholder="Search by name" value={text} onChange={(e) => setQ({ q: e.target.value })} />
        <label><input type="checkbox" checked={deleted} onChange={(e) => setQ({ deleted: e.target.checked ? '1' : null })} /> deleted</label>
        <form onSubmit={(e) => (e.preventDefault(), act(async () => (await mlflow('POST', '/experiments/create', { name }), setName(''))))}>
          <input aria-label="new experiment name" placeholder="New experiment name" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={!name.trim()}>Create</button>
        </form>
      </div>
      <ErrorLine error={err ?? list.error} />
      <table className="grid">
        <thead><tr><th>Name</th><th>ID</th><th>Last updated</th><th /></tr></thead>
        <tbody>
          {(list.data?.experiments ?? []).map((e) => (
            <tr key={e.experiment_id} data-experiment={e.name}>
              <td>
                {editing?.id === e.experiment_id ? (
                  <form onSubmit={(ev) => (ev.preventDefault(), act(async () => (await mlflow('POST', '/experiments/update', { experiment_id: e.experiment_id, new_name: editing.name }), setEditing(null))))}>
                    <input aria-label="rename" autoFocus value={editing.name} onChange={(ev) => setEditing({ id: e.experiment_id, name: ev.target.value })} />
                    <button type="submit">Save</button> <button type="button" onClick={() => setEditing(null)}>Cancel</button>
                  </form>
                ) : deleted ? e.name : <Link to={`/experiments/${e.experiment_id}`}>{e.name}</Link>}
              </td>
              <td className="mono">{e.experiment_id}</td>
              <td>{fmtTime(e.last_update_time)}</td>
              <td className="actions">
                {deleted ? (
                  <button onClick={() => act(() => mlflow('POST', '/experiments/restore', { experiment_id: e.experiment_id }))}>Restore</button>
                ) : (
                  <>
                    <button onClick={() => setEditing({ id: e.experiment_id, name: e.name })}>Rename</button>{' '}
                    <button onClick={() => act(() => mlflow('POST', '/experiments/delete', { experiment_id: e.experiment_id }))}>Delete</button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && !(list.data.experiments ?? []).length && <p className="muted">No {deleted ? 'deleted ' : ''}experiments{text ? ` matching “${text}”` : ''}.</p>}
    </div>
  );
}
