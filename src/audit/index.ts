/**
 * @module The audit log of every write: the store adds each state-changing request's record to
 * the request's own transaction (who, what, target, when, request id, from where); read by
 * `GET /api/v1/audit` and `trainyard audit list`.
 */
export { AuditingDatabase, withAudit } from './auditing-database.js';
export { installHttpAudit, isWriteRoute, type HttpAuditOptions } from './http-audit.js';
export { noteAuditFields, noteAuditResult } from './audit-scope.js';
export { listAuditRecords, type AuditRecord, type AuditQuery } from './audit-store.js';
export { auditRoutes } from './routes.js';
export { outsideAuditScope, runInAuditScope, type AuditScope } from './audit-scope.js';
export { claimAuditScope, auditGroupInsertSql, auditGroupParams, markAuditRecorded } from './audit-group.js';
