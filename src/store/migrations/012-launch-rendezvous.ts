import type { Migration } from './migration.js';

// Elastic multi-node rendezvous (issue 10). One row per job: the whole membership state (nodes,
// round, ranks, master, restart budget, history) as one JSON document, read and rewritten in one
// transaction per transition, like torch's c10d rendezvous keeps one CAS-updated blob, but in the
// server's store, so losing any node (the first one included) never loses the rendezvous.
const rendezvous = `
CREATE TABLE launch_rendezvous (
  job_id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  phase TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
`;

export const migration012: Migration = { version: 12, name: 'launch-rendezvous', sql: { sqlite: rendezvous, postgres: rendezvous } };
