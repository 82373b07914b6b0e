/**
 * @module The checks behind `validateData`: every column against its schema, and against a
 * reference table for drift. Like pandera's lazy mode, every failure is collected (none stops
 * the scan), one report row per column; the worst severity decides the outcome.
 */
import { categoricalHistogram, jensenShannon, ksTest, numericHistogram, psi } from '../metrics/index.js';
import { numbers, strings, type Table } from '../data/table.js';
import { DEFAULT_DRIFT, type ColumnSchema, type DataSchema, type DriftThresholds, type Severity, type Threshold } from './schema.js';

export type Status = 'ok' | 'warn' | 'error';

export interface Finding {
  severity: Severity;
  check: string;
  message: string;
}

export interface ColumnReport {
  column: string;
  type: string;
  status: Status;
  rows: number;
  nulls: number;
  distinct: number;
  min?: number;
  max?: number;
  mean?: number;
  psi?: number;
  ks?: number;
  ks_p?: number;
  js?: number;
  findings: Finding[];
}

export interface ValidationReport {
  status: Status;
  rows: number;
  referenceRows?: number;
  errors: number;
  warnings: number;
  columns: ColumnReport[];
}

const worst = (fs: readonly Finding[]): Status => (fs.some((f) => f.severity === 'error') ? 'error' : fs.length ? 'warn' : 'ok');

function over(value: number, t: Threshold | undefined, figure: string): Finding | null {
  if (!t || !Number.isFinite(value)) return null;
  if (t.error !== undefined && value > t.error) return { severity: 'error', check: `drift.${figure}`, message: `${figure} ${value.toFixed(3)} > ${t.error} (error)` };
  if (t.warn !== undefined && value > t.warn) return { severity: 'warn', check: `drift.${figure}`, message: `${figure} ${value.toFixed(3)} > ${t.warn} (warn)` };
  return null;
}

function schemaFindings(t: Table, name: string, c: ColumnSchema): Finding[] {
  const sev = c.severity ?? 'error';
  const out: Finding[] = [];
  let nulls = 0;
  let badType = 0;
  let low = 0;
  let high = 0;
  const unknown = new Map<string, number>();
  const allowed = c.values ? new Set(c.values) : null;
  let example: unknown;
  for (const r of t.rows) {
    const v = r[name];
    if (v === null || v === undefined) { nulls++; continue; }
    if (c.type === 'number' || c.type === 'integer') {
      if (typeof v !== 'number' || (c.type === 'integer' && !Number.isInteger(v))) { badType++; example ??= v; continue; }
      if (c.min !== undefined && v < c.min) low++;
      if (c.max !== undefined && v > c.max) high++;
    } else if (allowed && !allowed.has(String(v))) {
      unknown.set(String(v), (unknown.get(String(v)) ?? 0) + 1);
    }
  }
  if (nulls && !c.nullable) out.push({ severity: sev, check: 'nullable', message: `${nulls} null value(s) in a non-nullable column` });
  if (badType) out.push({ severity: sev, check: 'type', message: `${badType} value(s) are not ${c.type === 'integer' ? 'integers' : 'numbers'} (e.g. ${JSON.stringify(example)})` });
  if (low) out.push({ severity: sev, check: 'min', message: `${low} value(s) below min ${c.min}` });
  if (high) out.push({ severity: sev, check: 'max', message: `${high} value(s) above max ${c.max}` });
  if (unknown.size) {
    const top = [...unknown].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `'${k}' (${n})`).join(', ');
    out.push({ severity: sev, check: 'values', message: `${[...unknown.values()].reduce((a, b) => a + b, 0)} value(s) outside the allowed categories: ${top}` });
  }
  return out;
}

function driftLimits(schema: DataSchema, c: ColumnSchema | undefined): Required<DriftThresholds> {
  const base = { ...DEFAULT_DRIFT, ...(schema.drift ?? {}) };
  return c && c.drift ? { ...base, ...c.drift } : base;
}

