import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentsService, KEPT_LOG_BYTES, dispatchAgentTask, type ClaimedTask } from '../../src/agents/index.js';
import { HttpTransport } from '../../src/client/transport.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

// The agents HTTP API on a real server, both stores: the rules an agent relies on and the
// answers to bad input (4xx naming the field, never a 500), without an agent process.
for (const dialect of DIALECTS) {
  describe(`agents API (${dialect})`, () => {
    let t: TestDatabase;
    let server: RunningServer;
    let http: HttpTransport;
    let agents: AgentsService;
    beforeAll(async () => {
      t = await createTestDatabase(dialect);
      server = await startServer({ host: '127.0.0.1', port: 0, home: t.home, db: t.url });
      http = new HttpTransport(server.url);
      agents = new AgentsService(server.db, { reapEveryMs: 100 });
    });
    afterAll(async () => {
      agents?.close();
      await http?.close();
      await server?.close();
      await t?.drop();
    });
    const register = async (name: string) => (await http.call<{ agent: { agent_id: string } }>('POST', '/api/v1/agents/register', { name, slots: 2 })).agent.agent_id;
    const claim = (id: string, body: Record<string, unknown> = {}) => http.call<{ tasks: ClaimedTask[] }>('POST', `/api/v1/agents/${id}/claim`, { limit: 1, wait_ms: 2000, lease_ms: 1000, ...body });

    it('a live name is refused; unknown agents and bad fields are 4xx naming what to fix', async () => {
      await register(`dup-${dialect}`);
      await expect(http.call('POST', '/api/v1/agents/register', { name: `dup-${dialect}`, slots: 1 })).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS', message: expect.stringMatching(/another --name/) });
      await expect(http.call('POST', '/api/v1/agents/register', { name: 'x', slots: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/'slots'/) });
      await expect(http.call('POST', '/api/v1/agents/register', { name: 'bad name!', slots: 1 })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(http.call('POST', '/api/v1/agents/register', { name: 'x', slots: 1, labels: ['gpu'] })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/'labels'/) });
      await expect(claim('ag_nope')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringMatching(/register first/) });
      await expect(http.call('POST', '/api/v1/agents/tasks/999999/complete', { token: 'x' })).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      await expect(http.call('POST', '/api/v1/agents/tasks/1/log', { token: 'x', lines: [['nope', 'l']] })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/stdout, stderr or system/) });
      await expect(http.call('POST', '/api/v1/agents/tasks/abc/fail', { token: 'x', error: 'e' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    });

    it('a lost lease: the reaper re-queues, another agent claims, the stale agent is refused (409)', async () => {
      const a = await register(`lease-a-${dialect}`);
      const b = await register(`lease-b-${dialect}`);
      const h = dispatchAgentTask(agents, { kind: 'test-kind', payload: { n: 1 } });
      const [first] = (await claim(a)).tasks;
      expect(first).toMatchObject({ kind: 'test-kind', payload: { kind: 'test-kind', n: 1 }, attempt: 1 });
      // a never heartbeats: after its 1 s lease the reaper gives the task to b.
      const [second] = (await claim(b, { wait_ms: 5000 })).tasks;
      expect(second).toMatchObject({ item_id: first!.item_id, attempt: 2 });
      const beat = await http.call<{ leases: { item_id: number; status: string }[] }>('POST', `/api/v1/agents/${a}/heartbeat`, { leases: [{ item_id: first!.item_id, token: first!.token }] });
      expect(beat.leases).toEqual([{ item_id: first!.item_id, status: 'lost' }]);
      await expect(http.call('POST', `/api/v1/agents/tasks/${first!.item_id}/complete`, { token: first!.token, result: { from: 'a' } })).rejects.toMatchObject({ code: 'RESOURCE_CONFLICT' });
      await expect(http.call('POST', `/api/v1/agents/tasks/${first!.item_id}/log`, { token: first!.token, lines: [['stdout', 'late']] })).rejects.toMatchObject({ code: 'RESOURCE_CONFLICT' });
      await http.call('POST', `/api/v1/agents/tasks/${second!.item_id}/complete`, { token: second!.token, result: { from: 'b' } });
      const item = await h.done;
      expect(item).toMatchObject({ state: 'done', result: { from: 'b' } });
    });

    it('cancel shows in the heartbeat; fail without retry ends it cancelled', async () => {
      const a = await register(`cancel-${dialect}`);
      const h = dispatchAgentTask(agents, { kind: 'test-kind', payload: {} });
      const [task] = (await claim(a, { lease_ms: 10_000 })).tasks;
      await h.cancel();
      const beat = await http.call<{ leases: { status: string }[] }>('POST', `/api/v1/agents/${a}/heartbeat`, { leases: [{ item_id: task!.item_id, token: task!.token }], lease_ms: 10_000 });
      expect(beat.leases[0]!.status).toBe('cancel');
      await http.call('POST', `/api/v1/agents/tasks/${task!.item_id}/fail`, { token: task!.token, error: 'cancelled on request', retry: false });
      expect((await h.done).state).toBe('cancelled');
    });

    it('logs: the follower gets every line in order; the store keeps the newest 1 MiB while it runs and none after', async () => {
      const a = await register(`logs-${dialect}`);
      const seen: string[] = [];
      const h = dispatchAgentTask(agents, { kind: 'test-kind', payload: {}, onLog: (_s, l) => seen.push(l) });
      const [task] = (await claim(a, { lease_ms: 30_000 })).tasks;
      const big = 'y'.repeat(60_000);
      for (let i = 0; i < 30; i++) await http.call('POST', `/api/v1/agents/tasks/${task!.item_id}/log`, { token: task!.token, lines: [['stdout', `line ${i}`], ['stderr', big]] });
      const kept = await server.db.one<{ kept_bytes: number }>('SELECT kept_bytes FROM agent_task_log_state WHERE item_id = ?', [task!.item_id]);
      expect(Number(kept!.kept_bytes)).toBeLessThanOrEqual(KEPT_LOG_BYTES);
      const chunks = await agents.readLog(task!.item_id);
      expect(chunks.at(-1)!.lines[0]).toEqual(['stdout', 'line 29']);
      await http.call('POST', `/api/v1/agents/tasks/${task!.item_id}/complete`, { token: task!.token, result: 1 });
      await h.done;
      expect(seen.filter((l) => l.startsWith('line ')).at(-1)).toBe('line 29');
      const left = await server.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM agent_task_logs WHERE item_id = ?', [task!.item_id]);
      expect(Number(left!.n)).toBe(0);
    });
  });
}
