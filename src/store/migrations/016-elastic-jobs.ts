import type { Migration } from './migration.js';

// Elastic multi-node jobs (issue 10) become rows of launch_jobs like single-machine ones, so
// `jobs list/show` and the jobs API show them. Their supervisor is the server's rendezvous, not a
// process: `kind` tells the two apart ('single' or 'elastic'); rounds and nodes are read from
// launch_rendezvous, transitions are written to launch_job_events in the rendezvous' transaction.
const sql = `ALTER TABLE launch_jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'single';`;

export const migration016: Migration = { version: 16, name: 'elastic-jobs', sql: { sqlite: sql, postgres: sql } };
