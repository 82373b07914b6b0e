import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../core/config.js';
import { openDatabase, type Database } from '../store/index.js';
import { buildApp } from './app.js';
import { createDomains } from './domains.js';
import { uiHosting } from './ui-hosting.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  url: string;
  close(): Promise<void>;
}

/** Opens the store (migrating it) and the artifact store, assembles every domain's routes and listens. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const db = await openDatabase(config.db, config.home);
  const domains = createDomains(db, { home: config.home, artifacts: config.artifacts });
  const app = await buildApp({ routes: domains.routes, plugins: [...domains.plugins, uiHosting()] });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await domains.close();
    await db.close();
    throw e;
  }
  // Runs a previous server left in flight (kill -9, a crash) continue here.
  await domains.pipelines.scheduler.recover().catch((e) => console.error('[trainyard] pipeline recovery failed:', e));
  domains.pipelines.schedules.start();
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app,
    db,
    url: `http://${host}:${port}`,
    async close() {
      await app.close();
      await domains.close();
      await db.close();
    },
  };
}
