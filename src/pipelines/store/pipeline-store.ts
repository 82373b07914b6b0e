/**
 * @module Pipeline runs and step runs in the store (both dialects, portable SQL). Every state
 * change of a step is one guarded UPDATE (`WHERE status IN (...)`): it happens once or not at
 * all, and a restarted scheduler reads exactly where each step was.
 */
import type { Database, Executor as SqlExecutor } from '../../store/index.js';
import type { JsonValue } from '../definition/refs.js';
import type { PipelineSpec } from '../definition/spec.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelling' | 'cancelled';
export type StepStatus = 'pending' | 'waiting_retry' | 'running' | 'succeeded' | 'cached' | 'failed' | 'skipped' | 'cancelled';
export const TERMINAL_STEP: readonly StepStatus[] = ['succeeded', 'cached', 'failed', 'skipped', 'cancelled'];
export const OK_STEP: readonly StepStatus[] = ['succeeded', 'cached'];

/** Item -1: a plain step; -2: a map step's own row (collected outputs); 0..n-1: map items. */
export const PLAIN = -1;
export const MAP_ROW = -2;

export interface RunRow {
  id: string;
  pipeline: string;
  status: RunStatus;
  params: Record<string, JsonValue>;
  spec: PipelineSpec;
  definition_hash: string;
  code_hash: string;
  executor: string;
  use_cache: boolean;
  resumed_from: string | null;
  owner: string | null;
  owner_heartbeat: number | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
}

export interface StepRow {
  run_id: string;
  step: string;
  item: number;
  status: StepStatus;
  attempt: number;
  cache_key: string | null;
  cached_from_run: string | null;
  cached_from_step: string | null;
  inputs: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  error: string | null;
  tracking_run_id: string | null;
  task_id: string | null;
  started_info: Record<string, unknown> | null;
  next_attempt_at: number | null;
  queued_at: number | null;
  started_at: number | null;
  ended_at: number | null;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = <T>(v: unknown): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : null);

function runRow(r: Record<string, unknown>): RunRow {
  return {
    ...(r as unknown as RunRow),
    params: parse(r.params) ?? {},
    spec: parse(r.spec)!,
    use_cache: Number(r.use_cache) === 1,
  };
}

function stepRow(r: Record<string, unknown>): StepRow {
  return {
    ...(r as unknown as StepRow),
    item: Number(r.item),
    attempt: Number(r.attempt),
    inputs: parse(r.inputs),
    outputs: parse(r.outputs),
    started_info: parse(r.started_info),
  };
}

export type StepPatch = Partial<Omit<StepRow, 'run_id' | 'step' | 'item'>>;

const STEP_COLS = ['status', 'attempt', 'cache_key', 'cached_from_run', 'cached_from_step', 'inputs', 'outputs', 'error', 'tracking_run_id', 'task_id', 'started_info', 'next_attempt_at', 'queued_at', 'started_at', 'ended_at'] as const;
const JSON_COLS = new Set(['inputs', 'outputs', 'started_info']);

export interface CacheEntry {
  cache_key: string;
  ingredients: Record<string, unknown>;
  outputs: Record<string, unknown>;
  run_id: string;
  step: string;
  item: number;
}

export interface ArtifactLink {
  run_id: string;
  step: string;
  item: number;
  direction: 'input' | 'output';
  name: string;
  uri: string;
  digest: string;
  size: number;
}

export class PipelineStore {
  constructor(readonly db: Database) {}

