/**
 * @module Registry entities in MLflow's JSON shape (reference §4), so the REST layer sends them
 * as they are, plus the rows they are read from.
 */

export interface KeyValue {
  key: string;
  value: string;
}

/** MLflow's stages, in its spelling; requests match them case-insensitively. */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];
/** Stages `archive_existing_versions` may archive into (MLflow's "active" stages). */
export const ACTIVE_STAGES: readonly Stage[] = ['Staging', 'Production'];

export interface ModelVersion {
  name: string;
  /** A string in JSON, as MLflow sends it ("1", "2", ...). */
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  current_stage: Stage;
  description?: string;
  source: string;
  run_id?: string;
  status: 'READY';
  status_message?: string;
  tags: KeyValue[];
  run_link?: string;
  aliases: string[];
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  description?: string;
  latest_versions: ModelVersion[];
  tags: KeyValue[];
  aliases: { alias: string; version: string }[];
}

/** One file of a version's source, with the digest recorded when the version was registered. */
export interface VersionFile {
  path: string;
  size: number;
  sha256: string;
}

export interface ModelRow {
  id: number;
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  user_id: string | null;
  last_version: number;
}

export interface VersionRow {
  model: number;
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string | null;
  current_stage: Stage;
  description: string | null;
  source: string;
  run_id: string | null;
  run_link: string | null;
  status: 'READY';
  status_message: string | null;
  model_id: string | null;
  /** Where the version's files are read from: an artifact URI (nothing is copied at registration). */
  storage_location: string;
}

/** System tags the registry reads from runs (reference §4). */
export const RUN_TAG_GIT_COMMIT = 'mlflow.source.git.commit';
export const RUN_TAG_SOURCE_NAME = 'mlflow.source.name';
export const RUN_TAG_GIT_REPO = 'mlflow.source.git.repoURL';
export const RUN_TAG_GIT_BRANCH = 'mlflow.source.git.branch';
/** Set by the pipelines domain on the runs its steps create (read when present). */
export const RUN_TAG_PIPELINE_RUN = 'trainyard.pipeline.run';
export const RUN_TAG_PIPELINE_STEP = 'trainyard.pipeline.step';
/** Set on a version by the pipeline step that registered it (`registerModel`). */
export const VERSION_TAG_PIPELINE_RUN = 'trainyard.pipeline.run';
export const VERSION_TAG_PIPELINE_STEP = 'trainyard.pipeline.step';
export const VERSION_TAG_PIPELINE_NAME = 'trainyard.pipeline.name';
export const VERSION_TAG_PIPELINE_DEFINITION = 'trainyard.pipeline.definition_hash';
