/**
 * `trainyard launch --executor agents`: the nodes of an elastic job are `trainyard agent`
 * processes (real ones, on this machine), each running real torch gloo workers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from './helpers/agents.js';
import { rendezvous, rounds, waitUntil } from './helpers/elastic.js';
import { checkpointStep, EXAMPLE, startCli, TORCH_PYTHON, useLaunchHome, waitFor } from './helpers/launch.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';

const { home } = useLaunchHome('ty-elastic-agents-');
let server: ServerProcess;
const agents: AgentProcess[] = [];
beforeAll(async () => {
  server = await spawnServer([], { TRAINYARD_HOME: home });
  // Two machines, one node slot each; they share the home (the checkpoint storage every node sees).
  for (const name of ['m1', 'm2']) agents.push(await spawnAgent(server.url, ['--slots', '1', '--name', name], { TRAINYARD_HOME: home }));
}, 90_000);
afterAll(() => {
  for (const a of agents) a.child.kill('SIGKILL');
  server?.child.kill('SIGKILL');
});

describe('launch --executor agents', () => {
  it('places the nodes on agents; an agent killed with -9 is a lost node and the job finishes on the other', async () => {
    const job = 'on-agents';
    const cli = startCli(['launch', '--executor', 'agents', '--server', server.url, '--job-id', job, '--nnodes', '1:2', '--last-call', '20', '--node-timeout', '5', '--python', TORCH_PYTHON, EXAMPLE, '--epochs', '6', '--step-sleep-ms', '60'], home);
    await waitUntil('round 1 on both agents', async () => (await rounds(server.url, job)).length >= 1, 120_000);
    const [r1] = await rounds(server.url, job);
    expect(r1!.world_size).toBe(2);
    expect(r1!.nodes.map((n) => n.split('-t')[0]).sort()).toEqual(['m1', 'm2']);
    await waitFor('a checkpoint at step >= 20', () => checkpointStep(home, job) >= 20, 120_000);
    // The agent that runs node rank 1 (node ids are AGENT-tITEM.ATTEMPT).
    const victim = agents[['m1', 'm2'].indexOf(r1!.nodes[1]!.split('-t')[0]!)]!;
    victim.child.kill('SIGKILL');
    expect(await cli.exited, cli.output()).toBe(0);
    expect(cli.output()).toContain(`job ${job} succeeded on agents`);
    const all = await rounds(server.url, job);
    expect(all.at(-1)).toMatchObject({ world_size: 1, restart_count: 1 });
    const s = await rendezvous(server.url, job);
    expect(s.phase).toBe('succeeded');
    expect(s.history.some((h: any) => h.kind === 'end' && (h.detail.reason === 'worker-failure' || h.detail.reason === 'node-lost'))).toBe(true);
  }, 300_000);
});
