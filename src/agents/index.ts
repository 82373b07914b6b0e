/**
 * @module Agents: `trainyard agent` processes on any machine run tasks from the store's work
 * queue over HTTP. Server side: the service, its routes, `dispatchAgentTask` for any domain that
 * sends work to agents, and the `agents` pipeline executor (registered here). Agent side:
 * src/agents/worker (imported by the CLI only). See /work/coord/agents-api.md.
 */
import { registerExecutor } from '../pipelines/index.js';
import type { Database } from '../store/index.js';
import { AgentsExecutor } from './agents-executor.js';
import { AgentsService } from './agents-service.js';
import { agentRoutes } from './routes.js';
import type { JsonRoute } from '../core/route.js';

export { AgentsService } from './agents-service.js';
export { AgentsExecutor, PIPELINE_STEP_KIND, stepDedupeKey } from './agents-executor.js';
export { dispatchAgentTask, type AgentTaskHandle, type DispatchOptions } from './dispatch.js';
export { agentRoutes } from './routes.js';
export * from './protocol.js';

export interface Agents {
  service: AgentsService;
  routes: JsonRoute[];
  close(): void;
}

export function createAgents(db: Database): Agents {
  const service = new AgentsService(db);
  return { service, routes: agentRoutes(service), close: () => service.close() };
}

// `--executor agents`: the scheduler hands its services; the agents domain put itself there.
registerExecutor('agents', (ctx) => {
  const service = ctx.services.agents;
  if (!(service instanceof AgentsService)) throw new Error('The agents executor needs the agents domain (createDomains wires it in).');
  return new AgentsExecutor(service);
});
