import { InvalidParameter } from '../core/errors.js';
import type { Database, Executor } from '../store/index.js';
import { modelRow } from './registry-rows.js';
import { parseVersion } from './validation.js';

/**
 * @module The audit log of registry transitions: every alias move, stage change, promotion
 * request and decision, with who, when, from, to and why. Rows keep the model's name and have no
 * foreign key, so the history outlives a deleted model.
 */
export type AuditAction =
  | 'alias_set'
  | 'alias_deleted'
  | 'stage_transition'
  | 'promotion_requested'
  | 'promotion_approved'
  | 'promotion_rejected'
  | 'promotion_cancelled'
  | 'gate_override'
  | 'policy_updated';

export interface AuditEntry {
  model: number;
  modelName: string;
  version?: number;
  action: AuditAction;
  /** `@champion` for an alias, the stage name for a stage. */
  target?: string;
  from?: string | null;
  to?: string | null;
  actor?: string;
  reason?: string;
  requestId?: string;
  details?: Record<string, unknown>;
  at: number;
}

export interface AuditRecord {
  id: string;
  model: string;
  version?: string;
  action: AuditAction;
  target?: string;
  from?: string;
  to?: string;
  user?: string;
  reason?: string;
  request_id?: string;
  details?: Record<string, unknown>;
  timestamp: number;
}

export async function recordAudit(tx: Executor, e: AuditEntry): Promise<void> {
  await tx.run(
    `INSERT INTO registry_audit (model, model_name, version, action, target, from_value, to_value, actor, reason, request_id, details, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [e.model, e.modelName, e.version ?? null, e.action, e.target ?? null, e.from ?? null, e.to ?? null, e.actor ?? null, e.reason ?? null,
      e.requestId ?? null, e.details ? JSON.stringify(e.details) : null, e.at],
  );
}

interface AuditRow {
  id: number;
  model_name: string;
  version: number | null;
  action: AuditAction;
  target: string | null;
  from_value: string | null;
  to_value: string | null;
  actor: string | null;
  reason: string | null;
  request_id: string | null;
  details: string | null;
  at: number;
}

/**
 * One page of a model's audit log, oldest first. The page token is the last row's id: ids only
 * grow, so pages stay correct while new transitions are appended.
 */
export async function listAudit(ex: Executor, model: number, opts: { maxResults?: number; pageToken?: string; version?: number }) {
  const max = opts.maxResults ?? 1000;
  if (max < 1 || max > 10_000) throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results': it must be between 1 and 10000.`);
  let after = 0;
  if (opts.pageToken) {
    if (!/^\d+$/.test(opts.pageToken)) throw new InvalidParameter(`Invalid page_token '${opts.pageToken.slice(0, 40)}': it is not a token this server issued.`);
    after = Number(opts.pageToken);
  }
  const rows = await ex.all<AuditRow>(
    `SELECT * FROM registry_audit WHERE model = ? AND id > ?${opts.version !== undefined ? ' AND version = ?' : ''} ORDER BY id LIMIT ?`,
    [model, after, ...(opts.version !== undefined ? [opts.version] : []), max + 1],
  );
  const page = rows.slice(0, max);
  const entries = page.map(auditJson);
  return { entries, ...(rows.length > max ? { next_page_token: String(page[page.length - 1]!.id) } : {}) };
}

function auditJson(r: AuditRow): AuditRecord {
  const out: AuditRecord = { id: String(r.id), model: r.model_name, action: r.action, timestamp: Number(r.at) };
  if (r.version !== null) out.version = String(r.version);
  if (r.target !== null) out.target = r.target;
  if (r.from_value !== null) out.from = r.from_value;
  if (r.to_value !== null) out.to = r.to_value;
  if (r.actor !== null) out.user = r.actor;
  if (r.reason !== null) out.reason = r.reason;
  if (r.request_id !== null) out.request_id = r.request_id;
  if (r.details !== null) out.details = JSON.parse(r.details) as Record<string, unknown>;
  return out;
}

/** The audit log by model name (the read side the routes use). */
export class AuditService {
  constructor(private readonly db: Database) {}

  async list(name: string, opts: { maxResults?: number; pageToken?: string; version?: string }) {
    const m = await modelRow(this.db, name);
    return listAudit(this.db, m.id, { maxResults: opts.maxResults, pageToken: opts.pageToken, ...(opts.version ? { version: parseVersion(opts.version) } : {}) });
  }
}
