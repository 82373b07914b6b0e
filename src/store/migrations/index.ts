import type { Migration } from './migration.js';
import { migration001 } from './001-tracking.js';
import { migration002 } from './002-search-indexes.js';
import { migration003 } from './003-tuning.js';
import { migration004 } from './004-registry.js';
import { migration005 } from './005-work-queue.js';
import { migration006 } from './006-pipelines.js';
import { migration007 } from './007-launch.js';
import { migration008 } from './008-auth.js';
import { migration009 } from './009-collab.js';
import { migration010 } from './010-store-speed.js';
import { migration012 } from './012-launch-rendezvous.js';
import { migration013 } from './013-audit.js';
import { migration014 } from './014-auth-sessions.js';
import { migration015 } from './015-schedule-cache.js';
import { migration016 } from './016-elastic-jobs.js';
import { migration017 } from './017-sign-in-failures.js';
import { migration018 } from './018-metric-chunks.js';
import { migration019 } from './019-small-write.js';
import { migration021 } from './021-compute-grants.js';

/** Every migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007, migration008, migration009, migration010, migration012, migration013, migration014, migration015, migration016, migration017, migration018, migration019, migration021];
export type { Migration };
