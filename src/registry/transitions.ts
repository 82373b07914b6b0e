import type { Executor } from '../store/index.js';
import { recordAudit } from './audit-log.js';
import { ACTIVE_STAGES, type ModelRow, type Stage, type VersionRow } from './entities.js';
import type { EventSink } from './events.js';
import { touchModel } from './registry-rows.js';

/**
 * @module The two ways a version is promoted, each one statement group inside the caller's
 * transaction: moving an alias, and moving a stage. Direct MLflow calls and approved promotion
 * requests both end here, so every transition is audited and announced the same way.
 */

export interface TransitionMeta {
  actor?: string;
  reason?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

/**
 * Points `alias` at `version`. One row per (model, alias), so the alias leaves its previous
 * version in the same statement that gives it the new one: readers never see it on two versions
 * or on none.
 */
export async function moveAlias(tx: Executor, events: EventSink, m: ModelRow, alias: string, version: number, meta: TransitionMeta = {}): Promise<number | null> {
  const now = Date.now();
  const before = await tx.one<{ version: number }>('SELECT version FROM model_aliases WHERE model = ? AND alias = ?', [m.id, alias]);
  await tx.run(
    'INSERT INTO model_aliases (model, alias, version) VALUES (?, ?, ?) ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version',
    [m.id, alias, version],
  );
  await touchModel(tx, m.id, now);
  const from = before ? Number(before.version) : null;
  await recordAudit(tx, {
    model: m.id, modelName: m.name, version, action: 'alias_set', target: `@${alias}`,
    from: from === null ? null : String(from), to: String(version), at: now, ...auditMeta(meta),
  });
  await events.publish(tx, 'model_version_alias.created', { name: m.name, alias, version: String(version), previous_version: from === null ? null : String(from) });
  return from;
}

export async function removeAlias(tx: Executor, events: EventSink, m: ModelRow, alias: string, version: number, meta: TransitionMeta = {}): Promise<void> {
  const now = Date.now();
  await tx.run('DELETE FROM model_aliases WHERE model = ? AND alias = ?', [m.id, alias]);
  await touchModel(tx, m.id, now);
  await recordAudit(tx, { model: m.id, modelName: m.name, version, action: 'alias_deleted', target: `@${alias}`, from: String(version), to: null, at: now, ...auditMeta(meta) });
  await events.publish(tx, 'model_version_alias.deleted', { name: m.name, alias, version: String(version) });
}

/**
 * Moves `v` to `stage`. With `archiveExisting`, the other versions already in that (active)
 * stage go to Archived, and only those: MLflow's rule.
 */
export async function moveStage(
  tx: Executor, events: EventSink, m: ModelRow, v: VersionRow, stage: Stage, archiveExisting: boolean, meta: TransitionMeta = {},
): Promise<number[]> {
  const now = Date.now();
  const archived: number[] = [];
  if (archiveExisting && ACTIVE_STAGES.includes(stage)) {
    const others = await tx.all<{ version: number }>(
      'SELECT version FROM model_versions WHERE model = ? AND current_stage = ? AND version <> ? ORDER BY version', [m.id, stage, v.version],
    );
    for (const o of others) {
      const n = Number(o.version);
      await tx.run("UPDATE model_versions SET current_stage = 'Archived', last_updated_timestamp = ? WHERE model = ? AND version = ?", [now, m.id, n]);
      await recordAudit(tx, { model: m.id, modelName: m.name, version: n, action: 'stage_transition', target: 'Archived', from: stage, to: 'Archived', at: now, ...auditMeta(meta), reason: `archived by the move of version ${v.version} to ${stage}` });
      archived.push(n);
    }
  }
  await tx.run('UPDATE model_versions SET current_stage = ?, last_updated_timestamp = ? WHERE model = ? AND version = ?', [stage, now, m.id, v.version]);
  await touchModel(tx, m.id, now);
  await recordAudit(tx, { model: m.id, modelName: m.name, version: v.version, action: 'stage_transition', target: stage, from: v.current_stage, to: stage, at: now, ...auditMeta(meta), ...(archived.length ? { details: { ...meta.details, archived_versions: archived.map(String) } } : {}) });
  await events.publish(tx, 'model_version.stage_transitioned', { name: m.name, version: String(v.version), from_stage: v.current_stage, to_stage: stage, archived_versions: archived.map(String) });
  return archived;
}

function auditMeta(meta: TransitionMeta) {
  return {
    ...(meta.actor ? { actor: meta.actor } : {}),
    ...(meta.reason ? { reason: meta.reason } : {}),
    ...(meta.requestId ? { requestId: meta.requestId } : {}),
    ...(meta.details ? { details: meta.details } : {}),
  };
}
