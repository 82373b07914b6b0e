import type { Fields } from '../core/request-fields.js';
import type { RouteAuth } from '../core/route.js';

/** Field names that name a resource, strongest first, for routes whose auth rule names none. */
const NAMING_FIELDS: [field: string, kind: string][] = [
  ['webhook_id', 'webhook'], ['job_id', 'job'], ['schedule', 'pipeline_schedule'], ['run', 'pipeline_run'], ['study', 'study'],
  ['model_id', 'logged_model'], ['run_id', 'run'], ['run_uuid', 'run'], ['experiment_id', 'experiment'], ['username', 'user'],
  ['name', 'model'], ['*', 'artifact'],
];
const RULE_FIELDS: Record<string, string[]> = {
  experiment: ['experiment_id'], run: ['run_id', 'run_uuid'], model: ['name'], logged_model: ['model_id'], study: ['study'],
};
/** A target is an index key: capped so a 1 MB name cannot break the index, NUL-free for PostgreSQL. */
export const MAX_TARGET = 500;

export function cleanAuditText(s: string, max = MAX_TARGET): string {
  const clean = s.replace(/\u0000/g, '');
  return clean.length > max ? clean.slice(0, max) : clean;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (Array.isArray(v) && v.length) return scalar(v[0]);
  return undefined;
}

/** `kind:id` of what a write acts on: the resource its auth rule checks, else the field naming one. */
export function auditTarget(rule: RouteAuth | undefined, fields: Fields): string | undefined {
  if (rule && 'resource' in rule) {
    let id: string | undefined;
    try {
      id = rule.from ? scalar(rule.from(fields)) : (RULE_FIELDS[rule.resource] ?? []).map((f) => scalar(fields[f])).find(Boolean);
    } catch {
      id = undefined;
    }
    // The artifact proxy's rule checks a path (`artifact_path`); the log names it as an artifact.
    if (id) return cleanAuditText(`${rule.resource === 'artifact_path' ? 'artifact' : rule.resource}:${id}`);
  }
  for (const [field, kind] of NAMING_FIELDS) {
    const id = scalar(fields[field]);
    if (id) return cleanAuditText(`${kind}:${id}`);
  }
  return undefined;
}

/** The target a create route's response names (`creates` in its rule), if any. */
export function createdTarget(rule: RouteAuth | undefined, result: unknown): string | undefined {
  if (!rule || !('anyUser' in rule) || !rule.creates || result === undefined) return undefined;
  try {
    const id = rule.creates.id(result);
    return id ? cleanAuditText(`${rule.creates.resource}:${id}`) : undefined;
  } catch {
    return undefined;
  }
}
