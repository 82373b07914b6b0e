import { createHash } from 'node:crypto';
import { isAppError } from '../core/errors.js';
import type { Run } from '../tracking/index.js';
import {
  RUN_TAG_GIT_BRANCH, RUN_TAG_GIT_COMMIT, RUN_TAG_GIT_REPO, RUN_TAG_PIPELINE_RUN, RUN_TAG_PIPELINE_STEP, RUN_TAG_SOURCE_NAME,
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

export interface Lineage {
  model_version: ModelVersion;
  run: Run['info'] | null;
  params: { key: string; value: string }[];
  metrics: { key: string; value: number | string; step: number; timestamp: number }[];
  datasets: { name: string; digest: string; source_type: string; source: string; context?: string }[];
  code: { git_commit?: string; source_name?: string; git_repo_url?: string; git_branch?: string };
  pipeline: { run_id: string; step?: string } | null;
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
    const pipelineRun = tag(RUN_TAG_PIPELINE_RUN);
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
      pipeline: pipelineRun ? { run_id: pipelineRun, ...(tag(RUN_TAG_PIPELINE_STEP) ? { step: tag(RUN_TAG_PIPELINE_STEP)! } : {}) } : null,
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

  private async runOrNull(runId: string): Promise<Run | null> {
    try {
      return await this.readRun(runId);
    } catch (e) {
      if (isAppError(e) && e.code === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw e;
    }
  }
}
