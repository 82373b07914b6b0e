import { createHash } from 'node:crypto';
import { isAppError } from '../core/errors.js';
import type { Run } from '../tracking/index.js';
import {
  RUN_TAG_GIT_BRANCH, RUN_TAG_GIT_COMMIT, RUN_TAG_GIT_REPO, RUN_TAG_PIPELINE_RUN, RUN_TAG_PIPELINE_STEP, RUN_TAG_SOURCE_NAME,
  VERSION_TAG_PIPELINE_DEFINITION, VERSION_TAG_PIPELINE_NAME, VERSION_TAG_PIPELINE_RUN, VERSION_TAG_PIPELINE_STEP,
  type ModelVersion, type VersionFile,
} from './entities.js';
import type { VersionsService } from './versions-service.js';

/**
 * @module Lineage: from a version back to the run that produced it (params, metrics), the
 * datasets it read (with digests), the code commit, the pipeline step when there is one, and the
 * exact files (digests); and from a run forward to the versions registered from it.
 */

/** Reads a run in full (the tracking slice, through the registry's wiring). */
export type RunReader = (runId: string) => Promise<Run>;

/** What the pipelines domain tells the registry about one of its runs (null: no such run). */
export interface PipelineRunSummary {
  pipeline: string;
  status: string;
  definition_hash: string;
  code_hash: string;
  steps: { step: string; status: string; tracking_run_id: string | null }[];
}
export type PipelineRunReader = (pipelineRunId: string) => Promise<PipelineRunSummary | null>;

/**
 * The pipeline side of a version's lineage, read as pipeline run -> step -> run -> version:
 * `run_step` is the step whose tracking run (or its parent, for a tuning trial) is the version's
 * source run; `step` the step that registered it (or, for a version registered outside a
 * pipeline, the step its run came from).
 */
export interface PipelineLineage {
  run_id: string;
  pipeline?: string;
  status?: string;
  definition_hash?: string;
  code_hash?: string;
  step?: string;
  run_step?: string;
  run_step_tracking_run_id?: string;
  /** `version`: the version's own tags (set by a register step); `run`: its source run's tags. */
  recorded_on: 'version' | 'run';
}

export interface Lineage {
  model_version: ModelVersion;
  run: Run['info'] | null;
  params: { key: string; value: string }[];
  metrics: { key: string; value: number | string; step: number; timestamp: number }[];
  datasets: { name: string; digest: string; source_type: string; source: string; context?: string }[];
  code: { git_commit?: string; source_name?: string; git_repo_url?: string; git_branch?: string };
  pipeline: PipelineLineage | null;
  logged_model_id?: string;
  files: { count: number; total_size: number; package_digest: string; storage_location: string };
}

/**
 * One digest for the whole package: sha256 over the sorted `path NUL sha256 LF` lines, so two
 * versions with the same files have the same package digest whatever their folder.
 */
export function packageDigest(files: VersionFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) h.update(`${f.path}\u0000${f.sha256}\n`);
  return h.digest('hex');
}

const jsonNumber = (v: number): number | string => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');

export class LineageService {
  constructor(
    private readonly versions: VersionsService,
    private readonly readRun: RunReader,
    private readonly readPipelineRun?: PipelineRunReader,
  ) {}

