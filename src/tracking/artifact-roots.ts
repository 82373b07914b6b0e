import type { Database } from '../store/index.js';

const PROXY = 'mlflow-artifacts:/';

/**
 * The id of an experiment whose proxied artifact root is `path` (store-relative, normalized) or
 * lies under it, if any. The artifact proxy refuses to delete such a path: it would remove an
 * experiment's files, and the versions registered from them, in one call.
 */
export async function experimentRootUnder(db: Database, path: string): Promise<string | undefined> {
  const like = path.replace(/[\\%_]/g, (c) => `\\${c}`);
  const row = await db.one<{ experiment_id: number }>(
    "SELECT experiment_id FROM experiments WHERE artifact_location IN (?, ?) OR artifact_location LIKE ? ESCAPE '\\' OR artifact_location LIKE ? ESCAPE '\\' ORDER BY experiment_id LIMIT 1",
    [PROXY + path, `mlflow-artifacts:///${path}`, `${PROXY}${like}/%`, `mlflow-artifacts:///${like}/%`],
  );
  return row ? String(row.experiment_id) : undefined;
}
