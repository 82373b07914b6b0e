import type { Migration } from './migration.js';

// Tuning studies and trials (issue 5). Trials are keyed (study_id, number): numbers are dense per
// study and come from `next_number`, bumped in the same transaction that inserts the trial, so two
// servers can never hand out one number twice. Params and intermediate values sit in their own
// rows so a report is one INSERT (no read-modify-write of a JSON blob). Objective values, attrs and
// distributions are JSON text; SQLite turns NaN into NULL, so a NULL intermediate value is a NaN.
const tuning = `
CREATE TABLE tuning_studies (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  directions TEXT NOT NULL,
  user_attrs TEXT NOT NULL,
  system_attrs TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  next_number BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE tuning_trials (
  study_id TEXT NOT NULL REFERENCES tuning_studies(id) ON DELETE CASCADE,
  number BIGINT NOT NULL,
  state TEXT NOT NULL,
  objective_values TEXT,
  user_attrs TEXT NOT NULL,
  system_attrs TEXT NOT NULL,
  datetime_start BIGINT,
  datetime_complete BIGINT,
  heartbeat BIGINT,
  PRIMARY KEY (study_id, number)
);
CREATE INDEX tuning_trials_by_state ON tuning_trials (study_id, state, number);
CREATE TABLE tuning_trial_params (
  study_id TEXT NOT NULL,
  number BIGINT NOT NULL,
  name TEXT NOT NULL,
  internal DOUBLE PRECISION NOT NULL,
  distribution TEXT NOT NULL,
  PRIMARY KEY (study_id, number, name),
  FOREIGN KEY (study_id, number) REFERENCES tuning_trials(study_id, number) ON DELETE CASCADE
);
CREATE TABLE tuning_trial_intermediate (
  study_id TEXT NOT NULL,
  number BIGINT NOT NULL,
  step BIGINT NOT NULL,
  value DOUBLE PRECISION,
  PRIMARY KEY (study_id, number, step),
  FOREIGN KEY (study_id, number) REFERENCES tuning_trials(study_id, number) ON DELETE CASCADE
);
`;

export const migration003: Migration = {
  version: 3,
  name: 'tuning',
  sql: { sqlite: tuning, postgres: tuning },
};