  async createRun(run: Omit<RunRow, 'owner_heartbeat' | 'error' | 'started_at' | 'ended_at' | 'resumed_from'> & { resumed_from?: string | null }, steps: { step: string; item: number }[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO pipeline_runs (id, pipeline, status, params, spec, definition_hash, code_hash, executor, use_cache, resumed_from, owner, owner_heartbeat, created_at, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [run.id, run.pipeline, run.status, json(run.params), json(run.spec), run.definition_hash, run.code_hash, run.executor, run.use_cache ? 1 : 0, run.resumed_from ?? null, run.owner, Date.now(), run.created_at, run.created_at],
      );
      await insertSteps(tx, run.id, steps);
    });
  }

  async insertItems(runId: string, step: string, count: number, mapPatch: StepPatch): Promise<void> {
    await this.db.transaction(async (tx) => {
      await insertSteps(tx, runId, Array.from({ length: count }, (_, i) => ({ step, item: i })));
      await patchStep(tx, runId, step, MAP_ROW, mapPatch, null);
    });
  }

  async getRun(id: string): Promise<RunRow | undefined> {
    const r = await this.db.one('SELECT * FROM pipeline_runs WHERE id = ?', [id]);
    return r ? runRow(r) : undefined;
  }

  async listRuns(opts: { pipeline?: string; limit: number; before?: { created_at: number; id: string } }): Promise<RunRow[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (opts.pipeline) {
      where.push('pipeline = ?');
      args.push(opts.pipeline);
    }
    if (opts.before) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      args.push(opts.before.created_at, opts.before.created_at, opts.before.id);
    }
    const rows = await this.db.all(`SELECT * FROM pipeline_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${Math.floor(opts.limit)}`, args);
    return rows.map(runRow);
  }

  async steps(runId: string): Promise<StepRow[]> {
    return (await this.db.all('SELECT * FROM pipeline_steps WHERE run_id = ? ORDER BY step, item', [runId])).map(stepRow);
  }

  async step(runId: string, step: string, item: number): Promise<StepRow | undefined> {
    const r = await this.db.one('SELECT * FROM pipeline_steps WHERE run_id = ? AND step = ? AND item = ?', [runId, step, item]);
    return r ? stepRow(r) : undefined;
  }

  /** One guarded transition: applies `patch` only if the step is in one of `from`. */
  async transition(runId: string, step: string, item: number, from: readonly StepStatus[] | null, patch: StepPatch, extra?: (tx: SqlExecutor) => Promise<void>): Promise<boolean> {
    if (!extra) return patchStep(this.db, runId, step, item, patch, from);
    return this.db.transaction(async (tx) => {
      const ok = await patchStep(tx, runId, step, item, patch, from);
      if (ok) await extra(tx);
      return ok;
    });
  }

  /** The same guarded step update as `transition`, inside a transaction the caller holds. */
  transitionIn(tx: SqlExecutor, runId: string, step: string, item: number, from: readonly StepStatus[] | null, patch: StepPatch): Promise<boolean> {
    return patchStep(tx, runId, step, item, patch, from);
  }

  async setRun(id: string, patch: Partial<Pick<RunRow, 'status' | 'error' | 'ended_at' | 'owner' | 'owner_heartbeat'>>, from?: readonly RunStatus[]): Promise<boolean> {
    const keys = Object.keys(patch) as (keyof typeof patch)[];
    const args = keys.map((k) => (patch[k] ?? null) as string | number | null);
    let sql = `UPDATE pipeline_runs SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`;
    args.push(id);
    if (from) {
      sql += ` AND status IN (${from.map(() => '?').join(', ')})`;
      args.push(...from);
    }
    return (await this.db.run(sql, args)).changes > 0;
  }

  /** Takes over a run nobody drives (owner gone quiet for `staleMs`), or that `owner` already holds. */
  async claimRun(id: string, owner: string, staleMs: number): Promise<boolean> {
    const now = Date.now();
    const r = await this.db.run("UPDATE pipeline_runs SET owner = ?, owner_heartbeat = ? WHERE id = ? AND status IN ('running', 'cancelling') AND (owner IS NULL OR owner = ? OR owner_heartbeat < ?)", [owner, now, id, owner, now - staleMs]);
    return r.changes > 0;
  }

  async unownedRuns(owner: string, staleMs: number): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>("SELECT id FROM pipeline_runs WHERE status IN ('running', 'cancelling') AND (owner IS NULL OR owner = ? OR owner_heartbeat < ?)", [owner, Date.now() - staleMs]);
    return rows.map((r) => r.id);
  }

  async runsOwnedElsewhere(owner: string): Promise<{ id: string; owner: string | null }[]> {
    return this.db.all("SELECT id, owner FROM pipeline_runs WHERE status IN ('running', 'cancelling') AND owner IS NOT NULL AND owner <> ?", [owner]);
  }

  async claimRunFrom(id: string, owner: string, from: string): Promise<boolean> {
    return (await this.db.run('UPDATE pipeline_runs SET owner = ?, owner_heartbeat = ? WHERE id = ? AND owner = ?', [owner, Date.now(), id, from])).changes > 0;
  }

  async heartbeat(owner: string, runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    await this.db.run(`UPDATE pipeline_runs SET owner_heartbeat = ? WHERE owner = ? AND id IN (${runIds.map(() => '?').join(', ')})`, [Date.now(), owner, ...runIds]);
  }

  async cacheGet(key: string): Promise<CacheEntry | undefined> {
    const r = await this.db.one<Record<string, unknown>>('SELECT * FROM pipeline_cache WHERE cache_key = ?', [key]);
    return r ? { ...(r as unknown as CacheEntry), item: Number(r.item), ingredients: parse(r.ingredients)!, outputs: parse(r.outputs)! } : undefined;
  }

  async cacheDelete(key: string): Promise<void> {
    await this.db.run('DELETE FROM pipeline_cache WHERE cache_key = ?', [key]);
  }

  async artifacts(runId: string): Promise<ArtifactLink[]> {
    return (await this.db.all<ArtifactLink>('SELECT * FROM pipeline_artifacts WHERE run_id = ? ORDER BY step, item, direction, name', [runId])).map((a) => ({ ...a, item: Number(a.item), size: Number(a.size) }));
  }

  async artifactsByDigest(digest: string): Promise<ArtifactLink[]> {
    return (await this.db.all<ArtifactLink>('SELECT * FROM pipeline_artifacts WHERE digest = ? ORDER BY run_id, step', [digest])).map((a) => ({ ...a, item: Number(a.item), size: Number(a.size) }));
  }
}

