import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendArtifact, streamBodies, type ArtifactLocations } from '../artifacts/index.js';
import { AppError, InvalidParameter } from '../core/errors.js';
import type { Tracking } from './index.js';

/** With `--auth`: the run's experiment permission (src/auth maps a run to it). */
const onRun = (level: 'READ' | 'EDIT') => ({ config: { auth: { resource: 'run', level } as const } });

const UPLOAD_LIMIT = 10 * 1024 * 1024;

function q(req: FastifyRequest): Record<string, string | undefined> {
  return req.query as Record<string, string | undefined>;
}

/**
 * Run-aware artifact endpoints: `artifacts/list` (MLflow API), the UI's `get-artifact` and
 * `upload-artifact`. Each resolves the run's artifact URI, then works on the artifact store.
 */
export function runArtifactRoutes(t: Tracking, locations: ArtifactLocations, opts: { registeredVersionAt?: (path: string, op: 'put') => Promise<string | undefined> } = {}) {
  const runArtifactUri = async (runId: string | undefined) => {
    if (!runId) throw new InvalidParameter(`Missing value for required parameter 'run_id'.`);
    return (await t.runs.row(t.db, runId)).artifact_uri;
  };
  return async (scope: FastifyInstance) => {
    streamBodies(scope);
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      scope.get(`${prefix}/artifacts/list`, onRun('READ'), async (req, reply) => {
        const query = q(req);
        const uri = await runArtifactUri(query.run_id ?? query.run_uuid);
        const rel = query.path ?? '';
        const { store, path } = locations.resolve(uri, rel);
        const entries = await store.list(path);
        const base = rel.replace(/^\/+|\/+$/g, '');
        return reply.send({
          root_uri: uri,
          files: entries.map((e) => ({ path: base ? `${base}/${e.path}` : e.path, is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) })),
        });
      });
    }
    scope.get('/get-artifact', onRun('READ'), async (req, reply) => {
      const query = q(req);
      if (!query.path) throw new InvalidParameter(`Missing value for required parameter 'path'.`);
      const { store, path } = locations.resolve(await runArtifactUri(query.run_id ?? query.run_uuid), query.path);
      return sendArtifact(store, path, req, reply);
    });
    scope.post('/ajax-api/2.0/mlflow/upload-artifact', onRun('EDIT'), async (req, reply) => {
      const query = q(req);
      if (!query.path) throw new InvalidParameter(`Missing value for required parameter 'path'.`);
      const len = Number(req.headers['content-length'] ?? 0);
      if (len > UPLOAD_LIMIT) throw new InvalidParameter(`Artifact uploads through the UI are limited to 10 MB (got ${len} bytes).`);
      const runId = query.run_uuid ?? query.run_id;
      const row = await t.runs.activeRow(t.db, runId ?? '');
      const { store, path } = locations.resolve(row.artifact_uri, query.path);
      // Files a registered version was made from stay as registered (the proxy applies the same rule).
      const holder = store === locations.defaultStore ? await opts.registeredVersionAt?.(path, 'put') : undefined;
      if (holder !== undefined) throw new AppError('PERMISSION_DENIED', `Refusing to overwrite '${query.path.slice(0, 200)}': ${holder} is registered from these files.`);
      await store.put(path, req.raw);
      return reply.send({});
    });
  };
}
