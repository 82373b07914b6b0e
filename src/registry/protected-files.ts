import type { Database } from '../store/index.js';

const PROXY_FORMS = ['mlflow-artifacts:/', 'mlflow-artifacts:///'];

/**
 * The registered version whose files lie at, under or above the proxied path `path`
 * (store-relative, normalized), as `model 'name' version n`, if any. The artifact proxy refuses to
 * overwrite or delete such files while the version exists: serving would break, and the digests
 * recorded at registration would no longer describe what is served.
 */
export async function registeredVersionAt(db: Database, path: string, op: 'put' | 'delete'): Promise<string | undefined> {
  const segments = path.split('/').filter(Boolean);
  if (!segments.length) return undefined;
  // The path itself or one of its folders is a version's root (a file inside a version).
  const roots = segments.slice(0, 32).map((_, i) => segments.slice(0, i + 1).join('/'));
  const exact = PROXY_FORMS.flatMap((p) => roots.map((r) => p + r));
  const params: string[] = [...exact];
  let sql = `SELECT m.name, v.version FROM model_versions v JOIN registered_models m ON m.id = v.model WHERE v.storage_location IN (${exact.map(() => '?').join(', ')})`;
  if (op === 'delete') {
    // Deleting a folder that holds a version's files.
    const like = path.replace(/[\\%_]/g, (c) => `\\${c}`);
    sql += ` OR v.storage_location LIKE ? ESCAPE '\\' OR v.storage_location LIKE ? ESCAPE '\\'`;
    params.push(...PROXY_FORMS.map((p) => `${p}${like}/%`));
  }
  const row = await db.one<{ name: string; version: number }>(`${sql} ORDER BY m.name, v.version LIMIT 1`, params);
  return row ? `model '${row.name}' version ${Number(row.version)}` : undefined;
}