  async forVersion(name: string, version: string): Promise<Lineage> {
    const mv = await this.versions.get(name, version);
    const { storage, files } = await this.versions.files(name, version);
    const run = mv.run_id ? await this.runOrNull(mv.run_id) : null;
    const tag = (k: string) => run?.data.tags.find((t) => t.key === k)?.value;
    const code: Lineage['code'] = {};
    if (tag(RUN_TAG_GIT_COMMIT)) code.git_commit = tag(RUN_TAG_GIT_COMMIT);
    if (tag(RUN_TAG_SOURCE_NAME)) code.source_name = tag(RUN_TAG_SOURCE_NAME);
    if (tag(RUN_TAG_GIT_REPO)) code.git_repo_url = tag(RUN_TAG_GIT_REPO);
    if (tag(RUN_TAG_GIT_BRANCH)) code.git_branch = tag(RUN_TAG_GIT_BRANCH);
    const pipeline = await this.pipelineOf(mv, run);
    return {
      model_version: mv,
      run: run?.info ?? null,
      params: run?.data.params ?? [],
      metrics: (run?.data.metrics ?? []).map((m) => ({ key: m.key, value: jsonNumber(m.value), step: m.step, timestamp: m.timestamp })),
      datasets: (run?.inputs.dataset_inputs ?? []).map((d) => {
        const context = d.tags.find((t) => t.key === 'mlflow.data.context')?.value;
        return { name: d.dataset.name, digest: d.dataset.digest, source_type: d.dataset.source_type, source: d.dataset.source, ...(context ? { context } : {}) };
      }),
      code,
      pipeline,
      ...(mv.model_id ? { logged_model_id: mv.model_id } : {}),
      files: { count: files.length, total_size: files.reduce((s, f) => s + f.size, 0), package_digest: packageDigest(files), storage_location: storage },
    };
  }

  /** The versions registered from a run (a 404 when the run does not exist). */
  async forRun(runId: string, opts: { maxResults?: number; pageToken?: string }) {
    await this.readRun(runId);
    const res = await this.versions.search({ runIds: [runId], maxResults: opts.maxResults ?? 1000, pageToken: opts.pageToken });
    return { run_id: runId, ...res };
  }

  private async pipelineOf(mv: ModelVersion, run: Run | null): Promise<PipelineLineage | null> {
    const vtag = (k: string) => mv.tags.find((t) => t.key === k)?.value;
    const rtag = (k: string) => run?.data.tags.find((t) => t.key === k)?.value;
    // Runs made before the tag was renamed carry `trainyard.pipeline.run_id`.
    const fromRun = rtag(RUN_TAG_PIPELINE_RUN) ?? rtag('trainyard.pipeline.run_id');
    const runId = vtag(VERSION_TAG_PIPELINE_RUN) ?? fromRun;
    if (!runId) return null;
    const onVersion = vtag(VERSION_TAG_PIPELINE_RUN) !== undefined;
    const out: PipelineLineage = { run_id: runId, recorded_on: onVersion ? 'version' : 'run' };
    const step = onVersion ? vtag(VERSION_TAG_PIPELINE_STEP) : rtag(RUN_TAG_PIPELINE_STEP);
    if (step) out.step = step;
    const name = vtag(VERSION_TAG_PIPELINE_NAME);
    if (name) out.pipeline = name;
    const def = vtag(VERSION_TAG_PIPELINE_DEFINITION);
    if (def) out.definition_hash = def;
    const summary = this.readPipelineRun ? await this.readPipelineRun(runId).catch(() => null) : null;
    if (summary) {
      out.pipeline = summary.pipeline;
      out.status = summary.status;
      out.definition_hash ??= summary.definition_hash;
      out.code_hash = summary.code_hash;
    }
    // The step that produced the source run: its own tracking run, or an ancestor of a nested
    // run (a tuning trial sits under the study's run, under the step's run).
    const candidates: string[] = [];
    for (let cur = run, depth = 0; cur && depth < 4; depth++) {
      candidates.push(cur.info.run_id);
      const parent = cur.data.tags.find((t) => t.key === 'mlflow.parentRunId')?.value;
      cur = parent ? await this.runOrNull(parent) : null;
    }
    const producer = summary?.steps.find((s) => s.tracking_run_id && candidates.includes(s.tracking_run_id));
    if (producer) {
      out.run_step = producer.step;
      out.run_step_tracking_run_id = producer.tracking_run_id!;
    } else if (fromRun === runId && rtag(RUN_TAG_PIPELINE_STEP)) out.run_step = rtag(RUN_TAG_PIPELINE_STEP)!;
    return out;
  }

  private async runOrNull(runId: string): Promise<Run | null> {
    try {
      return await this.readRun(runId);
    } catch (e) {
      if (isAppError(e) && e.code === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw e;
    }
  }
}
