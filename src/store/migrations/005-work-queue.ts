import type { Migration } from './migration.js';

// The one work queue (issue 9) and the agents that drain it. An item is queued until a worker
// claims it (a lease: worker, token, expiry), and ends done, failed or cancelled. The claim index
// is partial (only queued rows), so a queue with a long history claims as fast as an empty one;
// the expiry index serves the reaper the same way. Dedupe keys are unique among live items
// (queued or leased) only: once an item ends, the same key can be enqueued again (a retried
// pipeline run, a resumed step).
const items = (id: string) => `
CREATE TABLE work_items (
  id ${id},
  queue TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  ready_at BIGINT NOT NULL,
  dedupe_key TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff_ms BIGINT NOT NULL,
  backoff_max_ms BIGINT NOT NULL,
  worker TEXT,
  lease_token TEXT,
  lease_expires_at BIGINT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  result TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX work_items_ready ON work_items (queue, priority DESC, ready_at, id) WHERE state = 'queued';
CREATE INDEX work_items_leases ON work_items (lease_expires_at) WHERE state = 'leased';
CREATE UNIQUE INDEX work_items_dedupe ON work_items (queue, dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'leased');
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  slots INTEGER NOT NULL,
  queue TEXT NOT NULL,
  hostname TEXT NOT NULL,
  labels TEXT NOT NULL,
  registered_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE TABLE agent_task_logs (
  item_id BIGINT NOT NULL,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  byte_offset BIGINT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (item_id, attempt, seq)
);
CREATE TABLE agent_task_log_state (
  item_id BIGINT NOT NULL,
  attempt INTEGER NOT NULL,
  total_bytes BIGINT NOT NULL,
  kept_bytes BIGINT NOT NULL,
  next_seq INTEGER NOT NULL,
  PRIMARY KEY (item_id, attempt)
);
`;

export const migration005: Migration = {
  version: 5,
  name: 'work-queue',
  sql: {
    sqlite: items('INTEGER PRIMARY KEY AUTOINCREMENT'),
    postgres: items('BIGSERIAL PRIMARY KEY'),
  },
};
