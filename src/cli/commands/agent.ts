/**
 * @module `trainyard agent`: run tasks (pipeline steps, ...) from a server's work queue on this
 * machine. First Ctrl-C / SIGTERM: stop claiming and let running tasks finish. Second: hand
 * running tasks back to the queue (another agent starts them at once) and exit.
 *
 * @example
 * trainyard agent --server http://10.0.0.5:5000 --slots 4 --labels gpu=a100,zone=eu
 */
import type { Command } from 'commander';
import { AppError } from '../../core/errors.js';
import { Agent } from '../../agents/worker/agent.js';
import { connect } from '../../client/index.js';
import type { AgentJson } from '../../agents/index.js';
import { fail, formatTime, printJson, printTable } from '../output.js';

export function parseLabels(flags: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags.flatMap((x) => x.split(','))) {
    if (!f.trim()) continue;
    const at = f.indexOf('=');
    if (at <= 0) throw new Error(`--labels must be KEY=VALUE[,KEY=VALUE...] (got '${f}')`);
    out[f.slice(0, at).trim()] = f.slice(at + 1).trim();
  }
  return out;
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer (got '${v}')`);
  return n;
}

/** The server's refusal as one line that says what to fix. */
function explain(e: unknown, server: string): string {
  if (e instanceof AppError && e.code === 'UNAUTHENTICATED') return `the server at ${server} refused the agent's credentials: pass an admin's API token with --token or TRAINYARD_TOKEN (create one with POST /api/v1/auth/tokens).`;
  if (e instanceof AppError && e.code === 'PERMISSION_DENIED') return `the server at ${server} refused the agent: its token must belong to an admin (agents run anyone's steps).`;
  return (e as Error).message;
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('Run pipeline steps (and other tasks) from a server\'s work queue on this machine')
    .option('--server <url>', 'the Trainyard server (default $TRAINYARD_URI)')
    .option('--slots <n>', 'tasks run at once', '1')
    .option('--labels <k=v>', 'labels of this agent, KEY=VALUE[,KEY=VALUE] (repeatable): a step with agent.labels runs only on an agent that has them all', (v: string, prev: string[] = []) => [...prev, v])
    .option('--name <name>', 'agent name (default HOSTNAME-PID)')
    .option('--token <token>', 'API token when the server runs with --auth (default $TRAINYARD_TOKEN)')
    .option('--lease-ms <ms>', 'lease per task; a silent agent loses its tasks after this long', '10000')
    .option('--wait-for-server <s>', 'at start, wait this long for a server that does not answer yet', '30')
    .action(async (opts: { server?: string; slots: string; labels?: string[]; name?: string; token?: string; leaseMs: string; waitForServer: string }) => {
      const server = opts.server ?? program.opts().uri ?? process.env.TRAINYARD_URI;
      if (!server || !/^https?:\/\//.test(server)) throw new Error('--server must be the http(s):// URL of a Trainyard server (or set TRAINYARD_URI).');
      if (opts.token) process.env.TRAINYARD_TOKEN = opts.token;
      const agent = new Agent({ server, slots: positiveInt(opts.slots, '--slots'), labels: parseLabels(opts.labels), ...(opts.name ? { name: opts.name } : {}), leaseMs: positiveInt(opts.leaseMs, '--lease-ms'), waitForServerMs: positiveInt(opts.waitForServer, '--wait-for-server') * 1000 });
      try {
        await agent.start();
      } catch (e) {
        fail(explain(e, server));
      }
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        signals++;
        const code = sig === 'SIGINT' ? 130 : 143;
        if (signals === 1) {
          process.stderr.write(`agent: ${sig}: no new tasks; waiting for running ones to finish (${sig} again hands them back)\n`);
          void agent.drain().then(() => process.exit(0));
        } else {
          process.stderr.write(`agent: ${sig}: handing running tasks back to the queue\n`);
          void agent.handBack().then(() => process.exit(code));
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      await agent.stopped.catch((e) => fail(explain(e, server)));
    });
}

export function registerAgentsListCommand(program: Command): void {
  program
    .command('agents')
    .description('List the agents a server knows: name, slots, labels, host, last seen')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const c = await connect({ uri: program.opts().uri });
      try {
        const res = await c.call<{ agents: AgentJson[] }>('GET', '/api/v1/agents');
        if (opts.json) return printJson(res);
        printTable(
          ['NAME', 'ALIVE', 'SLOTS', 'LABELS', 'HOST', 'LAST SEEN'],
          res.agents.map((a) => [a.name, a.alive ? 'yes' : 'no', a.slots, Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(','), a.hostname, formatTime(a.last_seen_at)]),
        );
      } finally {
        await c.close();
      }
    });
}
