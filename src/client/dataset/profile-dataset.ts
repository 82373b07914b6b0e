import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { InvalidParameter } from '../../core/errors.js';
import { ColumnStats, type ColumnProfile } from './column-stats.js';
import { CsvRows } from './csv-rows.js';

export interface DatasetProfile {
  path: string;
  name: string;
  format: 'csv' | 'jsonl' | 'binary';
  /** Full sha256 of the file's bytes (hex). */
  sha256: string;
  /** The first 32 hex characters: what fits MLflow's 36-character dataset digest. */
  digest: string;
  size_bytes: number;
  num_rows?: number;
  columns?: ColumnProfile[];
  /** MLflow's schema JSON: `{"mlflow_colspec": [{"name", "type"}]}`. */
  schema?: string;
}

const FORMATS: Record<string, DatasetProfile['format']> = { '.csv': 'csv', '.data': 'csv', '.test': 'csv', '.tsv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/**
 * Reads a dataset file once, streaming: its sha256, and for CSV / JSON lines the row count and a
 * per-column profile (type, nulls, min/max/mean, distinct count). A CSV's first row is a header
 * when `header` says so, or (auto) when none of its fields is a number but a later row has one
 * there.
 */
export async function profileDataset(path: string, opts: { header?: boolean; format?: DatasetProfile['format'] } = {}): Promise<DatasetProfile> {
  const abs = resolve(path);
  let size: number;
  try {
    const st = statSync(abs);
    if (!st.isFile()) throw new InvalidParameter(`Dataset path '${path}' is not a file.`);
    size = st.size;
  } catch (e) {
    if (e instanceof InvalidParameter) throw e;
    throw new InvalidParameter(`Dataset file '${path}' cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const format = opts.format ?? FORMATS[extname(abs).toLowerCase()] ?? 'binary';
  const hash = createHash('sha256');
  let columns: ColumnStats[] | null = null;
  let numRows = 0;
  let firstRow: string[] | null = null;
  const jsonlKeys: string[] = [];

  const addCsv = (fields: string[]) => {
    if (!firstRow) {
      firstRow = fields;
      return;
    }
    if (!columns) {
      // Decide on the header with the second row in hand.
      const isHeader = opts.header ?? (firstRow.every((f) => f.trim() !== '' && !Number.isFinite(Number(f))) && fields.some((f) => f.trim() !== '' && Number.isFinite(Number(f))));
      columns = (isHeader ? firstRow : firstRow.map((_, i) => `c${i}`)).map((n) => new ColumnStats(n.trim()));
      if (!isHeader) feed(firstRow);
    }
    feed(fields);
  };
  const feed = (fields: unknown[]) => {
    numRows++;
    for (let i = 0; i < columns!.length; i++) columns![i]!.add(fields[i]);
  };
  const csv = new CsvRows(addCsv);
  let jsonBuffer = '';
  const jsonLine = (line: string) => {
    if (!line.trim()) return;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line);
    } catch {
      throw new InvalidParameter(`Dataset '${path}' line ${numRows + 1} is not valid JSON.`);
    }
    if (!columns) columns = [];
    for (const k of Object.keys(obj)) {
      if (!jsonlKeys.includes(k)) {
        jsonlKeys.push(k);
        const c = new ColumnStats(k);
        for (let i = 0; i < numRows; i++) c.add(null);
        columns.push(c);
      }
    }
    numRows++;
    for (const c of columns) c.add(obj[c.name] ?? null);
  };
  const decoder = new StringDecoder('utf8');
  for await (const chunk of createReadStream(abs, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    if (format === 'binary') continue;
    const text = decoder.write(chunk as Buffer);
    if (format === 'csv') csv.push(text);
    else {
      jsonBuffer += text;
      const lines = jsonBuffer.split('\n');
      jsonBuffer = lines.pop()!;
      for (const l of lines) jsonLine(l);
    }
  }
  if (format === 'csv') {
    csv.push(decoder.end());
    csv.end();
    if (firstRow && !columns) {
      columns = (firstRow as string[]).map((_, i) => new ColumnStats(`c${i}`));
      if (opts.header !== true) feed(firstRow);
    }
  } else if (format === 'jsonl') jsonLine(jsonBuffer + decoder.end());
  const sha256 = hash.digest('hex');
  const profile: DatasetProfile = { path: abs, name: basename(abs), format, sha256, digest: sha256.slice(0, 32), size_bytes: size };
  if (format !== 'binary') {
    const cols = (columns ?? []).map((c) => c.profile());
    profile.num_rows = numRows;
    profile.columns = cols;
    profile.schema = JSON.stringify({ mlflow_colspec: cols.map((c) => ({ name: c.name, type: c.type })) });
  }
  return profile;
}
