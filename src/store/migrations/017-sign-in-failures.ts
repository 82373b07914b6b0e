import type { Migration } from './migration.js';

// Failed sign-ins per username (issue 12), in the store so every server process on it counts the
// same failures: a guesser cannot spread attempts over replicas. Keyed by the SHA-256 of the
// username (any length fits an index row); `since` opens the window, indexed for pruning.
const failures = `
CREATE TABLE auth_sign_in_failures (
  user_key TEXT PRIMARY KEY,
  failures BIGINT NOT NULL,
  since BIGINT NOT NULL
);
CREATE INDEX auth_sign_in_failures_since ON auth_sign_in_failures (since);
`;

export const migration017: Migration = { version: 17, name: 'sign-in-failures', sql: { sqlite: failures, postgres: failures } };
