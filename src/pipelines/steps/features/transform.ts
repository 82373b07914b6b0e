/**
 * @module A feature transform: per column a chain of ops fitted on the training split only,
 * saved as one versioned JSON document (`transform.json`, with the digest of its fitted
 * parameters). `loadTransform(uri).apply(row)` at serving time runs the same code on the same
 * parameters as training did, so the two cannot drift apart.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidParameter } from '../../../core/errors.js';
import type { Cell, Row } from '../data/table.js';
import { applyOp, fitOp, outputNames, type FittedOp, type OpSpec } from './transform-ops.js';

export type TransformSpec = Record<string, readonly OpSpec[]>;

export const TRANSFORM_FORMAT = 'trainyard.transform';
export const TRANSFORM_VERSION = 1;

export interface TransformJson {
  format: typeof TRANSFORM_FORMAT;
  version: number;
  /** sha256 of the fitted columns: equal digests mean equal outputs. */
  digest: string;
  columns: { column: string; ops: FittedOp[]; outputs: string[] }[];
  names: string[];
  fittedRows: number;
}

export class FittedTransform {
  readonly names: readonly string[];
  constructor(readonly json: TransformJson) {
    this.names = json.names;
  }

  get digest(): string {
    return this.json.digest;
  }

  /** The feature vector of one raw row, in `names` order. */
  apply(row: Row): number[] {
    const out: number[] = [];
    for (const c of this.json.columns) {
      let v: Cell | number[] = row[c.column] ?? null;
      for (const op of c.ops) {
        if (Array.isArray(v)) break;
        v = applyOp(op, v);
      }
      if (Array.isArray(v)) out.push(...v);
      else out.push(typeof v === 'number' ? v : v === null ? NaN : Number.isNaN(Number(v)) ? NaN : Number(v));
    }
    return out;
  }

  /** The same, keyed by feature name (for humans and JSON payloads). */
  applyNamed(row: Row): Record<string, number> {
    const v = this.apply(row);
    return Object.fromEntries(this.names.map((n, i) => [n, v[i]!]));
  }

  applyAll(rows: readonly Row[]): Float64Array[] {
    return rows.map((r) => Float64Array.from(this.apply(r)));
  }

  save(path: string): void {
    writeFileSync(path, JSON.stringify(this.json, null, 1));
  }
}

function digestOf(columns: TransformJson['columns']): string {
  return createHash('sha256').update(JSON.stringify(columns)).digest('hex');
}

/** Fits `spec` on the training rows; `y` feeds target encoding. */
export function fitTransform(spec: TransformSpec, rows: readonly Row[], y: ArrayLike<number> = []): FittedTransform {
  if (!spec || typeof spec !== 'object' || !Object.keys(spec).length) throw new InvalidParameter(`spec: name at least one column and its transforms, e.g. { age: ['standardize'] }.`);
  const columns: TransformJson['columns'] = [];
  for (const [column, chain] of Object.entries(spec)) {
    const where = `spec.${column}`;
    if (!Array.isArray(chain)) throw new InvalidParameter(`${where}: a list of transforms, e.g. [{ impute: 'median' }, 'standardize'] (use [] to pass the value through).`);
    let values: Cell[] = rows.map((r) => r[column] ?? null);
    if (rows.length && values.every((v) => v === null) && !rows.some((r) => column in r)) throw new InvalidParameter(`${where}: no column '${column}' in the training data.`);
    const ops: FittedOp[] = [];
    chain.forEach((s, i) => {
      const op = fitOp(s, values, y, `${where}[${i}]`);
      if (op.op === 'onehot' && i !== chain.length - 1) throw new InvalidParameter(`${where}[${i}]: onehot outputs several columns and must come last.`);
      if ((op.op === 'target') && y.length !== rows.length) throw new InvalidParameter(`${where}[${i}]: target encoding needs the target values.`);
      ops.push(op);
      values = values.map((v) => applyOp(op, v) as Cell);
    });
    columns.push({ column, ops, outputs: outputNames(column, ops[ops.length - 1]) });
  }
  return new FittedTransform({
    format: TRANSFORM_FORMAT, version: TRANSFORM_VERSION, digest: digestOf(columns), columns, names: columns.flatMap((c) => c.outputs), fittedRows: rows.length,
  });
}

export function transformFromJson(json: unknown, where = 'transform'): FittedTransform {
  const j = json as TransformJson;
  if (!j || j.format !== TRANSFORM_FORMAT) throw new InvalidParameter(`${where} is not a Trainyard transform (format '${TRANSFORM_FORMAT}').`);
  if (j.version > TRANSFORM_VERSION) throw new InvalidParameter(`${where} has format version ${j.version}; this Trainyard reads up to ${TRANSFORM_VERSION}: upgrade trainyard.`);
  if (digestOf(j.columns) !== j.digest) throw new InvalidParameter(`${where}: its parameters do not match its digest; the file was edited or damaged.`);
  return new FittedTransform(j);
}

/** Something that can fetch `runs:/` or `models:/` URIs (the SDK's `Trainyard` client). */
export interface ArtifactFetcher {
  downloadArtifact(uri: string): Promise<Buffer>;
}

/**
 * Loads a saved transform from a path, a `file:` URI, or (with a fetcher) a `runs:/`,
 * `mlflow-artifacts:/` or `models:/` URI.
 * @example const t = await loadTransform('runs:/abc/features/transform.json', { fetcher }); t.apply(row)
 */
export async function loadTransform(uri: string, opts: { fetcher?: ArtifactFetcher } = {}): Promise<FittedTransform> {
  if (/^[a-z][\w+.-]*:/i.test(uri) && !uri.startsWith('file:') && !/^[a-z]:[\\/]/i.test(uri)) {
    if (!opts.fetcher) throw new InvalidParameter(`Transform URI '${uri}' needs a client to fetch it: pass { fetcher }.`);
    return transformFromJson(JSON.parse((await opts.fetcher.downloadArtifact(uri)).toString('utf8')), uri);
  }
  return loadTransformSync(uri.startsWith('file:') ? fileURLToPath(uri) : uri);
}

export function loadTransformSync(path: string): FittedTransform {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InvalidParameter(`Transform file '${path}' cannot be read.`);
  }
  return transformFromJson(JSON.parse(text), path);
}
