import type { Migration } from './migration.js';

// The model registry (issue 4). Registered models carry a surrogate integer key so a rename is
// one UPDATE, and `last_version` so version numbers are never reused after a delete (MLflow
// soft-deletes versions for the same reason; we delete the row and keep the counter).
const registry = (identity: string) => `
CREATE TABLE registered_models (
  id ${identity},
  name TEXT NOT NULL UNIQUE,
  creation_timestamp BIGINT NOT NULL,
  last_updated_timestamp BIGINT NOT NULL,
  description TEXT,
  user_id TEXT,
  last_version BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE registered_model_tags (
  model BIGINT NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model, key)
);
CREATE TABLE model_versions (
  model BIGINT NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
  version BIGINT NOT NULL,
  creation_timestamp BIGINT NOT NULL,
  last_updated_timestamp BIGINT NOT NULL,
  user_id TEXT,
  current_stage TEXT NOT NULL,
  description TEXT,
  source TEXT NOT NULL,
  run_id TEXT,
  run_link TEXT,
  status TEXT NOT NULL,
  status_message TEXT,
  model_id TEXT,
  storage_location TEXT NOT NULL,
  PRIMARY KEY (model, version)
);
CREATE INDEX model_versions_by_run ON model_versions (run_id);
CREATE INDEX model_versions_by_stage ON model_versions (model, current_stage, version);
CREATE TABLE model_version_tags (
  model BIGINT NOT NULL,
  version BIGINT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model, version, key),
  FOREIGN KEY (model, version) REFERENCES model_versions(model, version) ON DELETE CASCADE
);
CREATE TABLE model_version_files (
  model BIGINT NOT NULL,
  version BIGINT NOT NULL,
  path TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (model, version, path),
  FOREIGN KEY (model, version) REFERENCES model_versions(model, version) ON DELETE CASCADE
);
CREATE TABLE model_aliases (
  model BIGINT NOT NULL,
  alias TEXT NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (model, alias),
  FOREIGN KEY (model, version) REFERENCES model_versions(model, version) ON DELETE CASCADE
);
CREATE TABLE model_policies (
  model BIGINT PRIMARY KEY REFERENCES registered_models(id) ON DELETE CASCADE,
  gates TEXT NOT NULL,
  targets TEXT NOT NULL,
  require_review INTEGER NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT
);
CREATE TABLE promotion_requests (
  id TEXT PRIMARY KEY,
  model BIGINT NOT NULL,
  version BIGINT NOT NULL,
  target_kind TEXT NOT NULL,
  target TEXT NOT NULL,
  archive_existing INTEGER NOT NULL,
  status TEXT NOT NULL,
  comment TEXT,
  report_uri TEXT,
  requested_by TEXT,
  created_at BIGINT NOT NULL,
  decided_by TEXT,
  decided_at BIGINT,
  decision_comment TEXT,
  gate_results TEXT,
  override_reason TEXT,
  overridden_by TEXT,
  FOREIGN KEY (model, version) REFERENCES model_versions(model, version) ON DELETE CASCADE
);
CREATE INDEX promotion_requests_by_model ON promotion_requests (model, status, created_at);
CREATE TABLE registry_audit (
  id ${identity},
  model BIGINT NOT NULL,
  model_name TEXT NOT NULL,
  version BIGINT,
  action TEXT NOT NULL,
  target TEXT,
  from_value TEXT,
  to_value TEXT,
  actor TEXT,
  reason TEXT,
  request_id TEXT,
  details TEXT,
  at BIGINT NOT NULL
);
CREATE INDEX registry_audit_by_model ON registry_audit (model, id);
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT,
  status TEXT NOT NULL,
  creation_timestamp BIGINT NOT NULL,
  last_updated_timestamp BIGINT NOT NULL
);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT,
  last_status INTEGER,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, created_at);
CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  at BIGINT NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms BIGINT NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE logged_models (
  model_id TEXT PRIMARY KEY,
  experiment_id BIGINT NOT NULL REFERENCES experiments(experiment_id),
  name TEXT NOT NULL,
  artifact_location TEXT NOT NULL,
  model_type TEXT,
  source_run_id TEXT,
  status TEXT NOT NULL,
  status_message TEXT,
  lifecycle_stage TEXT NOT NULL,
  creation_timestamp BIGINT NOT NULL,
  last_updated_timestamp BIGINT NOT NULL
);
CREATE INDEX logged_models_by_experiment ON logged_models (experiment_id, creation_timestamp);
CREATE TABLE logged_model_tags (
  model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
);
CREATE TABLE logged_model_params (
  model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
);
CREATE TABLE logged_model_metrics (
  model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  run_id TEXT NOT NULL,
  dataset_name TEXT NOT NULL,
  dataset_digest TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  is_nan INTEGER NOT NULL,
  timestamp BIGINT NOT NULL,
  step BIGINT NOT NULL,
  PRIMARY KEY (model_id, key, run_id, dataset_name, dataset_digest)
);
`;

export const migration004: Migration = {
  version: 4,
  name: 'registry',
  sql: {
    sqlite: registry('INTEGER PRIMARY KEY AUTOINCREMENT'),
    postgres: registry('BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY'),
  },
};
