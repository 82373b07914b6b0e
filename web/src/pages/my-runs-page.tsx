import { mlflow, type ApiError } from '../api/client';
import { ErrorLine, fmtTime, useAsync } from '../components/common';
import { Link } from '../router';

interface Run { info: { run_id: string; run_name?: string; experiment_id: string; status: string; start_time?: number; user_id?: string } }

const PER_EXPERIMENT = 100;

/** The signed-in user's own runs (the newest PER_EXPERIMENT of each experiment) across the experiments they can read, newest first. */
export function MyRunsPage({ username }: { username: string }) {
  const data = useAsync(async () => {
    const exps = await mlflow<{ experiments?: { experiment_id: string; name: string }[] }>('POST', '/experiments/search', { max_results: 1000 });
    const names = new Map((exps.experiments ?? []).map((e) => [e.experiment_id, e.name]));
    // One search per experiment (a few at a time): an experiment this user may not read answers
    // 403 and is left out, instead of failing the whole view.
    const filter = `attributes.user_id = '${username.replace(/'/g, "\\'")}'`;
    const ids = [...names.keys()];
    const runs: Run[] = [];
    for (let i = 0; i < ids.length; i += 6) {
      const pages = await Promise.all(ids.slice(i, i + 6).map((id) => mlflow<{ runs?: Run[] }>('POST', '/runs/search', { experiment_ids: [id], filter, order_by: ['attributes.start_time DESC'], max_results: PER_EXPERIMENT }).catch((e) => {
        if ((e as ApiError).status === 403) return { runs: [] };
        throw e;
      })));
      for (const p of pages) runs.push(...(p.runs ?? []));
    }
    runs.sort((a, b) => (b.info.start_time ?? 0) - (a.info.start_time ?? 0));
    return { runs, names };
  }, [username]);
  const runs = data.data?.runs ?? [];
  return (
    <div className="page">
      <h1>My runs <span className="muted">({username})</span></h1>
      <ErrorLine error={data.error} />
      <table className="grid" aria-label="my runs">
        <thead><tr><th>Run</th><th>Experiment</th><th>Status</th><th>Started</th></tr></thead>
        <tbody>{runs.map((r) => (
          <tr key={r.info.run_id} data-run={r.info.run_id}>
            <td><Link to={`/runs/${r.info.run_id}`}>{r.info.run_name || r.info.run_id}</Link></td>
            <td><Link to={`/experiments/${r.info.experiment_id}`}>{data.data?.names.get(r.info.experiment_id) ?? r.info.experiment_id}</Link></td>
            <td>{r.info.status}</td>
            <td>{fmtTime(r.info.start_time)}</td>
          </tr>
        ))}</tbody>
      </table>
      {data.data && !runs.length && <p className="muted">No runs of yours yet: runs you log while signed in (or with your token) show here.</p>}
    </div>
  );
}
