/**
 * @module `registerModel` as a plain function: copy the evaluation metrics onto the model's source
 * run (promotion gates read the source run's metrics), register a version with the metrics and
 * the report as version tags, set the model's gates (`'metrics.auc >= 0.85 and metrics.di_ratio
 * >= 0.8'` becomes two gates), and request promotion to the alias through review. The request
 * records each gate's verdict; a failing gate blocks approval unless a reviewer overrides it.
 */
import { InvalidParameter } from '../../../core/errors.js';
import type { ModelVersion, PromotionJson, Trainyard } from '../../../client/index.js';
import { parseGate } from '../../../registry/index.js';

export interface RegisterModelOptions {
  name: string;
  /** `runs:/<run_id>/model` (trainModel / tuneModel's modelUri). */
  modelUri: string;
  /** Evaluation metrics (evaluateModel's `metrics`). */
  metrics: Record<string, number>;
  /** `runs:/<eval_run>/report/report.html`. */
  reportUri?: string;
  /** Conditions joined by `and`, e.g. `metrics.auc >= 0.85 and metrics.di_ratio >= 0.8`. */
  gate?: string;
  /** Alias to request (default `champion`); null: register only. */
  alias?: string | null;
  comment?: string;
  /** The requesting user (default $USER). */
  user?: string;
  description?: string;
  /** Extra version tags (the pipeline step records its run, step and definition hash here). */
  versionTags?: Record<string, string>;
}

export interface RegisterModelResult {
  version: ModelVersion;
  promotion?: PromotionJson;
  gates: string[];
  gatesPassed: boolean;
}

/** Splits a gate expression on `and` into the registry's single-condition gates (validated). */
export function splitGate(gate: string | undefined): string[] {
  if (!gate || !gate.trim()) return [];
  const parts = gate.split(/\s+and\s+/i).map((s) => s.trim()).filter(Boolean);
  parts.forEach((p, i) => parseGate(p, `gate[${i}]`));
  return parts;
}

export async function runRegisterModel(ty: Trainyard, opts: RegisterModelOptions): Promise<RegisterModelResult> {
  const m = /^runs:\/([^/]+)\//.exec(opts.modelUri);
  if (!m) throw new InvalidParameter(`model: expected runs:/<run_id>/<path> (a logged model), got '${opts.modelUri}'.`);
  const gates = splitGate(opts.gate);
  const runId = m[1]!;
  const conn = await ty.connection();
  const now = Date.now();
  const finite = Object.entries(opts.metrics).filter(([, v]) => Number.isFinite(v));
  await conn.call('POST', '/api/2.0/mlflow/runs/log-batch', {
    run_id: runId,
    metrics: finite.map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
    tags: opts.reportUri ? [{ key: 'trainyard.evaluation.report', value: opts.reportUri }] : [],
  });
  const tags: Record<string, string> = Object.fromEntries(finite.map(([k, v]) => [`metrics.${k}`, String(Number(v.toFixed(6)))]));
  if (opts.reportUri) tags['evaluation_report'] = opts.reportUri;
  Object.assign(tags, opts.versionTags ?? {});
  const version = await ty.models.register(opts.name, opts.modelUri, { tags, ...(opts.description ? { description: opts.description } : {}) });
  const alias = opts.alias === undefined ? 'champion' : opts.alias;
  if (!alias) return { version, gates, gatesPassed: true };
  if (gates.length) await ty.models.setPolicy(opts.name, { gates, targets: [`@${alias}`], requireReview: true, ...(opts.user ? { user: opts.user } : {}) });
  const promotion = await ty.models.requestPromotion(opts.name, {
    version: version.version, alias, comment: opts.comment ?? `Requested by the pipeline: ${gates.join(' and ') || 'no gates'}`,
    ...(opts.reportUri ? { evaluationReport: opts.reportUri } : {}), ...(opts.user ? { user: opts.user } : {}),
  });
  return { version, promotion, gates, gatesPassed: promotion.gate_results.every((g) => g.passed) };
}
