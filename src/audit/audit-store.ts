import { InvalidParameter } from '../core/errors.js';
import type { Executor } from '../store/index.js';
import type { AuditScope } from './audit-scope.js';
import { auditTarget, cleanAuditText } from './audit-target.js';

export interface AuditRecord {
  id: string;
  timestamp: number;
  user?: string;
  /** False when the user is the client's unverified claim (auth off: X-Trainyard-User). */
  verified: boolean;
  action: string;
  target?: string;
  request_id: string;
  remote?: string;
}

/** Writes the scope's record on `ex` (the change's own transaction) and returns its id. */
export async function insertAuditRecord(ex: Executor, s: AuditScope): Promise<number> {
  const row = await ex.one<{ id: number }>(
    'INSERT INTO audit_log (at, username, verified, action, target, request_id, remote) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
    [Date.now(), s.user === undefined ? null : cleanAuditText(s.user, 255), s.verified ? 1 : 0, cleanAuditText(s.action), auditTarget(s.rule, s.fields) ?? null,
      s.requestId, s.remote ?? null],
  );
  return Number(row!.id);
}

interface Row {
  id: number;
  at: number;
  username: string | null;
  verified: number;
  action: string;
  target: string | null;
  request_id: string;
  remote: string | null;
}

export interface AuditQuery {
  target?: string;
  user?: string;
  requestId?: string;
  maxResults?: number;
  pageToken?: string;
}

/** One page of the log, newest first; the page token is the last id shown (ids only grow). */
export async function listAuditRecords(ex: Executor, q: AuditQuery): Promise<{ records: AuditRecord[]; next_page_token?: string }> {
  const max = q.maxResults ?? 100;
  if (max < 1 || max > 1000) throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results': it must be between 1 and 1000.`);
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (q.pageToken !== undefined) {
    if (!/^\d{1,15}$/.test(q.pageToken)) throw new InvalidParameter(`Invalid page_token '${q.pageToken.slice(0, 40)}': it is not a token this server issued.`);
    where.push('id < ?');
    params.push(Number(q.pageToken));
  }
  if (q.target !== undefined) (where.push('target = ?'), params.push(cleanAuditText(q.target)));
  if (q.user !== undefined) (where.push('username = ?'), params.push(cleanAuditText(q.user, 255)));
  if (q.requestId !== undefined) (where.push('request_id = ?'), params.push(cleanAuditText(q.requestId, 200)));
  const rows = await ex.all<Row>(
    `SELECT id, at, username, verified, action, target, request_id, remote FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
    [...params, max + 1],
  );
  const page = rows.slice(0, max);
  const records = page.map((r): AuditRecord => ({
    id: String(r.id), timestamp: Number(r.at), verified: Boolean(Number(r.verified)), action: r.action, request_id: r.request_id,
    ...(r.username !== null ? { user: r.username } : {}), ...(r.target !== null ? { target: r.target } : {}), ...(r.remote !== null ? { remote: r.remote } : {}),
  }));
  return { records, ...(rows.length > max ? { next_page_token: String(page[page.length - 1]!.id) } : {}) };
}
