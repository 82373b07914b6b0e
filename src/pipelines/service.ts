/**
 * @module The pipelines service: what the routes call. Submits compiled specs (validated again
 * here: the server never trusts a client's compile), answers runs with their steps, logs,
 * lineage, and cancels/resumes. Store-agnostic; HTTP lives in routes.ts.
 */
import { InvalidParameter, NotFound } from '../core/errors.js';
import { readLogChunk, type LogChunk } from '../core/file-range.js';
import type { PipelineSpec } from './definition/spec.js';
import { validateSpec } from './definition/validate-spec.js';
import { executorNames } from './executors/registry.js';
import { tailLog } from './runtime/step-log.js';
import type { PipelineScheduler } from './scheduler/scheduler.js';
import { MAP_ROW, PLAIN, type RunRow, type StepRow } from './store/pipeline-store.js';

export interface StepJson {
  step: string;
  item?: number;
  status: string;
  attempt: number;
  started_at: number | null;
  ended_at: number | null;
  duration_ms: number | null;
  error: string | null;
  outputs: Record<string, unknown> | null;
  cached_from?: { run_id: string; step: string; message: string };
  cache_key: string | null;
  tracking_run_id: string | null;
  /** The steps this one waits for (the DAG's edges, for the UI). */
  needs?: string[];
  items?: { total: number; counts: Record<string, number> };
}

export interface RunJson {
  run_id: string;
  pipeline: string;
  status: string;
  params: Record<string, unknown>;
  executor: string;
  use_cache: boolean;
  definition_hash: string;
  code_hash: string;
  source: PipelineSpec['source'];
  error: string | null;
  created_at: number;
  ended_at: number | null;
  duration_ms: number | null;
}

export function runJson(r: RunRow): RunJson {
  return {
    run_id: r.id,
    pipeline: r.pipeline,
    status: r.status,
    params: r.params,
    executor: r.executor,
    use_cache: r.use_cache,
    definition_hash: r.definition_hash,
    code_hash: r.code_hash,
    source: r.spec.source,
    error: r.error,
    created_at: r.created_at,
    ended_at: r.ended_at,
    duration_ms: r.ended_at ? r.ended_at - r.created_at : null,
  };
}

function stepJson(s: StepRow): StepJson {
  return {
    step: s.step,
    ...(s.item >= 0 ? { item: s.item } : {}),
    status: s.status,
    attempt: s.attempt,
    started_at: s.started_at,
    ended_at: s.ended_at,
    duration_ms: s.started_at && s.ended_at ? s.ended_at - s.started_at : null,
    error: s.error,
    outputs: s.outputs,
    cache_key: s.cache_key,
    tracking_run_id: s.tracking_run_id,
    ...(s.cached_from_run ? { cached_from: { run_id: s.cached_from_run, step: s.cached_from_step!, message: `cached from run ${s.cached_from_run}, step ${s.cached_from_step}` } } : {}),
  };
}

export class PipelinesService {
  constructor(readonly scheduler: PipelineScheduler) {}

  async submit(spec: unknown, opts: { params?: Record<string, unknown>; executor?: string; cache?: boolean }): Promise<RunJson> {
    const s = spec as PipelineSpec;
    if (!s || typeof s !== 'object' || s.specVersion !== 1 || !Array.isArray(s.steps)) throw new InvalidParameter("Invalid value for parameter 'spec': expected a compiled pipeline spec (specVersion 1); compile the file with the CLI or the SDK.");
    validateSpec(structuredClone(s));
    if (opts.executor && !executorNames().includes(opts.executor) && opts.executor !== 'local') throw new InvalidParameter(`Unknown executor '${opts.executor}': use one of local${executorNames().length ? ', ' + executorNames().join(', ') : ''}.`);
    return runJson(await this.scheduler.submit(s, opts));
  }

