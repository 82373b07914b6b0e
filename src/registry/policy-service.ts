import { AppError, InvalidState } from '../core/errors.js';
import type { Database, Executor } from '../store/index.js';
import { recordAudit } from './audit-log.js';
import type { ModelRow, VersionRow } from './entities.js';
import { describeFailures, evaluateGates, parseGate, type Gate, type GateResult } from './gates.js';
import { modelRow } from './registry-rows.js';
import { parseStage, validateAlias } from './validation.js';

/**
 * @module Per-model promotion policy: gates on the source run's metrics, which targets they
 * guard, and whether those targets may only be reached through a reviewed promotion request.
 */
export interface Policy {
  gates: Gate[];
  /** `@alias` or a stage name; empty = every alias plus Staging and Production. */
  targets: string[];
  require_review: boolean;
}

export interface PolicyJson {
  name: string;
  gates: string[];
  targets: string[];
  require_review: boolean;
  updated_at?: number;
  updated_by?: string;
}

/** Reads a run's latest metrics (the tracking slice, through the registry's wiring). */
export type RunMetrics = (runId: string) => Promise<Map<string, number>>;

const EMPTY: Policy = { gates: [], targets: [], require_review: false };

/** `@champion` or a stage; canonical spelling. */
export function parseTarget(t: string, where = 'targets'): string {
  if (t.startsWith('@')) {
    validateAlias(t.slice(1));
    return t;
  }
  return parseStage(t, where);
}

export class PolicyService {
  constructor(
    private readonly db: Database,
    private readonly runMetrics: RunMetrics,
  ) {}

  async policyFor(ex: Executor, model: number): Promise<Policy & { updated_at?: number; updated_by?: string }> {
    const row = await ex.one<{ gates: string; targets: string; require_review: number; updated_at: number; updated_by: string | null }>(
      'SELECT gates, targets, require_review, updated_at, updated_by FROM model_policies WHERE model = ?', [model],
    );
    if (!row) return EMPTY;
    return {
      gates: (JSON.parse(row.gates) as string[]).map((g) => parseGate(g)),
      targets: JSON.parse(row.targets) as string[],
      require_review: Boolean(Number(row.require_review)),
      updated_at: Number(row.updated_at),
      ...(row.updated_by ? { updated_by: row.updated_by } : {}),
    };
  }

  async get(name: string): Promise<PolicyJson> {
    const m = await modelRow(this.db, name);
    return policyJson(m.name, await this.policyFor(this.db, m.id));
  }

  async set(name: string, input: { gates: string[]; targets: string[]; requireReview: boolean }, actor: string | undefined): Promise<PolicyJson> {
    const gates = input.gates.map((g, i) => parseGate(g, `gates[${i}]`));
    const targets = [...new Set(input.targets.map((t, i) => parseTarget(t, `targets[${i}]`)))];
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const m = await modelRow(tx, name);
      await tx.run(
        `INSERT INTO model_policies (model, gates, targets, require_review, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (model) DO UPDATE SET gates = excluded.gates, targets = excluded.targets, require_review = excluded.require_review,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        [m.id, JSON.stringify(gates.map((g) => g.expression)), JSON.stringify(targets), input.requireReview ? 1 : 0, now, actor ?? null],
      );
      await recordAudit(tx, {
        model: m.id, modelName: m.name, action: 'policy_updated', at: now, ...(actor ? { actor } : {}),
        details: { gates: gates.map((g) => g.expression), targets, require_review: input.requireReview },
      });
    });
    return this.get(name);
  }

  /** Does the policy guard this target? */
  covers(policy: Policy, target: string): boolean {
    if (policy.targets.length) return policy.targets.includes(target);
    return target.startsWith('@') || target === 'Staging' || target === 'Production';
  }

  /** The gates' verdict on a version (every gate fails for a version without a source run). */
  async evaluate(policy: Policy, v: VersionRow): Promise<GateResult[]> {
    if (!policy.gates.length) return [];
    const metrics = v.run_id ? await this.runMetrics(v.run_id) : new Map<string, number>();
    return evaluateGates(policy.gates, metrics);
  }

  /**
   * A direct move (MLflow's set-alias or transition-stage, no review) to `target`: refused when
   * the policy asks for review there, or when a gate fails. Returns the gate results to audit.
   */
  async checkDirect(m: ModelRow, v: VersionRow, target: string): Promise<GateResult[]> {
    const policy = await this.policyFor(this.db, m.id);
    if (!this.covers(policy, target)) return [];
    if (policy.require_review) {
      throw new AppError('PERMISSION_DENIED', `Moving ${target} of model '${m.name}' needs a reviewed promotion: POST /api/v1/models/${encodeURIComponent(m.name)}/promotions.`);
    }
    const results = await this.evaluate(policy, v);
    if (results.some((r) => !r.passed)) {
      throw new InvalidState(
        `Version ${v.version} of model '${m.name}' fails its promotion gates for ${target}: ${describeFailures(results)}. Request a promotion with an override to promote it anyway.`,
      );
    }
    return results;
  }
}

function policyJson(name: string, p: Policy & { updated_at?: number; updated_by?: string }): PolicyJson {
  return {
    name,
    gates: p.gates.map((g) => g.expression),
    targets: p.targets,
    require_review: p.require_review,
    ...(p.updated_at ? { updated_at: p.updated_at } : {}),
    ...(p.updated_by ? { updated_by: p.updated_by } : {}),
  };
}
