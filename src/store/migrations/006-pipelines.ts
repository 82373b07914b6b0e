import type { Migration } from './migration.js';

// Pipelines (issue 9). A run row holds the compiled spec it was started with (so a later edit of
// the file never changes a run in flight); a step row is one step, or one map item (item >= 0;
// -1 = not a map item; the map's own row is item -2 and carries the collected outputs). Every
// state change of a step is one UPDATE in its own transaction, guarded by the state it expects,
// so a restarted scheduler picks up exactly where the store says it was. Cache entries keep the
// key's ingredients next to the key, so a hit or miss can be explained.
const sql = `
CREATE TABLE pipeline_runs (
  id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL,
  status TEXT NOT NULL,
  params TEXT NOT NULL,
  spec TEXT NOT NULL,
  definition_hash TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  executor TEXT NOT NULL,
  use_cache INTEGER NOT NULL,
  resumed_from TEXT,
  owner TEXT,
  owner_heartbeat BIGINT,
  error TEXT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  ended_at BIGINT
);
CREATE INDEX pipeline_runs_by_created ON pipeline_runs (created_at, id);
CREATE INDEX pipeline_runs_by_status ON pipeline_runs (status, owner_heartbeat);
CREATE TABLE pipeline_steps (
  run_id TEXT NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
  step TEXT NOT NULL,
  item BIGINT NOT NULL,
  status TEXT NOT NULL,
  attempt BIGINT NOT NULL DEFAULT 0,
  cache_key TEXT,
  cached_from_run TEXT,
  cached_from_step TEXT,
  inputs TEXT,
  outputs TEXT,
  error TEXT,
  tracking_run_id TEXT,
  task_id TEXT,
  started_info TEXT,
  next_attempt_at BIGINT,
  queued_at BIGINT,
  started_at BIGINT,
  ended_at BIGINT,
  PRIMARY KEY (run_id, step, item)
);
CREATE TABLE pipeline_cache (
  cache_key TEXT PRIMARY KEY,
  ingredients TEXT NOT NULL,
  outputs TEXT NOT NULL,
  run_id TEXT NOT NULL,
  step TEXT NOT NULL,
  item BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE pipeline_artifacts (
  run_id TEXT NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
  step TEXT NOT NULL,
  item BIGINT NOT NULL,
  direction TEXT NOT NULL,
  name TEXT NOT NULL,
  uri TEXT NOT NULL,
  digest TEXT NOT NULL,
  size BIGINT NOT NULL,
  PRIMARY KEY (run_id, step, item, direction, name)
);
CREATE INDEX pipeline_artifacts_by_digest ON pipeline_artifacts (digest);
CREATE TABLE pipeline_schedules (
  id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL,
  file TEXT NOT NULL,
  cron TEXT NOT NULL,
  params TEXT NOT NULL,
  executor TEXT NOT NULL,
  next_fire_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE pipeline_schedule_fires (
  schedule_id TEXT NOT NULL REFERENCES pipeline_schedules(id) ON DELETE CASCADE,
  fire_at BIGINT NOT NULL,
  run_id TEXT,
  PRIMARY KEY (schedule_id, fire_at)
);
`;

export const migration006: Migration = { version: 6, name: 'pipelines', sql: { sqlite: sql, postgres: sql } };