  async run(id: string): Promise<{ run: RunJson; steps: StepJson[] }> {
    const r = await this.scheduler.store.getRun(id);
    if (!r) throw new NotFound(`No pipeline run '${id}'.`);
    const rows = await this.scheduler.store.steps(id);
    const order = new Map(r.spec.steps.map((s, i) => [s.name, i]));
    const steps: StepJson[] = [];
    for (const row of rows.filter((x) => x.item < 0).sort((a, b) => order.get(a.step)! - order.get(b.step)!)) {
      const j = stepJson(row);
      j.needs = r.spec.steps.find((x) => x.name === row.step)?.needs ?? [];
      if (row.item === MAP_ROW) {
        const items = rows.filter((x) => x.step === row.step && x.item >= 0);
        const counts: Record<string, number> = {};
        for (const it of items) counts[it.status] = (counts[it.status] ?? 0) + 1;
        j.items = { total: items.length, counts };
        // The collected outputs of a big map are large: the step's own row answers them.
        if (items.length > 100) j.outputs = null;
        const cached = items.find((x) => x.cached_from_run);
        if (cached && !j.cached_from) j.cached_from = { run_id: cached.cached_from_run!, step: cached.cached_from_step!, message: `${counts.cached ?? 0} items cached, e.g. from run ${cached.cached_from_run}, step ${cached.cached_from_step}` };
      }
      steps.push(j);
    }
    return { run: runJson(r), steps };
  }

  async list(opts: { pipeline?: string; maxResults: number; pageToken?: string }): Promise<{ runs: RunJson[]; next_page_token?: string }> {
    let before: { created_at: number; id: string } | undefined;
    if (opts.pageToken) {
      const [t, id] = Buffer.from(opts.pageToken, 'base64url').toString().split('|');
      if (!t || !id || !/^\d+$/.test(t)) throw new InvalidParameter("Invalid value for parameter 'page_token'.");
      before = { created_at: Number(t), id };
    }
    const rows = await this.scheduler.store.listRuns({ ...(opts.pipeline ? { pipeline: opts.pipeline } : {}), limit: opts.maxResults + 1, ...(before ? { before } : {}) });
    const page = rows.slice(0, opts.maxResults);
    const last = page[page.length - 1];
    return { runs: page.map(runJson), ...(rows.length > opts.maxResults && last ? { next_page_token: Buffer.from(`${last.created_at}|${last.id}`).toString('base64url') } : {}) };
  }

  async logs(id: string, step: string, item: number | undefined, tail: number): Promise<{ lines: string[]; path: string }> {
    const r = await this.scheduler.store.getRun(id);
    if (!r) throw new NotFound(`No pipeline run '${id}'.`);
    if (!r.spec.steps.some((s) => s.name === step)) throw new InvalidParameter(`Run '${id}' has no step '${step}' (steps: ${r.spec.steps.map((s) => s.name).join(', ')}).`);
    const path = this.scheduler.logPath(id, step, item ?? PLAIN);
    return { lines: tailLog(path, tail), path };
  }

  /** A bounded piece of a step's log: its last `tailBytes` when `from` is undefined, else what was appended since `from`. */
  async logChunk(id: string, step: string, item: number | undefined, from: number | undefined, tailBytes?: number): Promise<LogChunk> {
    const r = await this.scheduler.store.getRun(id);
    if (!r) throw new NotFound(`No pipeline run '${id}'.`);
    if (!r.spec.steps.some((s) => s.name === step)) throw new InvalidParameter(`Run '${id}' has no step '${step}' (steps: ${r.spec.steps.map((s) => s.name).join(', ')}).`);
    return readLogChunk(this.scheduler.logPath(id, step, item ?? PLAIN), from, tailBytes);
  }

  async cancel(id: string): Promise<RunJson> {
    return runJson(await this.scheduler.cancel(id));
  }

  async resume(id: string, steps?: string[]): Promise<RunJson> {
    return runJson(await this.scheduler.resume(id, steps ? { steps } : {}));
  }

  async lineage(id: string): Promise<{ artifacts: unknown[] }> {
    if (!(await this.scheduler.store.getRun(id))) throw new NotFound(`No pipeline run '${id}'.`);
    return { artifacts: await this.scheduler.store.artifacts(id) };
  }

  /** A run's name, state, hashes and each step's tracking run (the registry's lineage reads it). */
  async runSummary(id: string): Promise<{ pipeline: string; status: string; definition_hash: string; code_hash: string; steps: { step: string; status: string; tracking_run_id: string | null }[] } | null> {
    const r = await this.scheduler.store.getRun(id);
    if (!r) return null;
    const steps = (await this.scheduler.store.steps(id)).filter((s) => s.item < 0);
    return { pipeline: r.pipeline, status: r.status, definition_hash: r.definition_hash, code_hash: r.code_hash, steps: steps.map((s) => ({ step: s.step, status: s.status, tracking_run_id: s.tracking_run_id })) };
  }

  async artifactsByDigest(digest: string): Promise<{ artifacts: unknown[] }> {
    return { artifacts: await this.scheduler.store.artifactsByDigest(digest) };
  }
}
