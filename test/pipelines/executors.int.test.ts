import { runFunctionStep, LocalExecutor } from '../../src/pipelines/index.js';
import { AgentsExecutor, AgentsService } from '../../src/agents/index.js';
import { startServer } from '../../src/server/start-server.js';
import { createTestDatabase } from '../helpers/databases.js';
import { killAgent, spawnAgent } from '../helpers/agents.js';
import { describeExecutorContract } from '../helpers/executor-contract.js';

// One contract, every executor: the local one in this process, and agents (a real server on
// loopback and a real `trainyard agent` process from the built CLI).
describeExecutorContract('local', async () => ({
  executor: new LocalExecutor({ runFunctionTask: (t, e, s) => runFunctionStep(t, e, s) }, { concurrency: 4 }),
  close: async () => {},
}));

describeExecutorContract('agents', async () => {
  const t = await createTestDatabase('sqlite');
  const server = await startServer({ host: '127.0.0.1', port: 0, home: t.home, db: t.url });
  const agent = await spawnAgent(server.url, ['--slots', '4', '--name', 'contract-agent']);
  const agents = new AgentsService(server.db);
  const executor = new AgentsExecutor(agents);
  return {
    executor,
    close: async () => {
      await executor.close();
      await killAgent(agent);
      agents.close();
      await server.close();
      await t.drop();
    },
  };
});
