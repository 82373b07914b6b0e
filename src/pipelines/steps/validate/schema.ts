/**
 * @module A data schema for `validateData`: per column its type, nullability, range, allowed
 * categories and drift thresholds. Checked when the step is built, so a typo in a schema is an
 * error naming the column before anything runs.
 */
import { InvalidParameter } from '../../../core/errors.js';

export type ColumnType = 'number' | 'integer' | 'string' | 'category';
export type Severity = 'error' | 'warn';

/** A drift figure's limits: above `warn` is recorded, above `error` stops the pipeline. */
export interface Threshold {
  warn?: number;
  error?: number;
}

export interface DriftThresholds {
  /** Population stability index (default warn 0.1, error 0.25). */
  psi?: Threshold;
  /** Two-sample KS statistic D, numeric columns (default warn 0.1). */
  ks?: Threshold;
  /** Jensen–Shannon divergence, bits (default warn 0.1, Evidently's threshold). */
  js?: Threshold;
}

export interface ColumnSchema {
  type: ColumnType;
  /** Nulls allowed (default false). */
  nullable?: boolean;
  min?: number;
  max?: number;
  /** Allowed categories (category / string columns). */
  values?: readonly string[];
  /** How a schema violation in this column counts (default 'error'). */
  severity?: Severity;
  /** Per-column drift limits, over the dataset-wide ones; `false` skips drift for the column. */
  drift?: DriftThresholds | false;
}

export interface DataSchema {
  columns: Record<string, ColumnSchema>;
  /** Columns the schema does not name: 'warn' (default), 'error' or 'ignore'. */
  extraColumns?: Severity | 'ignore';
  /** Drift limits for every column. */
  drift?: DriftThresholds;
}

export const DEFAULT_DRIFT: Required<DriftThresholds> = {
  psi: { warn: 0.1, error: 0.25 },
  ks: { warn: 0.1 },
  js: { warn: 0.1 },
};

const TYPES: readonly ColumnType[] = ['number', 'integer', 'string', 'category'];

/** Throws naming the column and field at fault. */
export function checkSchema(schema: DataSchema, where = 'schema'): void {
  if (!schema || typeof schema !== 'object' || !schema.columns || typeof schema.columns !== 'object') {
    throw new InvalidParameter(`${where}: expected { columns: { name: { type: 'number' | 'integer' | 'string' | 'category', ... } } }.`);
  }
  const limits = (t: DriftThresholds | undefined, at: string) => {
    for (const [k, v] of Object.entries(t ?? {})) {
      if (!['psi', 'ks', 'js'].includes(k)) throw new InvalidParameter(`${at}: unknown drift figure '${k}'; use psi, ks or js.`);
      for (const [lk, lv] of Object.entries(v as Threshold)) {
        if (!['warn', 'error'].includes(lk) || typeof lv !== 'number' || !(lv >= 0)) throw new InvalidParameter(`${at}.${k}.${lk}: expected warn/error with a number >= 0.`);
      }
    }
  };
  limits(schema.drift, `${where}.drift`);
  for (const [name, c] of Object.entries(schema.columns)) {
    const at = `${where}.columns.${name}`;
    if (!c || !TYPES.includes(c.type)) throw new InvalidParameter(`${at}.type: expected one of ${TYPES.join(', ')}, got ${JSON.stringify(c?.type)}.`);
    if (c.min !== undefined && typeof c.min !== 'number') throw new InvalidParameter(`${at}.min: expected a number.`);
    if (c.max !== undefined && typeof c.max !== 'number') throw new InvalidParameter(`${at}.max: expected a number.`);
    if (c.min !== undefined && c.max !== undefined && c.min > c.max) throw new InvalidParameter(`${at}: min ${c.min} is above max ${c.max}.`);
    if ((c.min !== undefined || c.max !== undefined) && (c.type === 'string' || c.type === 'category')) throw new InvalidParameter(`${at}: min/max apply to number and integer columns only.`);
    if (c.values !== undefined && (!Array.isArray(c.values) || (c.type !== 'category' && c.type !== 'string'))) throw new InvalidParameter(`${at}.values: a list of allowed strings, for category or string columns.`);
    if (c.severity !== undefined && c.severity !== 'error' && c.severity !== 'warn') throw new InvalidParameter(`${at}.severity: 'error' or 'warn'.`);
    if (c.drift !== false) limits(c.drift, `${at}.drift`);
  }
}
