import type { Migration } from './migration.js';

// Distributed training jobs (issue 10). One row per job id (a job restarted with the same id
// resumes in place), and an append-only history: every state transition, hang, straggler, cancel
// request and checkpoint, numbered per job. `supervisor` is the nonce of the process that
// supervises it now; `heartbeat_at` tells whether that process is alive (a second launch of the
// same id is refused while it is).
const launch = `
CREATE TABLE launch_jobs (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  spec TEXT NOT NULL,
  run_id TEXT,
  experiment_id TEXT,
  attempts BIGINT NOT NULL DEFAULT 0,
  restarts BIGINT NOT NULL DEFAULT 0,
  failure TEXT,
  checkpoint TEXT,
  supervisor TEXT,
  supervisor_pid BIGINT,
  supervisor_host TEXT,
  heartbeat_at BIGINT,
  cancel_requested BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  ended_at BIGINT,
  next_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX launch_jobs_by_created ON launch_jobs (created_at, id);
CREATE TABLE launch_job_events (
  job_id TEXT NOT NULL REFERENCES launch_jobs(id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  state TEXT,
  attempt BIGINT,
  detail TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
`;

export const migration007: Migration = { version: 7, name: 'launch-jobs', sql: { sqlite: launch, postgres: launch } };
