/**
 * @module The in-memory table the built-in steps pass around: named columns, rows of
 * number | string | null. Read from CSV (optionally gzipped; `.gz` is detected), written back as
 * CSV, so a step's output table is a plain file any language can read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { InvalidParameter } from '../../../core/errors.js';

export type Cell = number | string | null;
export type Row = Record<string, Cell>;

export interface Table {
  columns: string[];
  rows: Row[];
}

export interface ReadTableOptions {
  /** First line is a header (default true). */
  header?: boolean;
  /** Column names when there is no header (or to rename). */
  columns?: string[];
  /** Cells read as null (default: empty and '?'). */
  na?: string[];
  delimiter?: string;
  /** Columns kept as strings even when every value looks numeric (e.g. zip codes). */
  strings?: string[];
}

/** Splits one CSV line: double-quoted fields may hold the delimiter and "" for a quote. */
function splitLine(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (line.startsWith(delimiter, i)) { out.push(cur); cur = ''; i += delimiter.length - 1; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function parseCsv(text: string, opts: ReadTableOptions = {}, where = 'CSV'): Table {
  const delimiter = opts.delimiter ?? ',';
  const na = new Set(opts.na ?? ['', '?']);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = opts.header ?? true;
  const first = header ? splitLine(lines.shift() ?? '', delimiter).map((c) => c.trim()) : [];
  const columns = opts.columns ?? first;
  if (!columns.length) throw new InvalidParameter(`${where}: no header line and no 'columns' given; name the columns.`);
  const raw: (string | null)[][] = lines.map((line, i) => {
    const cells = splitLine(line, delimiter).map((c) => c.trim());
    if (cells.length !== columns.length) {
      throw new InvalidParameter(`${where}, line ${i + (header ? 2 : 1)}: ${cells.length} fields but ${columns.length} columns (${columns.slice(0, 4).join(', ')}, ...).`);
    }
    return cells.map((c) => (na.has(c) ? null : c));
  });
  const keep = new Set(opts.strings ?? []);
  const numeric = columns.map((c, j) => !keep.has(c) && raw.some((r) => r[j] !== null) && raw.every((r) => r[j] === null || NUMBER.test(r[j]!)));
  const rows = raw.map((r) => {
    const row: Row = {};
    columns.forEach((c, j) => { row[c] = r[j] === null ? null : numeric[j] ? Number(r[j]) : r[j]!; });
    return row;
  });
  return { columns, rows };
}

export function readTable(path: string, opts: ReadTableOptions = {}): Table {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new InvalidParameter(`Data file '${path}' cannot be read: check the path.`);
  }
  const text = (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
  return parseCsv(text, opts, path);
}

function quote(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(t: Table): string {
  const lines = [t.columns.map(quote).join(',')];
  for (const r of t.rows) lines.push(t.columns.map((c) => quote(r[c] ?? null)).join(','));
  return lines.join('\n') + '\n';
}

/** Writes CSV, gzipped when the path ends in `.gz`. */
export function writeTable(path: string, t: Table): void {
  const text = toCsv(t);
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(text) : text);
}

/** A column's non-null numbers. */
export function numbers(t: Table, column: string): number[] {
  const out: number[] = [];
  for (const r of t.rows) { const v = r[column]; if (typeof v === 'number' && !Number.isNaN(v)) out.push(v); }
  return out;
}

/** A column's non-null values as strings. */
export function strings(t: Table, column: string): string[] {
  const out: string[] = [];
  for (const r of t.rows) { const v = r[column]; if (v !== null && v !== undefined) out.push(String(v)); }
  return out;
}
