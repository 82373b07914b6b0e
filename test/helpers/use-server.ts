import { afterAll, beforeAll } from 'vitest';
import type { TestDialect } from './databases.js';
import { startTestServer, type TestServer } from './server.js';

/**
 * One real server per describe block: started before its tests, stopped (and its database
 * dropped) after. Returns a getter because the server exists only once `beforeAll` has run.
 * @example const server = useServer(dialect); it('...', async () => { await server().mlflow(...) });
 */
export function useServer(dialect: TestDialect): () => TestServer {
  let s: TestServer | undefined;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(async () => {
    await s?.stop();
  });
  return () => {
    if (!s) throw new Error('useServer: the server is not started yet (call it inside a test)');
    return s;
  };
}
