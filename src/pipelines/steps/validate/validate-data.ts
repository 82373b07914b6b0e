/**
 * @module `validateData` as a plain function: read the source (CSV, optionally gzipped), check it
 * against the schema and the reference, write the report (JSON + Markdown + CSV, a row per
 * column) and the validated table into `outDir`, log them to a tracking run when one is given.
 * An ERROR finding throws `DataValidationError` after the report is written, so a pipeline stops
 * before training and the reason is on the run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../core/errors.js';
import { readTable, writeTable, type ReadTableOptions, type Table } from '../data/table.js';
import type { StepRun } from '../step-run.js';
import { checkSchema, type DataSchema } from './schema.js';
import { validateTable, validationCsv, validationMarkdown, type ValidationReport } from './validate-table.js';

export interface ValidateDataOptions {
  /** CSV file (`.gz` allowed) or a table already in memory. */
  source: string | Table;
  schema: DataSchema;
  /** Dataset to measure drift against (e.g. last month's training data). */
  reference?: string | Table;
  read?: ReadTableOptions;
  /** Where the report and the validated table go. */
  outDir: string;
}

export interface ValidateDataResult {
  report: ValidationReport;
  table: Table;
  /** The validated table, `table.csv.gz` in outDir. */
  tablePath: string;
  /** `validation.json`; `validation.md` and `validation.csv` sit beside it. */
  reportPath: string;
}

/** Thrown when a check of severity ERROR fails; a pipeline does not retry it. */
export class DataValidationError extends AppError {
  constructor(readonly report: ValidationReport, readonly reportPath: string) {
    const bad = report.columns.filter((c) => c.status === 'error').slice(0, 5)
      .map((c) => `${c.column}: ${c.findings.filter((f) => f.severity === 'error').map((f) => f.message).join('; ')}`);
    super('INVALID_PARAMETER_VALUE', `Data validation failed with ${report.errors} error(s): ${bad.join(' | ')}. Report: ${reportPath}`);
    this.name = 'DataValidationError';
  }
}

export async function runValidateData(opts: ValidateDataOptions, run?: StepRun): Promise<ValidateDataResult> {
  checkSchema(opts.schema);
  const table = typeof opts.source === 'string' ? readTable(opts.source, opts.read) : opts.source;
  const reference = opts.reference === undefined ? undefined : typeof opts.reference === 'string' ? readTable(opts.reference, opts.read) : opts.reference;
  const report = validateTable(table, opts.schema, reference);
  mkdirSync(opts.outDir, { recursive: true });
  const reportPath = join(opts.outDir, 'validation.json');
  writeFileSync(reportPath, JSON.stringify(report, null, 2));
  writeFileSync(join(opts.outDir, 'validation.md'), validationMarkdown(report));
  writeFileSync(join(opts.outDir, 'validation.csv'), validationCsv(report));
  const tablePath = join(opts.outDir, 'table.csv.gz');
  if (report.status !== 'error') writeTable(tablePath, table);
  if (run) {
    if (typeof opts.source === 'string') await run.logDataset({ path: opts.source, context: 'source' });
    if (typeof opts.reference === 'string') await run.logDataset({ path: opts.reference, context: 'reference' });
    await run.logMetrics({ 'validation.rows': report.rows, 'validation.errors': report.errors, 'validation.warnings': report.warnings });
    for (const c of report.columns) {
      if (c.psi !== undefined) await run.logMetric(`drift.psi.${c.column}`, c.psi);
    }
    await run.setTag('trainyard.validation.status', report.status);
    for (const f of ['validation.json', 'validation.md', 'validation.csv']) await run.logArtifact(join(opts.outDir, f), `validation/${f}`);
  }
  if (report.status === 'error') throw new DataValidationError(report, reportPath);
  return { report, table, tablePath, reportPath };
}
