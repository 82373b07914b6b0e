import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { killAgent, runAgentToExit, spawnAgent } from '../helpers/agents.js';

const ADMIN = { TRAINYARD_ADMIN_USERNAME: 'root', TRAINYARD_ADMIN_PASSWORD: 'root-password-1' };
const basic = `Basic ${Buffer.from('root:root-password-1').toString('base64')}`;

describe('agents on a server with --auth', () => {
  let t: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    server = await spawnServer(['--home', t.home, '--db', t.url, '--auth'], ADMIN);
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    await t?.drop();
  });

  it('a wrong token: one clear line, non-zero exit', async () => {
    const res = await runAgentToExit(server.url, ['--token', 'ty_not-a-real-token']);
    expect(res.code).not.toBe(0);
    const lines = res.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^trainyard: error: the server at http:\/\/127\.0\.0\.1:\d+ refused the agent's credentials: pass an admin's API token with --token or TRAINYARD_TOKEN/);
  });

  it('no token at all: the same clear line', async () => {
    const res = await runAgentToExit(server.url, [], { TRAINYARD_TOKEN: '', MLFLOW_TRACKING_TOKEN: '', MLFLOW_TRACKING_USERNAME: '', MLFLOW_TRACKING_PASSWORD: '' });
    expect(res.code).not.toBe(0);
    expect(res.output.trim().split('\n')).toHaveLength(1);
    expect(res.output).toMatch(/refused the agent's credentials/);
  });

  it("an admin's API token (from TRAINYARD_TOKEN) connects and the agent is listed", async () => {
    const res = await fetch(`${server.url}/api/v1/auth/tokens`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'agent' }) });
    const { token } = (await res.json()) as { token: string };
    const agent = await spawnAgent(server.url, ['--name', 'authed'], { TRAINYARD_TOKEN: token });
    try {
      const list = await fetch(`${server.url}/api/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await list.json()) as { agents: { name: string; alive: boolean }[] };
      expect(body.agents).toContainEqual(expect.objectContaining({ name: 'authed', alive: true }));
      // Without credentials the agents API is closed.
      expect((await fetch(`${server.url}/api/v1/agents`)).status).toBe(401);
    } finally {
      await killAgent(agent);
    }
  });
});

describe('agent bad input', () => {
  it('a missing --server says what to pass', async () => {
    const res = await runAgentToExit('not-a-url');
    expect(res.code).not.toBe(0);
    expect(res.output.trim()).toBe('trainyard: error: --server must be the http(s):// URL of a Trainyard server (or set TRAINYARD_URI).');
  });

  it('--slots 0 is refused', async () => {
    const res = await runAgentToExit('http://127.0.0.1:9', ['--slots', '0']);
    expect(res.code).not.toBe(0);
    expect(res.output.trim()).toBe("trainyard: error: --slots must be a positive integer (got '0')");
  });

  it('a server nobody listens on: it waits --wait-for-server seconds, then one line naming it', async () => {
    const t0 = Date.now();
    const res = await runAgentToExit('http://127.0.0.1:9', ['--wait-for-server', '1', '--name', 'lonely']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(res.code).not.toBe(0);
    expect(res.output.trim().split('\n')).toEqual(['agent lonely: waiting for the server at http://127.0.0.1:9', expect.stringMatching(/^trainyard: error: /)]);
    expect(res.output).toMatch(/Cannot reach the Trainyard server at http:\/\/127\.0\.0\.1:9/);
  });
});

