import { AsyncLocalStorage } from 'node:async_hooks';
import type { Fields } from '../core/request-fields.js';
import type { RouteAuth } from '../core/route.js';

/**
 * @module The write a request is making, carried through its async calls so the store can add
 * the audit record to the request's first write transaction (the record commits or rolls back
 * with the change itself). The HTTP layer opens a scope per state-changing request.
 */
export interface AuditScope {
  user?: string;
  /** True when the server authenticated `user`; false when it is the client's unverified claim. */
  verified: boolean;
  /** `METHOD /route/template`. */
  action: string;
  requestId: string;
  remote?: string;
  rule?: RouteAuth;
  /** The request's fields once the route parsed them (path params and query before that). */
  fields: Fields;
  /** The id of the record once one committed. */
  recordId?: number;
  /** Set when the handler has finished: background work it started writes no records. */
  closed: boolean;
}

const storage = new AsyncLocalStorage<AuditScope>();

export function runInAuditScope<T>(scope: AuditScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The open scope that has no record yet, if any. */
export function pendingAuditScope(): AuditScope | undefined {
  const s = storage.getStore();
  return s && !s.closed && s.recordId === undefined ? s : undefined;
}

/** The route's parsed fields (bind-routes calls this before running the handler). */
export function noteAuditFields(fields: Fields): void {
  const s = storage.getStore();
  if (s && !s.closed) s.fields = fields;
}

/** What a create route returned, so the record can name what was created. */
export function noteAuditResult(result: unknown): void {
  const s = storage.getStore() as (AuditScope & { result?: unknown }) | undefined;
  if (s && !s.closed) s.result = result;
}

export function currentAuditScope(): (AuditScope & { result?: unknown }) | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` outside any request's scope: a writer that commits several requests together (the
 * metric group commit) starts its shared work here, so no one request's scope leaks into it.
 */
export function outsideAuditScope<T>(fn: () => T): T {
  return storage.exit(fn);
}
