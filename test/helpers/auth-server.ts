import { AuthStore, type StoredPermission } from '../../src/auth/index.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { createTestDatabase, type TestDatabase, type TestDialect } from './databases.js';
import { jsonRequest } from './json-request.js';

export const ADMIN = { username: 'root', password: 'root-password-1' };

export const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

export interface AuthServer {
  db: TestDatabase;
  server: RunningServer;
  url: string;
  store: AuthStore;
  /** Authorization header of the first admin (Basic). */
  admin: string;
  /** Creates a user (password `<name>-password-1`) and answers a `Bearer` header with a fresh token of theirs. */
  user(name: string): Promise<string>;
  /** A JSON request as `auth` (an Authorization header, or none): status and parsed body. */
  call(auth: string | undefined, method: string, path: string, body?: Record<string, unknown>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * A real `trainyard server --auth` on a loopback port over a fresh database: first admin `root`
 * from the environment (as an operator sets it), the given default permission.
 */
export async function startAuthServer(dialect: TestDialect, opts: { defaultPermission?: StoredPermission } = {}): Promise<AuthServer> {
  const db = await createTestDatabase(dialect);
  process.env.TRAINYARD_ADMIN_USERNAME = ADMIN.username;
  process.env.TRAINYARD_ADMIN_PASSWORD = ADMIN.password;
  let server: RunningServer;
  try {
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url, auth: true, defaultPermission: opts.defaultPermission ?? 'NO_PERMISSIONS' });
  } catch (e) {
    await db.drop();
    throw e;
  } finally {
    delete process.env.TRAINYARD_ADMIN_USERNAME;
    delete process.env.TRAINYARD_ADMIN_PASSWORD;
  }
  const store = new AuthStore(server.db);
  // A body on DELETE goes in the query too: the native routes read their DELETE arguments there.
  const call: AuthServer['call'] = (auth, method, path, body) =>
    jsonRequest(server.url, method, path, body, { headers: auth ? { authorization: auth } : {}, queryMethods: ['GET', 'DELETE'] });
  return {
    db,
    server,
    url: server.url,
    store,
    admin: basic(ADMIN.username, ADMIN.password),
    async user(name) {
      const u = (await store.user(name)) ?? (await store.createUser(name, `${name}-password-1`));
      return `Bearer ${(await store.createToken(u.id, 'test')).token}`;
    },
    call,
    async close() {
      await server.close();
      await db.drop();
    },
  };
}
