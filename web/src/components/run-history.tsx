import { api } from '../api/client';
import { ErrorLine, fmtTime, useAsync } from './common';

interface AuditRecord { id: string; timestamp: number; user?: string; verified: boolean; action: string; remote?: string }

/** One line per run of identical writes in a row: a training loop's thousands of log-metric calls read as one. */
function collapse(records: AuditRecord[]): (AuditRecord & { count: number; first: number })[] {
  const out: (AuditRecord & { count: number; first: number })[] = [];
  for (const r of records) {
    const last = out[out.length - 1];
    if (last && last.user === r.user && last.action === r.action && last.verified === r.verified) {
      last.count += 1;
      last.first = r.timestamp;
    } else out.push({ ...r, count: 1, first: r.timestamp });
  }
  return out;
}

/** Who changed what on a run, newest first, from the server's audit log (`GET /api/v1/audit?target=run:ID`). */
export function RunHistory({ runId }: { runId: string }) {
  const log = useAsync(() => api<{ records: AuditRecord[]; next_page_token?: string }>('GET', `/api/v1/audit?target=${encodeURIComponent(`run:${runId}`)}&max_results=500`), [runId]);
  const rows = collapse(log.data?.records ?? []);
  return (
    <section className="history">
      <h2>History</h2>
      <ErrorLine error={log.error} />
      <table className="grid" aria-label="history"><thead><tr><th>when</th><th>who</th><th>what</th><th>from</th></tr></thead><tbody>
        {rows.map((r) => (
          <tr key={r.id} data-user={r.user ?? ''}>
            <td>{fmtTime(r.timestamp)}{r.count > 1 ? ` (×${r.count} since ${fmtTime(r.first)})` : ''}</td>
            <td>{r.user ?? 'anonymous'}{r.verified ? '' : <span className="muted" title="sent without authentication (X-Trainyard-User): not verified"> (unverified)</span>}</td>
            <td>{r.action}</td>
            <td className="muted">{r.remote ?? ''}</td>
          </tr>
        ))}
      </tbody></table>
      {log.data?.next_page_token && <div className="muted">Older entries: <code>trainyard audit list --target run:{runId}</code></div>}
    </section>
  );
}