/** Validates `table` against `schema` and, when given, drift against `reference`. */
export function validateTable(table: Table, schema: DataSchema, reference?: Table): ValidationReport {
  const reports: ColumnReport[] = [];
  const named = Object.keys(schema.columns);
  for (const name of named) {
    const c = schema.columns[name]!;
    const numeric = c.type === 'number' || c.type === 'integer';
    const present = table.columns.includes(name);
    const rep: ColumnReport = { column: name, type: c.type, status: 'ok', rows: table.rows.length, nulls: 0, distinct: 0, findings: [] };
    if (!present) {
      rep.findings.push({ severity: 'error', check: 'present', message: 'column missing from the data' });
    } else {
      rep.nulls = table.rows.reduce((n, r) => n + (r[name] === null || r[name] === undefined ? 1 : 0), 0);
      rep.distinct = new Set(table.rows.map((r) => r[name])).size;
      rep.findings.push(...schemaFindings(table, name, c));
      if (numeric) {
        const xs = numbers(table, name);
        if (xs.length) {
          let lo = Infinity, hi = -Infinity, sum = 0;
          for (const x of xs) { if (x < lo) lo = x; if (x > hi) hi = x; sum += x; }
          Object.assign(rep, { min: lo, max: hi, mean: sum / xs.length });
        }
      }
      if (reference && c.drift !== false && reference.columns.includes(name)) {
        const limits = driftLimits(schema, c);
        if (numeric) {
          const ref = numbers(reference, name);
          const cur = numbers(table, name);
          const h = numericHistogram(ref, cur);
          const ks = ksTest(ref, cur);
          Object.assign(rep, { psi: psi(h), js: jensenShannon(h), ks: ks.statistic, ks_p: ks.pValue });
          const f = over(ks.statistic, limits.ks, 'ks');
          if (f) rep.findings.push(f);
        } else {
          const h = categoricalHistogram(strings(reference, name), strings(table, name));
          Object.assign(rep, { psi: psi(h), js: jensenShannon(h) });
        }
        for (const f of [over(rep.psi!, limits.psi, 'psi'), over(rep.js!, limits.js, 'js')]) if (f) rep.findings.push(f);
      }
    }
    rep.status = worst(rep.findings);
    reports.push(rep);
  }
  const extra = schema.extraColumns ?? 'warn';
  if (extra !== 'ignore') {
    for (const name of table.columns.filter((c) => !named.includes(c))) {
      const findings: Finding[] = [{ severity: extra, check: 'unexpected', message: 'column not in the schema' }];
      reports.push({ column: name, type: 'unknown', status: worst(findings), rows: table.rows.length, nulls: 0, distinct: 0, findings });
    }
  }
  const all = reports.flatMap((r) => r.findings);
  const errors = all.filter((f) => f.severity === 'error').length;
  return {
    status: worst(all),
    rows: table.rows.length,
    ...(reference ? { referenceRows: reference.rows.length } : {}),
    errors,
    warnings: all.length - errors,
    columns: reports,
  };
}

const num = (v: number | undefined, d = 3) => (v === undefined ? '' : Number.isInteger(v) ? String(v) : v.toFixed(d));

/** The report as a Markdown table, one row per column. */
export function validationMarkdown(r: ValidationReport): string {
  const lines = [
    `# Data validation: ${r.status.toUpperCase()}`,
    '',
    `${r.rows} rows${r.referenceRows !== undefined ? ` against a reference of ${r.referenceRows}` : ''}; ${r.errors} error(s), ${r.warnings} warning(s).`,
    '',
    '| column | type | status | nulls | distinct | min | max | PSI | KS D | JS | findings |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of r.columns) {
    lines.push(`| ${c.column} | ${c.type} | ${c.status} | ${c.nulls} | ${c.distinct} | ${num(c.min)} | ${num(c.max)} | ${num(c.psi)} | ${num(c.ks)} | ${num(c.js)} | ${c.findings.map((f) => `${f.severity}: ${f.message}`).join('; ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** The report as CSV, one row per column (for spreadsheets and other languages). */
export function validationCsv(r: ValidationReport): string {
  const head = 'column,type,status,rows,nulls,distinct,min,max,mean,psi,ks,ks_p,js,findings';
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = r.columns.map((c) => [c.column, c.type, c.status, c.rows, c.nulls, c.distinct, c.min, c.max, c.mean, c.psi, c.ks, c.ks_p, c.js]
    .map((v) => (v === undefined ? '' : String(v))).concat(q(c.findings.map((f) => `${f.severity}: ${f.message}`).join('; '))).map((v, i) => (i === 0 ? q(v) : v)).join(','));
  return [head, ...rows].join('\n') + '\n';
}
