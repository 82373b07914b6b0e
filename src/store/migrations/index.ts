import type { Migration } from './migration.js';
import { migration001 } from './001-tracking.js';
import { migration002 } from './002-search-indexes.js';
import { migration003 } from './003-tuning.js';
import { migration004 } from './004-registry.js';
import { migration008 } from './008-auth.js';

/** Every migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration008];
export type { Migration };