async function insertSteps(tx: SqlExecutor, runId: string, steps: { step: string; item: number }[]): Promise<void> {
  // Chunks of 200 rows per statement: 10,000 map items are 50 INSERTs, not 10,000.
  for (let i = 0; i < steps.length; i += 200) {
    const chunk = steps.slice(i, i + 200);
    await tx.run(`INSERT INTO pipeline_steps (run_id, step, item, status, attempt) VALUES ${chunk.map(() => "(?, ?, ?, 'pending', 0)").join(', ')}`, chunk.flatMap((s) => [runId, s.step, s.item]));
  }
}

async function patchStep(ex: SqlExecutor, runId: string, step: string, item: number, patch: StepPatch, from: readonly StepStatus[] | null): Promise<boolean> {
  const keys = STEP_COLS.filter((k) => k in patch);
  const args: (string | number | null)[] = keys.map((k) => {
    const v = patch[k];
    return JSON_COLS.has(k) ? json(v) : ((v ?? null) as string | number | null);
  });
  let sql = `UPDATE pipeline_steps SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE run_id = ? AND step = ? AND item = ?`;
  args.push(runId, step, item);
  if (from) {
    sql += ` AND status IN (${from.map(() => '?').join(', ')})`;
    args.push(...from);
  }
  return (await ex.run(sql, args)).changes > 0;
}

export async function putCache(tx: SqlExecutor, e: CacheEntry): Promise<void> {
  const sql = 'INSERT INTO pipeline_cache (cache_key, ingredients, outputs, run_id, step, item, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cache_key) DO UPDATE SET ingredients = excluded.ingredients, outputs = excluded.outputs, run_id = excluded.run_id, step = excluded.step, item = excluded.item, created_at = excluded.created_at';
  await tx.run(sql, [e.cache_key, json(e.ingredients), json(e.outputs), e.run_id, e.step, e.item, Date.now()]);
}

export async function putArtifacts(tx: SqlExecutor, links: ArtifactLink[]): Promise<void> {
  for (let i = 0; i < links.length; i += 100) {
    const chunk = links.slice(i, i + 100);
    await tx.run(`INSERT INTO pipeline_artifacts (run_id, step, item, direction, name, uri, digest, size) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`, chunk.flatMap((a) => [a.run_id, a.step, a.item, a.direction, a.name, a.uri, a.digest, a.size]));
  }
}
