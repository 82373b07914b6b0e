import type { SqlValue } from '../store/index.js';
import { pendingAuditScope, type AuditScope } from './audit-scope.js';
import { auditTarget, cleanAuditText } from './audit-target.js';

/**
 * @module Audit records of several requests written by one statement: for a writer that commits
 * several requests' changes together (PostgreSQL metric group commit), each request's record
 * joins the group's statement, so it commits with its change and costs no commit of its own
 * (before this, every member but the first wrote its record in a transaction of its own when
 * its answer was sent: one more WAL flush per request).
 */

/** The request's scope while it has no record yet: the group writer carries it with the request. */
export function claimAuditScope(): AuditScope | undefined {
  return pendingAuditScope();
}

/**
 * PostgreSQL: an INSERT of the records from seven array parameters (see auditGroupParams),
 * written only where `condition` holds, returning each record's id and request id. Meant as one
 * data-modifying CTE of the group's statement.
 */
export function auditGroupInsertSql(condition: string): string {
  return `INSERT INTO audit_log (at, username, verified, action, target, request_id, remote)
       SELECT * FROM unnest(?::bigint[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[]) WHERE ${condition}
       RETURNING id, request_id`;
}

export function auditGroupParams(scopes: readonly AuditScope[]): SqlValue[] {
  const at = Date.now();
  const cols: unknown[][] = [[], [], [], [], [], [], []];
  for (const s of scopes) {
    cols[0]!.push(at);
    cols[1]!.push(s.user === undefined ? null : cleanAuditText(s.user, 255));
    cols[2]!.push(s.verified ? 1 : 0);
    cols[3]!.push(cleanAuditText(s.action));
    cols[4]!.push(auditTarget(s.rule, s.fields) ?? null);
    cols[5]!.push(s.requestId);
    cols[6]!.push(s.remote ?? null);
  }
  return cols as unknown as SqlValue[];
}

/** Marks the scopes recorded with the ids the insert returned (matched by request id). */
export function markAuditRecorded(scopes: readonly AuditScope[], rows: readonly { id: number | string; request_id: string }[]): void {
  const ids = new Map(rows.map((r) => [r.request_id, Number(r.id)]));
  const any = rows.length ? Number(rows[0]!.id) : undefined;
  for (const s of scopes) s.recordId = ids.get(s.requestId) ?? any;
}
