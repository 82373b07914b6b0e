/**
 * @module Agents over HTTP (see /work/coord/agents-api.md). Every route is admin-only when auth
 * is on: an agent runs anyone's steps, so its token must be an admin's.
 *
 * | Method | Path | Body | Answer |
 * |---|---|---|---|
 * | POST | /api/v1/agents/register | name, slots, labels, hostname | { agent, lease_ms, heartbeat_ms } |
 * | GET | /api/v1/agents | | { agents } |
 * | POST | /api/v1/agents/:agent/claim | limit, wait_ms, lease_ms | { tasks } |
 * | POST | /api/v1/agents/:agent/heartbeat | leases [{item_id, token}], lease_ms | { leases [{item_id, status}] } |
 * | POST | /api/v1/agents/:agent/unregister | | {} |
 * | POST | /api/v1/agents/tasks/:item/log | token, lines [[stream, line]] | { kept_bytes } |
 * | GET | /api/v1/agents/tasks/:item/log | attempt, after_seq | { chunks } |
 * | POST | /api/v1/agents/tasks/:item/complete | token, result | { item_id, state } |
 * | POST | /api/v1/agents/tasks/:item/fail | token, error, retry, delay_ms | { item_id, state } |
 */
import { InvalidParameter } from '../core/errors.js';
import { optBool, optInt, optString, reqInt, reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute, RouteAuth } from '../core/route.js';
import type { AgentsService } from './agents-service.js';
import { AGENTS_API, DEFAULT_LEASE_MS, MAX_CLAIM_WAIT_MS, MAX_LEASE_MS, type LogLine } from './protocol.js';

const ADMIN: RouteAuth = { admin: true };
const STREAMS = new Set(['stdout', 'stderr', 'system']);
const MAX_LINES_PER_APPEND = 5000;

function labelsField(f: Fields): Record<string, string> {
  const v = f.labels;
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) throw new InvalidParameter("Invalid value for parameter 'labels': expected an object of name -> string.");
  return v as Record<string, string>;
}

function linesField(f: Fields): LogLine[] {
  const v = f.lines;
  if (!Array.isArray(v)) throw new InvalidParameter("Missing value for required parameter 'lines': a list of [stream, line] pairs.");
  if (v.length > MAX_LINES_PER_APPEND) throw new InvalidParameter(`Parameter 'lines' holds ${v.length} lines: send at most ${MAX_LINES_PER_APPEND} per request.`);
  for (const l of v) {
    if (!Array.isArray(l) || l.length !== 2 || !STREAMS.has(l[0]) || typeof l[1] !== 'string') throw new InvalidParameter("Invalid value in 'lines': each must be [stream, line] with stream stdout, stderr or system.");
  }
  return v as LogLine[];
}

function leasesField(f: Fields): { item_id: number; token: string }[] {
  const v = f.leases ?? [];
  if (!Array.isArray(v)) throw new InvalidParameter("Invalid value for parameter 'leases': expected a list of {item_id, token}.");
  return v.map((l) => {
    if (!l || typeof l !== 'object') throw new InvalidParameter("Invalid value in 'leases': each must be {item_id, token}.");
    return { item_id: reqInt(l as Fields, 'item_id', { min: 1 }), token: reqString(l as Fields, 'token') };
  });
}

const itemId = (f: Fields) => reqInt(f, 'item', { min: 1 });

export function agentRoutes(svc: AgentsService): JsonRoute[] {
  const r = (methods: JsonRoute['methods'], path: string, handler: JsonRoute['handler']): JsonRoute => ({ methods, scope: 'absolute', path: AGENTS_API + path, auth: ADMIN, handler });
  return [
    r(['POST'], '/register', async (f) =>
      svc.register({ name: reqString(f, 'name'), slots: reqInt(f, 'slots', { min: 1, max: 1024 }), labels: labelsField(f), hostname: optString(f, 'hostname') ?? 'unknown' }),
    ),
    r(['GET'], '', async () => ({ agents: await svc.list() })),
    r(['POST'], '/:agent/claim', async (f, ctx) => ({
      tasks: await svc.claim(reqString(f, 'agent'), {
        limit: optInt(f, 'limit', { min: 1, max: 1024 }) ?? 1,
        waitMs: optInt(f, 'wait_ms', { min: 0, max: MAX_CLAIM_WAIT_MS }) ?? 0,
        leaseMs: optInt(f, 'lease_ms', { min: 1000, max: MAX_LEASE_MS }) ?? DEFAULT_LEASE_MS,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      }),
    })),
    r(['POST'], '/:agent/heartbeat', async (f) => ({ leases: await svc.heartbeat(reqString(f, 'agent'), leasesField(f), optInt(f, 'lease_ms', { min: 1000, max: MAX_LEASE_MS }) ?? DEFAULT_LEASE_MS) })),
    r(['POST'], '/:agent/unregister', async (f) => (await svc.unregister(reqString(f, 'agent')), {})),
    r(['POST'], '/tasks/:item/log', async (f) => svc.appendLog(itemId(f), reqString(f, 'token'), linesField(f))),
    r(['GET'], '/tasks/:item/log', async (f) => {
      const attempt = optInt(f, 'attempt', { min: 0 });
      const seq = optInt(f, 'after_seq', { min: -1 });
      return { chunks: await svc.readLog(itemId(f), { attempt: attempt ?? 0, seq: seq ?? -1 }) };
    }),
    r(['POST'], '/tasks/:item/complete', async (f) => {
      const item = await svc.complete(itemId(f), reqString(f, 'token'), f.result);
      return { item_id: item.id, state: item.state };
    }),
    r(['POST'], '/tasks/:item/fail', async (f) => {
      const retry = optBool(f, 'retry');
      const delayMs = optInt(f, 'delay_ms', { min: 0, max: 24 * 3600_000 });
      const item = await svc.fail(itemId(f), reqString(f, 'token'), reqString(f, 'error'), { ...(retry !== undefined ? { retry } : {}), ...(delayMs !== undefined ? { delayMs } : {}) });
      return { item_id: item.id, state: item.state };
    }),
  ];
}
