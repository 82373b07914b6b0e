import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { RouteAuth } from '../core/route.js';
import type { Database } from '../store/index.js';
import { runInAuditScope, type AuditScope } from './audit-scope.js';
import { insertAuditRecord } from './audit-store.js';
import { createdTarget } from './audit-target.js';

/** POST routes that only read (MLflow searches by POST); every other non-GET route is a write. */
const READ_ONLY_POST = /\/(search|get-latest-versions|metric-summaries)$/;

export interface HttpAuditOptions {
  db: Database;
  /** The acting user of a request and whether the server verified it. */
  who: (req: FastifyRequest) => { user?: string; verified: boolean };
}

export function isWriteRoute(method: string, url: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  return !(method === 'POST' && READ_ONLY_POST.test(url));
}

/**
 * Wraps the handler of every state-changing route (registered after this call, plugins
 * included) in an audit scope. The store writes the record inside the request's first write
 * transaction; a write that touched no table (an artifact upload) gets its record once the
 * handler succeeds. A create route's record is then pointed at what it created.
 */
export function installHttpAudit(app: FastifyInstance, opts: HttpAuditOptions): void {
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (!methods.some((m) => isWriteRoute(m, route.url))) return;
    const handler = route.handler as RouteHandlerMethod;
    const rule = (route.config as { auth?: RouteAuth } | undefined)?.auth;
    const template = route.url;
    route.handler = async function audited(this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      if (!isWriteRoute(req.method, template)) return handler.call(this, req, reply);
      const { user, verified } = opts.who(req);
      const scope: AuditScope = {
        user, verified, action: `${req.method} ${template}`, requestId: String(req.id), remote: req.ip, rule,
        fields: { ...(req.query as object), ...(req.params as object) }, closed: false,
      };
      const out = await runInAuditScope(scope, () => handler.call(this, req, reply));
      const result = currentAuditScopeResult(scope);
      scope.closed = true;
      if (reply.statusCode < 400) {
        if (scope.recordId === undefined) scope.recordId = await opts.db.transaction((tx) => insertAuditRecord(tx, scope));
        const created = createdTarget(rule, result);
        if (created) await opts.db.run('UPDATE audit_log SET target = ? WHERE id = ?', [created, scope.recordId]);
      }
      return out;
    } as RouteHandlerMethod;
  });
}

function currentAuditScopeResult(scope: AuditScope): unknown {
  return (scope as AuditScope & { result?: unknown }).result;
}
