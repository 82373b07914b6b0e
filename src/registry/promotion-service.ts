import { AppError, Conflict, InvalidParameter, InvalidState, NotFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Database, Executor } from '../store/index.js';
import { recordAudit } from './audit-log.js';
import type { ModelRow } from './entities.js';
import type { EventSink } from './events.js';
import { describeFailures, type GateResult } from './gates.js';
import type { PolicyService } from './policy-service.js';
import { modelRow, versionRow } from './registry-rows.js';
import { moveAlias, moveStage } from './transitions.js';
import type { SourceResolver } from './version-source.js';
import { parseStage, parseVersion, validateAlias } from './validation.js';

/**
 * @module Promotion with review: a request to move an alias or a stage to a version, with a
 * comment and an optional evaluation report; another user approves (which applies the move) or
 * rejects it. Gates are evaluated when the request is made and again at approval; a failing gate
 * blocks approval unless an override with a reason is given, and the override is audited.
 */
export type PromotionStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'CANCELLED';

export interface PromotionJson {
  request_id: string;
  name: string;
  version: string;
  /** `@champion` or a stage name. */
  target: string;
  archive_existing_versions: boolean;
  status: PromotionStatus;
  comment?: string;
  evaluation_report?: string;
  requested_by?: string;
  created_at: number;
  decided_by?: string;
  decided_at?: number;
  decision_comment?: string;
  gate_results: GateResult[];
  override?: { reason: string; user?: string };
  /** Set when an admin approved their own request: the reason they gave. */
  self_approval?: { reason: string; user: string };
}

export interface PromotionInput {
  version: string;
  alias?: string;
  stage?: string;
  comment?: string;
  evaluationReport?: string;
  archiveExisting?: boolean;
  overrideReason?: string;
}

interface RequestRow {
  id: string;
  model: number;
  version: number;
  target_kind: 'alias' | 'stage';
  target: string;
  archive_existing: number;
  status: PromotionStatus;
  comment: string | null;
  report_uri: string | null;
  requested_by: string | null;
  created_at: number;
  decided_by: string | null;
  decided_at: number | null;
  decision_comment: string | null;
  gate_results: string | null;
  override_reason: string | null;
  overridden_by: string | null;
  self_approval_reason?: string | null;
}

function requestJson(name: string, r: RequestRow): PromotionJson {
  const out: PromotionJson = {
    request_id: r.id,
    name,
    version: String(r.version),
    target: r.target_kind === 'alias' ? `@${r.target}` : r.target,
    archive_existing_versions: Boolean(Number(r.archive_existing)),
    status: r.status,
    created_at: Number(r.created_at),
    gate_results: r.gate_results ? (JSON.parse(r.gate_results) as GateResult[]) : [],
  };
  if (r.comment !== null) out.comment = r.comment;
  if (r.report_uri !== null) out.evaluation_report = r.report_uri;
  if (r.requested_by !== null) out.requested_by = r.requested_by;
  if (r.decided_by !== null) out.decided_by = r.decided_by;
  if (r.decided_at !== null) out.decided_at = Number(r.decided_at);
  if (r.decision_comment !== null) out.decision_comment = r.decision_comment;
  if (r.self_approval_reason) out.self_approval = { reason: r.self_approval_reason, user: r.decided_by ?? '' };
  if (r.override_reason !== null) out.override = { reason: r.override_reason, ...(r.overridden_by ? { user: r.overridden_by } : {}) };
  return out;
}

export class PromotionService {
  constructor(
    private readonly db: Database,
    private readonly events: EventSink,
    private readonly policy: PolicyService,
    private readonly sources: SourceResolver,
  ) {}

