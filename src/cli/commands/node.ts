/**
 * @module `trainyard node join --server URL --job-id ID [options] SCRIPT [ARGS...]` (also reached
 * as `trainyard launch --server URL ...`): run one node of an elastic multi-node job. Start it on
 * every machine with the same job id and --nnodes MIN:MAX; the server's rendezvous forms rounds.
 */
import type { Command } from 'commander';
import { connect } from '../../client/index.js';
import { defaultHome } from '../../core/config.js';
import { preflight, runNode, validateSpec } from '../../launch/index.js';
import { fail, printJson } from '../output.js';

export interface NodeFlags {
  server?: string;
  jobId?: string;
  nprocPerNode: string;
  nnodes: string;
  maxRestarts: string;
  python: string | boolean;
  grace: string;
  joinTimeout: string;
  lastCall: string;
  nodeTimeout: string;
  addr?: string;
  nodeName?: string;
  checkpointDir?: string;
  experiment?: string;
  env: string[];
  json?: boolean;
  /** Hang detection on this node's ranks (`launch` has the same flags). */
  stallTimeout?: string;
  startupTimeout?: string;
}

function secondsFlag(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`${name} must be a number of seconds >= 0 (got '${v}')`, 2);
  return n;
}

/** `--env NAME=VALUE` flags (repeatable) as the workers' extra environment. */
export function parseEnvFlags(list: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) fail(`--env takes NAME=VALUE (got '${kv}')`, 2);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

/** The job spec of an elastic node (joined or placed on agents), validated and preflighted here. */
async function elasticSpec(command: string[], flags: NodeFlags, jobId: string) {
  const noPython = flags.python === false;
  const spec = validateSpec({
    command,
    jobId,
    nprocPerNode: flags.nprocPerNode as unknown as number,
    nnodes: flags.nnodes,
    maxRestarts: flags.maxRestarts as unknown as number,
    python: noPython ? 'python3' : (flags.python as string),
    noPython,
    graceSeconds: flags.grace as unknown as number,
    stallSeconds: flags.stallTimeout as unknown as number,
    startupSeconds: flags.startupTimeout as unknown as number,
    checkpointDir: flags.checkpointDir,
    experiment: flags.experiment,
    env: parseEnvFlags(flags.env),
    cwd: process.cwd(),
  });
  await preflight(spec, { elastic: true });
  return spec;
}

/** Options shared by `node join` and `launch` (where --server switches to elastic mode). */
export function addElasticOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'Trainyard server holding the rendezvous (http://host:port); every node of the job names the same one')
    .option('--join-timeout <s>', 'fail the job if MIN nodes have not joined within this many seconds', '600')
    .option('--last-call <s>', 'once MIN nodes joined, wait this long for more (up to MAX) before the first round', '30')
    .option('--node-timeout <s>', 'a node whose launcher is silent this long is lost and the round re-forms without it', '15')
    .option('--addr <host>', 'address other nodes reach this one at (default: the first non-loopback IPv4)')
    .option('--node-name <name>', 'this node\'s id in the rendezvous (default HOST-PID-RANDOM)');
}

