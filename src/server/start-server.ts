import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../core/config.js';
import { AuthStore, authRoutes, bootstrapAdmin } from '../auth/index.js';
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

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Opens the store (migrating it) and the artifact store, assembles every domain's routes and listens. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const auth = config.auth ?? false;
  if (!auth && !config.insecureNoAuth && !LOOPBACK.has(config.host) && !config.host.startsWith('127.')) {
    throw new Error(
      `Refusing to listen on ${config.host} without --auth: anyone who reaches the port could read, change and delete everything as anyone. ` +
        'Start with --auth (and TRAINYARD_ADMIN_USERNAME/TRAINYARD_ADMIN_PASSWORD for the first admin), or pass --insecure-no-auth on a network you trust.',
    );
  }
  const db = await openDatabase(config.db, config.home);
  // Known once listening; pipeline executors whose steps run elsewhere (pods) get it as TRAINYARD_URI.
  let url: string | undefined;
  const domains = createDomains(db, { home: config.home, artifacts: config.artifacts, serverUrl: () => url });
  let authStore: AuthStore | undefined;
  if (auth) {
    authStore = new AuthStore(db);
    await bootstrapAdmin(authStore);
    if ((await authStore.countUsers()) === 0) {
      await domains.close();
      await db.close();
      throw new Error('--auth needs a first admin: set TRAINYARD_ADMIN_USERNAME and TRAINYARD_ADMIN_PASSWORD (at least 8 characters).');
    }
  }
  const app = await buildApp({
    routes: authStore ? [...domains.routes, ...authRoutes(authStore)] : domains.routes,
    plugins: [...domains.plugins, uiHosting()],
    ...(authStore ? { auth: { store: authStore, defaultPermission: config.defaultPermission ?? 'READ' } } : {}),
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await domains.close();
    await db.close();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  url = `http://${host}:${port}`;
  // Runs a previous server left in flight (kill -9, a crash) continue here.
  await domains.pipelines.scheduler.recover().catch((e) => console.error('[trainyard] pipeline recovery failed:', e));
  domains.pipelines.schedules.start();
  return {
    app,
    db,
    url,
    async close() {
      await app.close();
      await domains.close();
      await db.close();
    },
  };
}
