import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../core/config.js';
import { AuthStore, authRoutes, bootstrapAdmin, nativePermissionRoutes, SessionStore, sessionRoutes, TeamStore, teamRoutes } from '../auth/index.js';
import { openDatabase, type Database } from '../store/index.js';
import { withAudit } from '../audit/index.js';
import { buildApp } from './app.js';
import { createDomains } from './domains.js';
import { uiHosting } from './ui-hosting.js';
import { allowedHostsFor } from './request-guards.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  url: string;
  /** The data folder (the default artifact store is `<home>/artifacts`). */
  home: string;
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
  // Every state-changing request's audit record joins its first write transaction (src/audit).
  const db = withAudit(await openDatabase(config.db, config.home));
  // A server keeps experiments' local artifacts inside its roots (the store and --allowed-artifact-roots).
  // Known once listening; pipeline executors whose steps run elsewhere (pods) get it as TRAINYARD_URI.
  let url: string | undefined;
  const domains = createDomains(db, {
    serverUrl: () => url,
    home: config.home, artifacts: config.artifacts, allowedArtifactRoots: config.allowedArtifactRoots ?? [],
    ...(config.allowPrivateWebhooks ? { allowPrivateWebhooks: true } : {}),
  });
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
  const secureCookies = Boolean(config.publicUrl?.startsWith('https://'));
  const sessions = authStore ? new SessionStore(db) : undefined;
  const teams = authStore ? new TeamStore(db, authStore) : undefined;
  const app = await buildApp({
    routes: authStore && teams ? [...domains.routes, ...authRoutes(authStore), ...teamRoutes(teams), ...nativePermissionRoutes(authStore, teams)] : domains.routes,
    plugins: [...domains.plugins, ...(authStore && sessions ? [sessionRoutes(authStore, sessions, { secureCookies })] : []), uiHosting()],
    ...(authStore ? { auth: { store: authStore, defaultPermission: config.defaultPermission ?? 'READ', sessions, secureCookies } } : {}),
    audit: { db },
    guards: {
      allowedHosts: config.allowedHosts?.includes('*') ? undefined : allowedHostsFor(config.host, { publicUrl: config.publicUrl, allowedHosts: config.allowedHosts }),
      corsOrigins: config.corsOrigins,
    },
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
    home: config.home,
    url,
    async close() {
      await app.close();
      await domains.close();
      await db.close();
    },
  };
}
