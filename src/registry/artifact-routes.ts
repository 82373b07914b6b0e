import type { FastifyInstance } from 'fastify';
import { sendArtifact, streamBodies, type ArtifactLocations } from '../artifacts/index.js';
import { InvalidParameter } from '../core/errors.js';
import type { VersionsService } from './versions-service.js';

/**
 * The UI's file preview/download of a model version (reference §3.6):
 * `GET /model-versions/get-artifact?name&version&path`, streamed from the version's source with
 * the file's recorded sha256; a path escaping the source is a 400, a missing file a 404.
 */
export function modelVersionArtifactRoutes(versions: VersionsService, locations: ArtifactLocations) {
  return async (scope: FastifyInstance) => {
    streamBodies(scope);
    scope.get('/model-versions/get-artifact', { config: { auth: { resource: 'model', level: 'READ' } as const } }, async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      for (const field of ['name', 'version', 'path'] as const) {
        if (!q[field]) throw new InvalidParameter(`Missing value for required parameter '${field}'.`);
      }
      const uri = await versions.downloadUri(q.name!, q.version!);
      const { store, path } = locations.resolve(uri, q.path!);
      return sendArtifact(store, path, req, reply);
    });
  };
}
