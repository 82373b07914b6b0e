import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { createTestDatabase, type TestDialect } from './databases.js';
import { jsonRequest } from './json-request.js';

export interface TestServer {
  url: string;
  server: RunningServer;
  /** POST/GET JSON helper returning status and parsed body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** MLflow API shortcut: path relative to /api/2.0/mlflow. */
  mlflow(method: string, path: string, body?: Record<string, unknown>): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** A real server on a loopback port over a fresh SQLite or PostgreSQL database. */
export async function startTestServer(dialect: TestDialect): Promise<TestServer> {
  const db = await createTestDatabase(dialect);
  const server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url });
  const call = (method: string, path: string, body?: unknown) => jsonRequest(server.url, method, path, body);
  return {
    url: server.url,
    server,
    call,
    mlflow: (method, path, body) => call(method, `/api/2.0/mlflow${path}`, body),
    stop: async () => {
      await server.close();
      await db.drop();
    },
  };
}
