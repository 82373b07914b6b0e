import type { FastifyInstance } from 'fastify';
import { ArtifactLocations, artifactProxyRoutes, openArtifactStore } from '../artifacts/index.js';
import type { ServerConfig } from '../core/config.js';
import { openDatabase, type Database } from '../store/index.js';
import { createTracking, runArtifactRoutes, trackingRoutes } from '../tracking/index.js';
import { buildApp } from './app.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  url: string;
  close(): Promise<void>;
}

/** Opens the store (migrating it) and the artifact store, assembles every domain's routes and listens. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const db = await openDatabase(config.db, config.home);
  const locations = new ArtifactLocations(openArtifactStore(config.artifacts, { home: config.home }));
  const tracking = createTracking(db);
  const app = await buildApp({
    routes: [...trackingRoutes(tracking)],
    plugins: [artifactProxyRoutes(locations.defaultStore), runArtifactRoutes(tracking, locations)],
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await locations.close();
    await db.close();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app,
    db,
    url: `http://${host}:${port}`,
    async close() {
      await app.close();
      await locations.close();
      await db.close();
    },
  };
}
