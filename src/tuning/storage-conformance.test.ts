/**
 * The in-memory storage against the StudyStorage conformance suite (storage.contract.ts); the SQL
 * storage runs the same suite on SQLite and PostgreSQL in test/tuning-sql-storage.int.test.ts.
 */
import { InMemoryStudyStorage } from './in-memory-storage.js';
import { runStudyStorageConformance } from './storage.contract.js';

runStudyStorageConformance('InMemoryStudyStorage', () => new InMemoryStudyStorage());