  async request(name: string, input: PromotionInput, actor: string | undefined): Promise<PromotionJson> {
    if ((input.alias === undefined) === (input.stage === undefined)) {
      throw new InvalidParameter(`Give exactly one of 'alias' (e.g. 'champion') or 'stage' (e.g. 'Production') to promote to.`);
    }
    const kind = input.alias !== undefined ? 'alias' : 'stage';
    const target = kind === 'alias' ? input.alias!.replace(/^@/, '') : parseStage(input.stage!);
    if (kind === 'alias') validateAlias(target);
    if (input.archiveExisting && (kind !== 'stage' || (target !== 'Staging' && target !== 'Production'))) {
      throw new InvalidParameter(`'archive_existing_versions' applies to a move to the Staging or Production stage only.`);
    }
    const m = await modelRow(this.db, name);
    const v = await versionRow(this.db, m, parseVersion(input.version));
    const report = input.evaluationReport ? await this.sources.locateFile(input.evaluationReport, v.run_id ?? undefined, 'evaluation_report') : null;
    const label = kind === 'alias' ? `@${target}` : target;
    const policy = await this.policy.policyFor(this.db, m.id);
    const gates = this.policy.covers(policy, label) ? await this.policy.evaluate(policy, v) : [];
    const id = newId('pr-');
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const dup = await tx.one<{ id: string }>(
        "SELECT id FROM promotion_requests WHERE model = ? AND version = ? AND target_kind = ? AND target = ? AND status = 'PENDING'",
        [m.id, v.version, kind, target],
      );
      if (dup) throw new Conflict(`A pending request (${dup.id}) already asks to move ${label} of '${name}' to version ${v.version}.`);
      await tx.run(
        `INSERT INTO promotion_requests (id, model, version, target_kind, target, archive_existing, status, comment, report_uri, requested_by, created_at, gate_results, override_reason, overridden_by)
         VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?)`,
        [id, m.id, v.version, kind, target, input.archiveExisting ? 1 : 0, input.comment ?? null, report, actor ?? null, now, JSON.stringify(gates),
          input.overrideReason ?? null, input.overrideReason ? actor ?? null : null],
      );
      await recordAudit(tx, {
        model: m.id, modelName: m.name, version: v.version, action: 'promotion_requested', target: label, to: String(v.version), at: now,
        requestId: id, ...(actor ? { actor } : {}), ...(input.comment ? { reason: input.comment } : {}),
        details: { gate_results: gates, ...(report ? { evaluation_report: report } : {}), ...(input.overrideReason ? { override_reason: input.overrideReason } : {}) },
      });
      await this.events.publish(tx, 'promotion.requested', {
        request_id: id, name: m.name, version: String(v.version), target: label, comment: input.comment ?? null, requested_by: actor ?? null,
        evaluation_report: report, gates_passed: gates.every((g) => g.passed),
      });
    });
    this.events.wake();
    return this.get(name, id);
  }

  async get(name: string, id: string): Promise<PromotionJson> {
    const m = await modelRow(this.db, name);
    return requestJson(m.name, await this.row(this.db, m, id));
  }

  async list(name: string, opts: { status?: string; maxResults?: number; pageToken?: string }) {
    const m = await modelRow(this.db, name);
    const max = opts.maxResults ?? 100;
    if (max < 1 || max > 1000) throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results': it must be between 1 and 1000.`);
    const status = opts.status?.toUpperCase();
    if (status && !['PENDING', 'APPROVED', 'REJECTED', 'CANCELLED'].includes(status)) {
      throw new InvalidParameter(`Invalid value '${opts.status}' for parameter 'status': expected PENDING, APPROVED, REJECTED or CANCELLED.`);
    }
    let after: [number, string] | undefined;
    if (opts.pageToken) {
      const t = /^(\d+):(pr-[0-9a-f]+)$/.exec(Buffer.from(opts.pageToken, 'base64url').toString('utf8'));
      if (!t) throw new InvalidParameter(`Invalid page_token '${opts.pageToken.slice(0, 40)}': it is not a token this server issued.`);
      after = [Number(t[1]), t[2]!];
    }
    const rows = await this.db.all<RequestRow>(
      `SELECT * FROM promotion_requests WHERE model = ?${status ? ' AND status = ?' : ''}${after ? ' AND (created_at < ? OR (created_at = ? AND id < ?))' : ''}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
      [m.id, ...(status ? [status] : []), ...(after ? [after[0], after[0], after[1]] : []), max + 1],
    );
    const page = rows.slice(0, max);
    const last = page[page.length - 1];
    return {
      requests: page.map((r) => requestJson(m.name, r)),
      ...(rows.length > max && last ? { next_page_token: Buffer.from(`${Number(last.created_at)}:${last.id}`).toString('base64url') } : {}),
    };
  }

  /**
   * Approves and applies the move. The approver must differ from the requester when both are
   * known; failing gates need an override reason (here or on the request).
   */
  async approve(name: string, id: string, input: { comment?: string; overrideReason?: string; selfApproval?: { reason?: string; admin: boolean } }, actor: string | undefined): Promise<PromotionJson> {
    const m0 = await modelRow(this.db, name);
    const r0 = await this.pending(this.db, m0, id);
    // Four eyes: the requester cannot approve. An admin may, only with a reason that is kept.
    const own = Boolean(r0.requested_by && actor && r0.requested_by === actor);
    const selfReason = own && input.selfApproval?.admin ? input.selfApproval.reason?.trim() || undefined : undefined;
    if (own && input.selfApproval?.admin && !selfReason) {
      throw new AppError('PERMISSION_DENIED', `User '${actor}' requested promotion ${id} and cannot approve it: another user with MANAGE must review it. As an admin you may approve your own request with a self_approval_reason, which is recorded.`);
    }
    if (!selfReason) this.checkOtherUser(r0, actor, 'approve');
    const v0 = await versionRow(this.db, m0, Number(r0.version));
    const label = r0.target_kind === 'alias' ? `@${r0.target}` : r0.target;
    const policy = await this.policy.policyFor(this.db, m0.id);
    const gates = this.policy.covers(policy, label) ? await this.policy.evaluate(policy, v0) : [];
    const failed = gates.some((g) => !g.passed);
    const overrideReason = input.overrideReason ?? r0.override_reason ?? undefined;
    const overriddenBy = input.overrideReason ? actor : r0.overridden_by ?? undefined;
    if (failed && !overrideReason) {
      throw new InvalidState(`Cannot approve: version ${v0.version} of '${name}' fails its gates for ${label}: ${describeFailures(gates)}. Approve with an override reason (--override-reason on the CLI, override_reason over HTTP) to promote it anyway.`);
    }
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const m = await modelRow(tx, name, true);
      const r = await this.pending(tx, m, id, true);
      const v = await versionRow(tx, m, Number(r.version), true);
      const meta = { actor, reason: input.comment ?? r.comment ?? undefined, requestId: id, details: { gate_results: gates, ...(failed ? { override_reason: overrideReason } : {}), ...(selfReason ? { self_approval_reason: selfReason } : {}) } };
      if (failed) {
        await recordAudit(tx, {
          model: m.id, modelName: m.name, version: v.version, action: 'gate_override', target: label, at: now, requestId: id, reason: overrideReason,
          ...(overriddenBy ? { actor: overriddenBy } : {}), details: { failed_gates: gates.filter((g) => !g.passed) },
        });
      }
      if (r.target_kind === 'alias') await moveAlias(tx, this.events, m, r.target, v.version, meta);
      else await moveStage(tx, this.events, m, v, parseStage(r.target), Boolean(Number(r.archive_existing)), meta);
      await tx.run(
        `UPDATE promotion_requests SET status = 'APPROVED', decided_by = ?, decided_at = ?, decision_comment = ?, gate_results = ?, override_reason = ?, overridden_by = ?, self_approval_reason = ? WHERE id = ?`,
        [actor ?? null, now, input.comment ?? null, JSON.stringify(gates), failed ? overrideReason! : r.override_reason, failed ? overriddenBy ?? null : r.overridden_by, selfReason ?? null, id],
      );
      await recordAudit(tx, {
        model: m.id, modelName: m.name, version: v.version, action: 'promotion_approved', target: label, to: String(v.version), at: now, requestId: id,
        ...(actor ? { actor } : {}), ...(input.comment ? { reason: input.comment } : {}),
        ...(selfReason ? { details: { self_approval_reason: selfReason } } : {}),
      });
      await this.events.publish(tx, 'promotion.approved', {
        request_id: id, name: m.name, version: String(v.version), target: label, approved_by: actor ?? null, comment: input.comment ?? null,
        gates_passed: !failed, override_reason: failed ? overrideReason : null,
      });
    });
    this.events.wake();
    return this.get(name, id);
  }

  async reject(name: string, id: string, input: { comment?: string }, actor: string | undefined): Promise<PromotionJson> {
    return this.close(name, id, 'REJECTED', input.comment, actor);
  }

  /** The requester withdraws the request. */
  async cancel(name: string, id: string, input: { comment?: string }, actor: string | undefined): Promise<PromotionJson> {
    return this.close(name, id, 'CANCELLED', input.comment, actor);
  }

  private async close(name: string, id: string, status: 'REJECTED' | 'CANCELLED', comment: string | undefined, actor: string | undefined): Promise<PromotionJson> {
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const m = await modelRow(tx, name, true);
      const r = await this.pending(tx, m, id, true);
      if (status === 'REJECTED') this.checkOtherUser(r, actor, 'reject');
      else if (r.requested_by && actor && r.requested_by !== actor) {
        throw new AppError('PERMISSION_DENIED', `Only the requester (${r.requested_by}) can cancel promotion request ${id}; reviewers reject it instead.`);
      }
      await tx.run('UPDATE promotion_requests SET status = ?, decided_by = ?, decided_at = ?, decision_comment = ? WHERE id = ?', [status, actor ?? null, now, comment ?? null, id]);
      const label = r.target_kind === 'alias' ? `@${r.target}` : r.target;
      await recordAudit(tx, {
        model: m.id, modelName: m.name, version: Number(r.version), action: status === 'REJECTED' ? 'promotion_rejected' : 'promotion_cancelled',
        target: label, at: now, requestId: id, ...(actor ? { actor } : {}), ...(comment ? { reason: comment } : {}),
      });
      if (status === 'REJECTED') {
        await this.events.publish(tx, 'promotion.rejected', { request_id: id, name: m.name, version: String(r.version), target: label, rejected_by: actor ?? null, comment: comment ?? null });
      }
    });
    this.events.wake();
    return this.get(name, id);
  }

  /** Reviews need two people when both are known (the only identity we have without auth). */
  private checkOtherUser(r: RequestRow, actor: string | undefined, what: string): void {
    if (r.requested_by && actor && r.requested_by === actor) {
      throw new AppError('PERMISSION_DENIED', `User '${actor}' requested promotion ${r.id} and cannot ${what} it: another user with MANAGE on the model must review it.`);
    }
  }

  private async row(ex: Executor, m: ModelRow, id: string, lock = false): Promise<RequestRow> {
    const forUpdate = lock && ex.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const r = await ex.one<RequestRow>(`SELECT * FROM promotion_requests WHERE id = ? AND model = ?${forUpdate}`, [id, m.id]);
    if (!r) throw new NotFound(`Promotion request '${id}' not found for registered model '${m.name}'.`);
    return r;
  }

  private async pending(ex: Executor, m: ModelRow, id: string, lock = false): Promise<RequestRow> {
    const r = await this.row(ex, m, id, lock);
    if (r.status !== 'PENDING') throw new InvalidState(`Promotion request '${id}' is already ${r.status.toLowerCase()}.`);
    return r;
  }
}
