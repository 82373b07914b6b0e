import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { RouteAuth } from '../core/route.js';
import type { Database } from '../store/index.js';
import { runInAuditScope, type AuditScope } from './audit-scope.js';
import { insertAuditRecord } from './audit-store.js';
import { createdTarget } from './audit-target.js';

/** POST routes that only read (MLflow searches by POST); every other non-GET route is a write. */
const READ_ONLY_POST = /\/(search|get-latest-versions|metric-summaries|runs\/series)$/;
/**
 * The machine protocol of agents and node launchers (claims, heartbeats every second, log
 * chunks, a job supervisor's live log lines, rendezvous rounds): admin-token traffic that would flood the log. What it changes is
 * recorded where a person looks for it: the pipeline run's step history and the rendezvous history.
 */
const MACHINE_PROTOCOL = /^\/api\/v1\/((agents|rendezvous)\/|jobs\/[^/]+\/live-logs$)/;

export interface HttpAuditOptions {
  db: Database;
  /** The acting user of a request and whether the server verified it. */
  who: (req: FastifyRequest) => { user?: string; verified: boolean };
}

export function isWriteRoute(method: string, url: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  if (MACHINE_PROTOCOL.test(url)) return false;
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
    // Decided per method once, here, instead of two regular expressions per request.
    const writes = new Set(methods.filter((m) => isWriteRoute(m, route.url)));
    if (!writes.size) return;
    const handler = route.handler as RouteHandlerMethod;
    const rule = (route.config as { auth?: RouteAuth } | undefined)?.auth;
    const template = route.url;
    route.handler = async function audited(this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      if (!writes.has(req.method)) return handler.call(this, req, reply);
      const { user, verified } = opts.who(req);
      const scope: AuditScope = {
        user, verified, action: `${req.method} ${template}`, requestId: String(req.id), remote: req.ip, rule,
        fields: { ...(req.query as object), ...(req.params as object) }, closed: false,
      };
      (req as AuditedRequest)[SCOPE] = scope;
      try {
        return await runInAuditScope(scope, () => handler.call(this, req, reply));
      } finally {
        scope.closed = true;
      }
    } as RouteHandlerMethod;
  });
  // Before the answer leaves (so a client that reads the log next finds the record): a write
  // that touched no table gets its record now, and a create's record names what it created.
  // Callback-style: the usual write (its record already committed with it, nothing created)
  // passes without a promise of its own.
  app.addHook('onSend', (req, reply, payload, done) => {
    const scope = (req as AuditedRequest)[SCOPE];
    if (!scope || scope.finished) return done(null, payload);
    scope.finished = true;
    scope.closed = true;
    if (reply.statusCode >= 400) return done(null, payload);
    const created = createdTarget(rule(scope), (scope as AuditScope & { result?: unknown }).result);
    if (scope.recordId !== undefined && !created) return done(null, payload);
    finishRecord(opts.db, scope, created).then(() => done(null, payload), (e: Error) => done(e));
  });
}

/** A write that touched no table gets its record now; a create's record names what it created. */
async function finishRecord(db: Database, scope: AuditScope, created: string | undefined): Promise<void> {
  if (scope.recordId === undefined) scope.recordId = await db.transaction((tx) => insertAuditRecord(tx, scope));
  if (created) await db.run('UPDATE audit_log SET target = ? WHERE id = ?', [created, scope.recordId]);
}

const SCOPE = Symbol('trainyard.audit');
type AuditedRequest = FastifyRequest & { [SCOPE]?: AuditScope & { finished?: boolean } };
const rule = (s: AuditScope) => s.rule;
