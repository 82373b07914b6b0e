import { optInt, optString } from '../core/request-fields.js';
import type { JsonRoute } from '../core/route.js';
import type { Database } from '../store/index.js';
import { listAuditRecords } from './audit-store.js';

/** Target kinds a permission can be granted on: a non-admin may read the log of those they can read. */
const READABLE_KINDS = new Set(['experiment', 'run', 'model', 'logged_model', 'study']);

/**
 * `GET /api/v1/audit?target=kind:id&user=...`: the audit log, newest first, paged. With auth on,
 * admins see everything; anyone else must name a target they can READ (the auth hook checks it
 * as the `audit_target` resource).
 */
export function auditRoutes(db: Database): JsonRoute[] {
  return [
    {
      methods: ['GET'],
      scope: 'absolute',
      path: '/api/v1/audit',
      auth: {
        resource: 'audit_target',
        level: 'READ',
        from: (f) => {
          const t = typeof f.target === 'string' ? f.target : undefined;
          return t && READABLE_KINDS.has(t.slice(0, t.indexOf(':'))) ? t : undefined;
        },
      },
      handler: async (f) =>
        listAuditRecords(db, {
          target: optString(f, 'target'),
          user: optString(f, 'user'),
          requestId: optString(f, 'request_id'),
          maxResults: optInt(f, 'max_results'),
          pageToken: optString(f, 'page_token'),
        }),
    },
  ];
}
