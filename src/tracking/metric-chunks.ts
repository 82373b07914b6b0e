import type { Executor, SqlValue } from '../store/index.js';

/**
 * @module Packed metric chunks (migration 018, issue 14): the points of one series that one batch
 * appended, stored as ONE row of `metric_chunks` instead of one `metrics` row a point.
 *
 * Why: the one-row-per-point writer was at the storage floor (a 10,000-point batch ran at the bare
 * insert's speed; what was left was the database writing b-tree rows, ~1 us a point on SQLite).
 * Fewer rows is the only lever left, and a training job's batch is almost always an append: every
 * step it sends is after the series' greatest stored step.
 *
 * When (the writer's rule): a series' points in a batch go into a chunk when there are at least
 * `chunkMin` of them (TRAINYARD_METRIC_CHUNK_MIN, default 32: below that the row path's multi-row
 * INSERT is as cheap and reads stay on one index) and every one of them has a step greater than
 * the series' greatest stored step (latest_metrics.step: the latest point is the greatest
 * (step, ...), so its step is the greatest). Then no stored point can equal one of them, so the
 * chunk needs no conflict check; duplicates inside the batch are collapsed here. Every other point
 * (a resend, overlapping steps, a log-metric) takes the row path, which checks the chunks that
 * cover its steps so an exact duplicate of a chunked point still writes nothing. Chunks of one
 * series are therefore disjoint and in step order, and latest_metrics.chunked_to (the greatest
 * chunked step, NULL when none) tells writers and readers whether to look at them at all.
 *
 * Format: n little-endian float64 steps, then n timestamps, then n values (NaN and +-Infinity as
 * themselves), sorted in the history's order (step, timestamp, stored value, is_nan) with exact
 * duplicates removed. float64 because the columns arrive as float64 (JSON numbers and the binary
 * batch's columns are JS numbers), so nothing is converted; steps and timestamps beyond 2^53 were
 * never exact in this server anyway. 24 bytes a point, against ~30-40 for a row plus its b-tree
 * cell; the win is fewer b-tree inserts, not bytes.
 *
 * Both stores pack (2026-12-04: PostgreSQL too). With concurrent writers (PostgreSQL), every writer
 * locks the series' latest_metrics rows, in series order, before it reads their step and
 * chunked_to, so the rule above and the duplicate check see what a concurrent batch committed;
 * the group commit's one statement locks them the same way and leaves a point at a chunked step
 * to the general path, which checks it against the chunks.
 *
 * Reads merge the chunk points with the rows of the same range in that order, so every read API
 * answers exactly as if every point were a row (test/metric-chunks.int.test.ts checks each).
 */