export async function runNodeCli(program: Command, command: string[], flags: NodeFlags): Promise<void> {
  const server = flags.server || program.opts().uri || process.env.TRAINYARD_URI;
  if (!server || !/^https?:\/\//.test(server)) fail('an elastic node needs the server holding the rendezvous: pass --server http://host:port (start one with `trainyard server`)', 2);
  if (!flags.jobId) fail('an elastic node needs --job-id ID, the same on every node of the job', 2);
  const spec = await elasticSpec(command, flags, flags.jobId!);
  const c = await connect({ uri: server });
  const abort = new AbortController();
  // The signal's name travels to the rendezvous as the reason this node left.
  process.on('SIGTERM', () => abort.abort('SIGTERM'));
  process.on('SIGINT', () => abort.abort('SIGINT'));
  try {
    const out = await runNode(spec, {
      api: c,
      jobId: flags.jobId,
      home: defaultHome(),
      addr: flags.addr,
      nodeId: flags.nodeName,
      joinTimeoutSeconds: secondsFlag(flags.joinTimeout, '--join-timeout'),
      lastCallSeconds: secondsFlag(flags.lastCall, '--last-call'),
      nodeTimeoutSeconds: Math.max(0.5, secondsFlag(flags.nodeTimeout, '--node-timeout')),
      trackingUri: server,
      signal: abort.signal,
      log: (l) => process.stderr.write(`trainyard: ${l}\n`),
    });
    if (flags.json) printJson(out);
    else process.stdout.write(`job ${flags.jobId} ${out.state} (node ${out.nodeId}, rounds ${out.rounds.join(',') || 'none'})${out.message ? `: ${out.message}` : ''}\n`);
    process.exitCode = out.state === 'succeeded' ? 0 : out.state === 'cancelled' ? 130 : 1;
  } finally {
    await c.close();
  }
}

export function registerNodeCommands(program: Command): void {
  const node = program.command('node').description('Run one node of an elastic multi-node training job');
  addElasticOptions(
    node
      .command('join')
      .description('Join the job\'s rendezvous on the server and run this machine\'s workers for every round it is part of')
      .argument('<command...>', 'training script and its arguments')
      .requiredOption('--job-id <id>', 'job id, the same on every node')
      .option('--nproc-per-node <n>', 'workers on this machine', '1')
      .option('--nnodes <MIN:MAX>', 'nodes the job runs on: starts at MIN, grows to MAX as nodes join', '1')
      .option('--max-restarts <n>', 'rounds ended by a failure or a lost node before the job fails (joins do not count)', '3')
      .option('--python <path>', 'interpreter with torch', 'python3')
      .option('--no-python', 'run the command itself, not through the interpreter')
      .option('--grace <s>', 'seconds between SIGTERM and SIGKILL when a round ends for a joining or leaving node', '30')
      .option('--stall-timeout <s>', 'seconds without a completed step on a rank of this node before the job counts as hung and restarts the round (0 = off)', '300')
      .option('--startup-timeout <s>', 'seconds to the first completed step of a round (0 = off)', '600')
      .option('--checkpoint-dir <dir>', 'checkpoints, on storage every node sees (default <home>/launch/<job>/checkpoints)')
      .option('--experiment <name>', "experiment of the job's tracking run (the first node to join names it)")
      .option('--env <NAME=VALUE>', 'extra worker environment (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--json', 'print the outcome as JSON'),
  )
    .passThroughOptions()
    .action(async (command: string[], flags: NodeFlags) => runNodeCli(program, command, flags));
}

/**
 * `trainyard launch --executor agents --server URL --nnodes MIN:MAX ...`: the server queues one
 * 'launch-node' task per possible node; agents with a free slot become the nodes. This process
 * follows the rendezvous (rounds, lost nodes) to the end, then releases the tasks left.
 */
export async function launchOnAgents(program: Command, command: string[], flags: NodeFlags): Promise<void> {
  const server = flags.server || program.opts().uri || process.env.TRAINYARD_URI;
  if (!server || !/^https?:\/\//.test(server)) fail('--executor agents needs the server the agents talk to: pass --server http://host:port', 2);
  const jobId = flags.jobId ?? `job-${Date.now().toString(36)}`;
  const spec = await elasticSpec(command, flags, jobId);
  const c = await connect({ uri: server });
  const R = `/api/v1/rendezvous/${encodeURIComponent(jobId)}`;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await c.call('POST', `${R}/release`).catch(() => undefined);
  };
  const quit = () => void release().then(() => process.exit(130));
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
  try {
    const placed = await c.call<{ items: number[] }>('POST', `${R}/place`, {
      spec,
      join_timeout_ms: Math.round(secondsFlag(flags.joinTimeout, '--join-timeout') * 1000),
      last_call_ms: Math.round(secondsFlag(flags.lastCall, '--last-call') * 1000),
      node_timeout_ms: Math.round(Math.max(0.5, secondsFlag(flags.nodeTimeout, '--node-timeout')) * 1000),
    });
    // The server opened the job (`trainyard jobs show`) and its tracking run with the placement.
    const runId = (await c.call<{ job: { run_id: string | null } }>('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}`).catch(() => ({ job: { run_id: null } }))).job.run_id;
    process.stderr.write(`trainyard: job ${jobId}: ${placed.items.length} node task(s) queued for agents (--nnodes ${spec.nnodes.min}:${spec.nnodes.max})${runId ? `, tracking run ${runId}` : ''}\n`);
    let seen = 0;
    for (;;) {
      const { rendezvous: s } = await c.call<{ rendezvous: { phase: string; message: string | null; history: { at: number; kind: string; round: number; detail: Record<string, unknown> }[] } }>('GET', R);
      for (const h of s.history.slice(seen)) process.stderr.write(`trainyard: ${h.kind} round ${h.round}: ${JSON.stringify(h.detail)}\n`);
      seen = s.history.length;
      if (s.phase === 'succeeded' || s.phase === 'failed' || s.phase === 'cancelled') {
        await release();
        if (flags.json) printJson({ job_id: jobId, run_id: runId, state: s.phase, message: s.message });
        else process.stdout.write(`job ${jobId} ${s.phase} on agents${s.message ? `: ${s.message}` : ''}\n`);
        process.exitCode = s.phase === 'succeeded' ? 0 : s.phase === 'cancelled' ? 130 : 1;
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await c.close();
  }
}
