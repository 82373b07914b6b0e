import { createHash } from 'node:crypto';
import { InvalidParameter } from '../core/errors.js';
import type { SqlValue } from '../store/index.js';

/**
 * @module Keyset pagination. A page token names the last row's sort values, not an offset, so a
 * later page costs the same as the first and stays correct while rows are being inserted
 * (reference §7 #9). NULLs (and NaN metrics) sort last in either direction, as MLflow's do.
 */

export interface SortKey {
  /** SQL expression of the sort value (no placeholders: joins carry the parameters). */
  expr: string;
  /**
   * SQL expression ranking how the value is missing: 0 = present, 1, 2, ... = kinds of missing
   * that sort last in this order (MLflow: NaN metrics, then runs without the metric). Omit for
   * NOT NULL columns. Rows with the same missing rank tie on this key whatever `expr` holds
   * (a NaN metric is stored as 0), so the next key orders them.
   */
  missing?: string;
  ascending: boolean;
  /**
   * The JS type of a present value. A token's values are checked against it, so an edited token
   * is a 400 rather than a database type error (PostgreSQL refuses 'abc' for a BIGINT).
   */
  type?: 'number' | 'string';
}

/** One row's position: per key [missing rank, value]. */
export type Position = [number, SqlValue][];

/** The sort value, NULL wherever the row counts as missing, so missing rows tie on it. */
const presentValue = (k: SortKey) => (k.missing ? `CASE WHEN ${k.missing} = 0 THEN ${k.expr} END` : k.expr);

export function orderByClause(keys: SortKey[]): string {
  return keys
    .flatMap((k) => [...(k.missing ? [`${k.missing} ASC`] : []), `${presentValue(k)} ${k.ascending ? 'ASC' : 'DESC'}`])
    .join(', ');
}

/** SELECT-list expressions that read a row's position (aliased pos_m<i>, pos_v<i>). */
export function positionColumns(keys: SortKey[]): string {
  return keys.map((k, i) => `${k.missing ?? '0'} AS pos_m${i}, ${presentValue(k)} AS pos_v${i}`).join(', ');
}

export function readPosition(row: Record<string, unknown>, n: number): Position {
  const pos: Position = [];
  for (let i = 0; i < n; i++) pos.push([Number(row[`pos_m${i}`]), (row[`pos_v${i}`] ?? null) as SqlValue]);
  return pos;
}

/** WHERE condition selecting rows strictly after `pos` in the order of `keys`. */
export function afterPosition(keys: SortKey[], pos: Position): { sql: string; params: SqlValue[] } {
  if (pos.length !== keys.length) throw new InvalidParameter('Invalid page_token: it does not match this query.');
  keys.forEach((k, i) => {
    const [missing, value] = pos[i]!;
    if (missing === 0 && k.type && typeof value !== k.type) throw new InvalidParameter('Invalid page_token: it does not match this query.');
  });
  const ors: string[] = [];
  const params: SqlValue[] = [];
  for (let i = 0; i < keys.length; i++) {
    const g = greaterThan(keys[i]!, pos[i]!);
    const ands: string[] = [];
    for (let j = 0; j < i; j++) {
      const e = equalTo(keys[j]!, pos[j]!);
      ands.push(e.sql);
      params.push(...e.params);
    }
    ands.push(g.sql);
    params.push(...g.params);
    ors.push(`(${ands.join(' AND ')})`);
  }
  return { sql: `(${ors.join(' OR ')})`, params };
}

function equalTo(k: SortKey, [missing, value]: [number, SqlValue]): { sql: string; params: SqlValue[] } {
  if (!k.missing) return { sql: `${k.expr} = ?`, params: [value] };
  if (missing) return { sql: `${k.missing} = ?`, params: [missing] };
  return { sql: `(${k.missing} = 0 AND ${k.expr} = ?)`, params: [value] };
}

function greaterThan(k: SortKey, [missing, value]: [number, SqlValue]): { sql: string; params: SqlValue[] } {
  const cmp = k.ascending ? '>' : '<';
  if (!k.missing) return { sql: `${k.expr} ${cmp} ?`, params: [value] };
  if (missing) return { sql: `${k.missing} > ?`, params: [missing] };
  return { sql: `(${k.missing} > 0 OR (${k.missing} = 0 AND ${k.expr} ${cmp} ?))`, params: [value] };
}

/** A fingerprint of the query a token belongs to, so a token cannot be replayed on another query. */
export function queryFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

// JSON has no NaN or ±Infinity (JSON.stringify writes null), yet a page may end on a metric of
// Infinity; such numbers travel as {"n": "Infinity"}.
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function encodeValue(v: SqlValue): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? { n: String(v) } : v;
}

function decodeValue(v: unknown): SqlValue | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const n = (v as { n?: unknown }).n;
    if (typeof n === 'string' && n in NON_FINITE) return NON_FINITE[n];
  }
  return undefined;
}

export function encodePageToken(pos: Position, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ p: pos.map(([m, v]) => [m, encodeValue(v)]), q: fingerprint })).toString('base64url');
}

export function decodePageToken(token: string | undefined, fingerprint: string): Position | undefined {
  if (!token) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidParameter(`Invalid page_token '${token.slice(0, 40)}': it is not a token this server issued.`);
  }
  const obj = parsed as { p?: unknown; q?: unknown };
  if (!obj || !Array.isArray(obj.p) || typeof obj.q !== 'string') {
    throw new InvalidParameter(`Invalid page_token '${token.slice(0, 40)}': it is not a token this server issued.`);
  }
  if (obj.q !== fingerprint) {
    throw new InvalidParameter('Invalid page_token: it was issued for a different query (filter, order_by or experiment ids changed).');
  }
  const pos: Position = [];
  for (const entry of obj.p) {
    const value = Array.isArray(entry) && entry.length === 2 ? decodeValue(entry[1]) : undefined;
    if (value === undefined || !Number.isInteger(entry[0]) || entry[0] < 0 || entry[0] > 9) {
      throw new InvalidParameter('Invalid page_token: malformed position.');
    }
    pos.push([entry[0], value]);
  }
  return pos;
}