export const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** A history point as the reads see it: value stored as 0 with is_nan 1 for NaN, like a row. */
export interface PointRow {
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

/** The history order (the metrics primary key): step, timestamp, stored value, is_nan. */
export function comparePoints(a: PointRow, b: PointRow): number {
  return a.step - b.step || a.timestamp - b.timestamp || a.value - b.value || a.is_nan - b.is_nan;
}

/** Points (indices into the columns) packed in the chunk format, sorted and de-duplicated. */
export interface PackedChunk {
  firstStep: number;
  lastStep: number;
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
  blob: Buffer;
}

const storedValue = (v: number) => (v !== v ? 0 : v);

/** Packs the points at `idx` of the columns: sorts them when needed and drops exact duplicates. */
export function packChunk(steps: ArrayLike<number>, timestamps: ArrayLike<number>, values: ArrayLike<number>, idx: number[]): PackedChunk {
  const cmp = (i: number, j: number) => {
    const vi = values[i]!;
    const vj = values[j]!;
    const ni = vi !== vi ? 1 : 0;
    const nj = vj !== vj ? 1 : 0;
    return steps[i]! - steps[j]! || timestamps[i]! - timestamps[j]! || storedValue(vi) - storedValue(vj) || ni - nj;
  };
  // A training job sends steps in order: one pass proves it and skips the sort.
  let sorted = true;
  for (let k = 1; k < idx.length && sorted; k++) if (cmp(idx[k - 1]!, idx[k]!) > 0) sorted = false;
  if (!sorted) idx = [...idx].sort(cmp);
  const n = idx.length;
  const buf = new Float64Array(3 * n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (k > 0 && cmp(idx[k - 1]!, i) === 0) continue;
    buf[m] = steps[i]!;
    buf[n + m] = timestamps[i]!;
    buf[2 * n + m] = values[i]!;
    m++;
  }
  const out = m === n ? buf : new Float64Array(3 * m);
  if (m !== n) {
    out.set(buf.subarray(0, m), 0);
    out.set(buf.subarray(n, n + m), m);
    out.set(buf.subarray(2 * n, 2 * n + m), 2 * m);
  }
  return {
    firstStep: out[0]!,
    lastStep: out[m - 1]!,
    steps: out.subarray(0, m),
    timestamps: out.subarray(m, 2 * m),
    values: out.subarray(2 * m, 3 * m),
    blob: Buffer.from(out.buffer, out.byteOffset, out.byteLength),
  };
}

/** A stored chunk's points, in history order. */
export function unpackChunk(blob: Uint8Array): PointRow[] {
  // Copy: the driver's buffer need not be 8-byte aligned for a Float64Array view.
  const f = new Float64Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  const n = f.length / 3;
  const out = new Array<PointRow>(n);
  for (let i = 0; i < n; i++) {
    const v = f[2 * n + i]!;
    const nan = v !== v;
    out[i] = { step: f[i]!, timestamp: f[n + i]!, value: nan ? 0 : v, is_nan: nan ? 1 : 0 };
  }
  return out;
}

const INSERT_CHUNKS = 'INSERT INTO metric_chunks (series_id, first_step, last_step, n, points) VALUES ';
const insertSql: string[] = [];

/** Writes packed chunks (one statement for up to 100). */
export async function insertChunks(tx: Executor, chunks: { sid: number; chunk: PackedChunk }[]): Promise<void> {
  for (let i = 0; i < chunks.length; i += 100) {
    const part = chunks.slice(i, i + 100);
    const params: SqlValue[] = [];
    for (const { sid, chunk } of part) params.push(sid, chunk.firstStep, chunk.lastStep, chunk.steps.length, chunk.blob);
    const sql = (insertSql[part.length] ??= `${INSERT_CHUNKS}${new Array(part.length).fill('(?, ?, ?, ?, ?)').join(', ')}`);
    await tx.run(sql, params);
  }
}

/** The points stored in chunks of series `sid` with a step in [lo, hi], in history order. */
export async function chunkPoints(ex: Executor, sid: number, lo: number, hi: number): Promise<PointRow[]> {
  const rows = await ex.all<{ points: Uint8Array }>(
    'SELECT points FROM metric_chunks WHERE series_id = ? AND first_step <= ? AND last_step >= ? ORDER BY first_step',
    [sid, hi, lo],
  );
  const out: PointRow[] = [];
  for (const r of rows) for (const p of unpackChunk(r.points)) if (p.step >= lo && p.step <= hi) out.push(p);
  return out;
}

const BIG = 9e15;

/** Rows and chunk points of series `sid` with a step in [lo, hi], merged in history order. */
export async function seriesPoints(ex: Executor, sid: number, lo = -BIG, hi = BIG): Promise<PointRow[]> {
  const rows = (
    await ex.all<PointRow>('SELECT step, timestamp, value, is_nan FROM metrics WHERE series_id = ? AND step BETWEEN ? AND ? ORDER BY step, timestamp, value, is_nan', [sid, lo, hi])
  ).map(numeric);
  const chunked = await chunkPoints(ex, sid, lo, hi);
  return mergeSorted(rows, chunked);
}

export function numeric(r: PointRow): PointRow {
  return { step: Number(r.step), timestamp: Number(r.timestamp), value: Number(r.value), is_nan: Number(r.is_nan) };
}

/** Two lists in history order merged into one. */
export function mergeSorted(a: PointRow[], b: PointRow[]): PointRow[] {
  if (!b.length) return a;
  if (!a.length) return b;
  const out: PointRow[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = comparePoints(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/**
 * One page of the history after `after` (exclusive; undefined: from the start), up to `limit`
 * points, in history order. Only the chunks that can hold points of the page are decoded: chunks
 * are disjoint and in step order, so once the chunks read hold `limit` points after the cursor no
 * later chunk can be in the page.
 */
export async function historyPage(ex: Executor, sid: number, after: PointRow | undefined, limit: number): Promise<PointRow[]> {
  const params: SqlValue[] = [sid];
  let cond = '';
  if (after) {
    cond = ' AND (step > ? OR (step = ? AND (timestamp > ? OR (timestamp = ? AND (value > ? OR (value = ? AND is_nan > ?))))))';
    params.push(after.step, after.step, after.timestamp, after.timestamp, after.value, after.value, after.is_nan);
  }
  const rows = (await ex.all<PointRow>(`SELECT step, timestamp, value, is_nan FROM metrics WHERE series_id = ?${cond} ORDER BY step, timestamp, value, is_nan LIMIT ?`, [...params, limit])).map(numeric);
  let bound = rows.length === limit ? rows[limit - 1]!.step : Infinity;
  const from = after ? after.step : -BIG;
  const metas = await ex.all<{ first_step: number; last_step: number; n: number }>(
    'SELECT first_step, last_step, n FROM metric_chunks WHERE series_id = ? AND last_step >= ? ORDER BY first_step',
    [sid, from],
  );
  const wanted: number[] = [];
  let counted = 0;
  for (const m of metas) {
    const first = Number(m.first_step);
    if (first > bound) break;
    wanted.push(first);
    // A chunk that starts after the cursor's step holds only points after the cursor.
    if (first > from) {
      counted += Number(m.n);
      if (counted >= limit) bound = Math.min(bound, Number(m.last_step));
    }
  }
  let chunked: PointRow[] = [];
  for (let i = 0; i < wanted.length; i += 200) {
    const part = wanted.slice(i, i + 200);
    const blobs = await ex.all<{ points: Uint8Array }>(
      `SELECT points FROM metric_chunks WHERE series_id = ? AND first_step IN (${part.map(() => '?').join(',')}) ORDER BY first_step`,
      [sid, ...part],
    );
    for (const b of blobs) for (const p of unpackChunk(b.points)) if (!after || comparePoints(p, after) > 0) chunked.push(p);
  }
  if (chunked.length > limit) chunked = chunked.slice(0, limit);
  return mergeSorted(rows, chunked).slice(0, limit);
}

/** The first and last chunked step of a series, or undefined when it has no chunks. */
export async function chunkStepRange(ex: Executor, sid: number): Promise<{ lo: number; hi: number } | undefined> {
  const lo = await ex.one<{ first_step: number }>('SELECT first_step FROM metric_chunks WHERE series_id = ? ORDER BY first_step LIMIT 1', [sid]);
  const hi = await ex.one<{ last_step: number }>('SELECT last_step FROM metric_chunks WHERE series_id = ? ORDER BY first_step DESC LIMIT 1', [sid]);
  return lo && hi ? { lo: Number(lo.first_step), hi: Number(hi.last_step) } : undefined;
}

/** Keys of the chunked points of `sid` in [lo, hi], for the row path's duplicate check. */
export async function chunkPointKeys(ex: Executor, sid: number, lo: number, hi: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const p of await chunkPoints(ex, sid, lo, hi)) out.add(pointKey(p.step, p.timestamp, p.is_nan ? NaN : p.value));
  return out;
}

export const pointKey = (step: number, ts: number, value: number) => (value !== value ? `${step}|${ts}|nan` : `${step}|${ts}|${value === 0 ? 0 : value}`);

/** A stored chunk's steps only (sorted: a chunk is in history order), without building point objects. */
function chunkSteps(blob: Uint8Array): Float64Array {
  const f = new Float64Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  return f.subarray(0, f.length / 3);
}

/** Index of the first element >= t in a sorted array (length when none). */
export function lowerBound(a: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * get-history-bulk-interval over a series with chunks, without decoding the whole range: for each
 * target step the first chunk step at or after it comes from the chunks' step ranges (chunks are
 * disjoint and in step order) and, inside the one chunk that covers the target, a binary search of
 * its steps; only chunks that hold a chosen step are decoded into points. Measured on the tracking
 * benchmark's 1M-point series (2026-12-03, SQLite): decoding every point first took ~490 ms for
 * 320 steps, against ~9 ms for the same series stored as rows. Returns undefined when the range
 * is small (the caller's exact full read is as cheap there).
 */
export async function sampledChunkPoints(ex: Executor, sid: number, lo: number, hi: number, targets: number[]): Promise<PointRow[] | undefined> {
  const meta = await ex.all<{ chunk_id: number; first_step: number; last_step: number; n: number }>(
    'SELECT chunk_id, first_step, last_step, n FROM metric_chunks WHERE series_id = ? AND first_step <= ? AND last_step >= ? ORDER BY first_step',
    [sid, hi, lo],
  );
  const total = meta.reduce((s, c) => s + Number(c.n), 0);
  if (total <= 4 * targets.length) return undefined;
  const firsts = meta.map((c) => Number(c.first_step));
  const lasts = meta.map((c) => Number(c.last_step));
  const blobs = new Map<number, Uint8Array>();
  const blobOf = async (i: number) => {
    let b = blobs.get(i);
    if (!b) {
      b = (await ex.one<{ points: Uint8Array }>('SELECT points FROM metric_chunks WHERE chunk_id = ?', [Number(meta[i]!.chunk_id)]))!.points;
      blobs.set(i, b);
    }
    return b;
  };
  const chosen = new Set<number>();
  for (const t of [...targets, hi]) {
    // The chunk whose range holds t, else the next one (its first step is the first step >= t).
    let i = lowerBound(lasts, t);
    if (i >= meta.length) continue;
    let step: number | undefined;
    if (firsts[i]! >= t) step = firsts[i];
    else {
      const steps = chunkSteps(await blobOf(i));
      const k = lowerBound(steps, t);
      step = k < steps.length ? steps[k] : i + 1 < meta.length ? firsts[++i] : undefined;
    }
    if (step !== undefined && step <= hi) chosen.add(step);
  }
  // The greatest step <= hi.
  const top = lowerBound(firsts, hi + 1) - 1;
  if (top >= 0) {
    const steps = chunkSteps(await blobOf(top));
    const k = lowerBound(steps, hi + 1) - 1;
    if (k >= 0) chosen.add(steps[k]!);
  }
  const out: PointRow[] = [];
  const wanted = [...chosen].sort((a, b) => a - b);
  for (let i = 0; i < meta.length; i++) {
    const a = lowerBound(wanted, firsts[i]!);
    if (a >= wanted.length || wanted[a]! > lasts[i]!) continue;
    for (const p of unpackChunk(await blobOf(i))) if (chosen.has(p.step)) out.push(p);
  }
  return out;
}
