import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentsService, PIPELINE_STEP_KIND, dispatchAgentTask } from '../../src/agents/index.js';
import type { StepTask } from '../../src/pipelines/index.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { killAgent, spawnAgent, type AgentProcess } from '../helpers/agents.js';

// An idle agent waits in a long poll that an enqueue wakes: a task starts in milliseconds, not
// at the next poll (the work queue re-checks once a second without a wake-up). Figures for
// the record are in bench/agents; this checks the mechanism with a bound loose enough for CI.
describe('long-poll claim', () => {
  let t: TestDatabase;
  let server: RunningServer;
  let agent: AgentProcess;
  let agents: AgentsService;
  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    server = await startServer({ host: '127.0.0.1', port: 0, home: t.home, db: t.url });
    agent = await spawnAgent(server.url, ['--name', 'latency']);
    agents = new AgentsService(server.db);
  });
  afterAll(async () => {
    await killAgent(agent);
    agents?.close();
    await server?.close();
    await t?.drop();
  });

  it('an idle agent starts a queued task well before the next poll would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-latency-'));
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      // Let the agent settle back into its long poll.
      await new Promise((r) => setTimeout(r, 150));
      const task: StepTask = { id: `pr_lat/s${i}#1`, pipelineRunId: 'pr_lat', pipeline: 'lat', step: `s${i}`, attempt: 1, kind: 'command', command: { shell: 'true' }, inputs: {}, params: {}, outputs: {}, env: {}, workdir: join(dir, String(i)), cwd: dir };
      const t0 = performance.now();
      let started = 0;
      const h = dispatchAgentTask(agents, { kind: PIPELINE_STEP_KIND, payload: { task }, onStarted: () => (started = performance.now()) });
      const item = await h.done;
      expect(item.state).toBe('done');
      waits.push(started - t0);
    }
    waits.sort((a, b) => a - b);
    const median = waits[Math.floor(waits.length / 2)]!;
    expect(median).toBeLessThan(300);
  });
});
