import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { createTestDatabase, type TestDialect } from './databases.js';

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
  const call = async (method: string, path: string, body?: unknown) => {
    let url = server.url + path;
    const init: RequestInit = { method };
    if (method === 'GET' && body && typeof body === 'object') {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
        for (const item of Array.isArray(v) ? v : [v]) if (item !== undefined) qs.append(k, String(item));
      }
      url += `?${qs}`;
    } else if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const res = await fetch(url, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, body: parsed as any };
  };
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
