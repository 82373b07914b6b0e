/**
 * @module `trainyard launch [options] SCRIPT [ARGS...]`: supervise a PyTorch job on this machine
 * (torchrun's worker environment, restarts from checkpoints, per-rank logs on the tracking run),
 * and `trainyard jobs list|show|logs|cancel`.
 */
import type { Command } from 'commander';
import { connect } from '../../client/index.js';
import { defaultHome } from '../../core/config.js';
import { launchJob, type Job } from '../../launch/index.js';
import { fail, formatTime, printJson, printTable } from '../output.js';
import { launchOnKubernetes, type KubernetesFlags } from './launch-kubernetes.js';
import { addElasticOptions, launchOnAgents, parseEnvFlags, runNodeCli, type NodeFlags } from './node.js';

interface LaunchFlags {
  nprocPerNode: string;
  nnodes: string;
  maxRestarts: string;
  python: string;
  experiment?: string;
  jobId?: string;
  grace: string;
  stallTimeout: string;
  startupTimeout: string;
  resumeFrom?: string;
  checkpointDir?: string;
  noPython?: boolean;
  env: string[];
  json?: boolean;
  kubernetes?: boolean;
}

export function registerLaunchCommands(program: Command): void {
  program.enablePositionalOptions();
  const launch = program
    .command('launch')
    .description('Run a PyTorch training script on this machine with torchrun\'s environment, supervised: restarts from checkpoints, hang detection, per-rank logs')
    .argument('<command...>', 'training script and its arguments')
    .option('--nproc-per-node <n>', 'workers on this machine', '1')
    .option('--nnodes <n>', 'N or MIN:MAX nodes (this launcher provides one)', '1')
    .option('--max-restarts <n>', 'restarts of the whole group after a failure or hang', '0')
    .option('--python <path>', 'interpreter with torch', 'python3')
    .option('--experiment <name>', 'experiment of the job\'s tracking run')
    .option('--job-id <id>', 'job id (a failed or interrupted job relaunched with its id resumes from its checkpoint)')
    .option('--grace <s>', 'seconds between SIGTERM and SIGKILL on cancel', '30')
    .option('--stall-timeout <s>', 'seconds without a completed step before the group counts as hung (0 = off)', '300')
    .option('--startup-timeout <s>', 'seconds to the first completed step (0 = off)', '600')
    .option('--resume-from <run_id>', 'start from the latest checkpoint recorded on that run')
    .option('--checkpoint-dir <dir>', 'where checkpoints go (default <home>/launch/<job>/checkpoints)')
    .option('--no-python', 'run the command itself, not through the interpreter')
    .option('--env <NAME=VALUE>', 'extra worker environment (repeatable; overrides the launcher\'s, e.g. OMP_NUM_THREADS=4)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'print the outcome as JSON')
    .option('--kubernetes', 'run it on the cluster of your kubeconfig as a Kubeflow PyTorchJob instead of on this machine')
    .option('--image <image>', '--kubernetes: the container image (your script and torch)')
    .option('--namespace <ns>', "--kubernetes: namespace (default: the kubeconfig context's, else default)")
    .option('--tracking-uri <url>', '--kubernetes: the Trainyard server as the pods reach it (default: --uri when it is http)')
    .option('--limit <RESOURCE=QTY>', '--kubernetes: a container limit, e.g. cpu=4, nvidia.com/gpu=1 (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--dry-run', '--kubernetes: print the PyTorchJob manifest (YAML; JSON with --json) and apply nothing')
    .option('--detach', '--kubernetes: apply and return without following the job')
    .option('--poll-interval <s>', '--kubernetes: seconds between status reads while following', '2');
  // --server URL makes this launcher one node of an elastic multi-node job (see `trainyard node join`).
  addElasticOptions(launch)
    .option('--executor <where>', "'local' (this machine, or one node with --server) or 'agents' (the nodes are `trainyard agent` processes)", 'local')
    .passThroughOptions()
    .action(async (command: string[], flags: LaunchFlags & KubernetesFlags & { python: string | boolean; server?: string; executor: string }) => {
      if (flags.executor !== 'local' && flags.executor !== 'agents') fail(`--executor must be local or agents (got '${flags.executor}')`, 2);
      if ((flags.server || flags.executor === 'agents') && flags.kubernetes) fail('--kubernetes runs the nodes as a PyTorchJob: leave out --server and --executor', 2);
      if (flags.server || flags.executor === 'agents') {
        // Elastic mode counts lost nodes as restarts: 0 would fail the job at the first one.
        const maxRestarts = launch.getOptionValueSource('maxRestarts') === 'default' ? '3' : flags.maxRestarts;
        const nodeFlags = { ...(flags as unknown as NodeFlags), maxRestarts };
        return flags.executor === 'agents' ? launchOnAgents(program, command, nodeFlags) : runNodeCli(program, command, nodeFlags);
      }
      const env = parseEnvFlags(flags.env);
      // commander turns --no-python into python=false
      const noPython = (flags.python as unknown) === false;
      const uri = program.opts().uri || process.env.TRAINYARD_URI || undefined;
      if (flags.kubernetes) {
        const input = { command, nprocPerNode: flags.nprocPerNode as unknown as number, nnodes: flags.nnodes, maxRestarts: flags.maxRestarts as unknown as number, python: noPython ? 'python3' : (flags.python as string), noPython, experiment: flags.experiment, jobId: flags.jobId, graceSeconds: flags.grace as unknown as number, checkpointDir: flags.checkpointDir, env };
        return launchOnKubernetes(input, flags, uri);
      }
      for (const f of ['image', 'namespace', 'trackingUri', 'dryRun', 'detach'] as const) if (flags[f] !== undefined) fail(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --kubernetes`, 2);
      const c = await connect({ uri });
      const abort = new AbortController();
      let signalled: NodeJS.Signals | undefined;
      const onSignal = (s: NodeJS.Signals) => {
        if (signalled) return;
        signalled = s;
        abort.abort();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        const result = await launchJob(
          c,
          {
            command,
            nprocPerNode: flags.nprocPerNode as unknown as number,
            nnodes: flags.nnodes,
            maxRestarts: flags.maxRestarts as unknown as number,
            python: noPython ? 'python3' : (flags.python as string),
            noPython,
            experiment: flags.experiment,
            jobId: flags.jobId,
            graceSeconds: flags.grace as unknown as number,
            stallSeconds: flags.stallTimeout as unknown as number,
            startupSeconds: flags.startupTimeout as unknown as number,
            resumeFrom: flags.resumeFrom,
            checkpointDir: flags.checkpointDir,
            env,
          },
          {
            home: defaultHome(),
            trackingUri: uri ?? `file:${defaultHome()}`,
            signal: abort.signal,
            log: (l) => process.stderr.write(`trainyard: ${l}\n`),
            onStart: (i) => process.stderr.write(`trainyard: job ${i.jobId}${i.resumed ? ' (resumed)' : ''}, run ${i.runId}, logs in ${i.jobDir}\n`),
          },
        );
        if (flags.json) printJson(result);
        else process.stdout.write(`job ${result.jobId} ${result.state} after ${result.attempts} attempt(s), ${result.restarts} restart(s); run ${result.runId}${result.failure ? `\nfailed rank ${result.failure.rank}: ${result.failure.message}` : ''}\n`);
        process.exitCode = result.state === 'succeeded' ? 0 : result.state === 'cancelled' ? 130 : 1;
      } finally {
        await c.close();
      }
    });

  const jobs = program.command('jobs').description('List, inspect, read the logs of and cancel training jobs');
  const J = '/api/v1/jobs';
  jobs
    .command('list')
    .option('--state <state>', 'only jobs in this state')
    .option('--json', 'print JSON')
    .action(async (opts: { state?: string; json?: boolean }) => {
      const c = await connect({ uri: program.opts().uri });
      try {
        const res = await c.call<{ jobs: Job[] }>('GET', J, { state: opts.state, max_results: 1000 });
        if (opts.json) return printJson(res.jobs);
        printTable(['JOB', 'STATE', 'ATTEMPTS', 'RESTARTS', 'RUN', 'CREATED', 'KIND'], res.jobs.map((j) => [j.job_id, j.state, j.attempts, j.restarts, j.run_id, formatTime(j.created_at), j.kind]));
      } finally {
        await c.close();
      }
    });
  jobs
    .command('show <job_id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const c = await connect({ uri: program.opts().uri });
      try {
        const { job } = await c.call<{ job: Job }>('GET', `${J}/${encodeURIComponent(id)}`);
        if (opts.json) return printJson(job);
        process.stdout.write(`job ${job.job_id}: ${job.state}, ${job.attempts} attempt(s), ${job.restarts} restart(s), run ${job.run_id ?? '-'}\n`);
        if (job.failure) process.stdout.write(job.kind === 'elastic' ? `${job.state === 'failed' ? 'failed' : 'last failure'}: ${job.failure.reason ?? 'failure'}${job.failure.node ? ` on node ${job.failure.node}` : ''}${job.failure.rank !== undefined ? ` rank ${job.failure.rank}` : ''}: ${job.failure.message ?? job.failure.job_message ?? ''}\n` : `failed rank ${job.failure.rank}: ${job.failure.message}\n`);
        if (job.elastic) {
          process.stdout.write(`elastic --nnodes ${job.elastic.min_nodes}:${job.elastic.max_nodes} x ${job.elastic.nproc_per_node} worker(s), rendezvous ${job.elastic.phase}\n`);
          printTable(['ROUND', 'WORLD', 'NODES', 'MASTER', 'RESTARTS', 'ENDED'], job.elastic.rounds.map((r) => [r.round, r.world_size, r.nodes.join(','), r.master, r.restart_count, r.ended ? `${r.ended.reason}${r.ended.node ? ` (${r.ended.node})` : ''}` : '']));
        }
        if (job.checkpoint) process.stdout.write(`checkpoint: step ${job.checkpoint.step} ${job.checkpoint.path} sha256 ${job.checkpoint.sha256}\n`);
        printTable(['AT', 'KIND', 'STATE', 'ATTEMPT', 'DETAIL'], (job.events ?? []).filter((e) => e.kind !== 'checkpoint').map((e) => [formatTime(e.at), e.kind, e.state, e.attempt, JSON.stringify(e.detail)]), 80);
      } finally {
        await c.close();
      }
    });
  jobs
    .command('logs <job_id>')
    .option('--attempt <n>', 'attempt (default: the last)')
    .option('--rank <r>', 'rank', '0')
    .option('--stream <s>', 'stdout or stderr', 'stdout')
    .option('--json', 'list the log files as JSON instead')
    .action(async (id: string, opts: { attempt?: string; rank: string; stream: string; json?: boolean }) => {
      const c = await connect({ uri: program.opts().uri });
      try {
        const res = await c.call<{ run_id: string; files: { attempt: number; rank: number; stream: string; artifact_path: string }[] }>('GET', `${J}/${encodeURIComponent(id)}/logs`);
        if (opts.json) return printJson(res);
        if (res.files.length === 0) fail(`job ${id} has no attached logs yet (they are attached when an attempt ends)`);
        const attempt = opts.attempt === undefined ? Math.max(...res.files.map((f) => f.attempt)) : Number(opts.attempt);
        const f = res.files.find((x) => x.attempt === attempt && x.rank === Number(opts.rank) && x.stream === opts.stream);
        if (!f) fail(`no ${opts.stream} log for rank ${opts.rank} in attempt ${attempt} of job ${id}`);
        const { run } = await c.call<{ run: { info: { artifact_uri: string } } }>('GET', '/api/2.0/mlflow/runs/get', { run_id: res.run_id });
        const stream = await c.artifacts.download(run.info.artifact_uri, f.artifact_path);
        for await (const chunk of stream) process.stdout.write(chunk as Buffer);
      } finally {
        await c.close();
      }
    });
  jobs
    .command('cancel <job_id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const c = await connect({ uri: program.opts().uri });
      try {
        const { job } = await c.call<{ job: Job }>('POST', `${J}/${encodeURIComponent(id)}/cancel`);
        if (opts.json) return printJson(job);
        process.stdout.write(job.state === 'cancelled' ? `job ${id} cancelled\n` : `job ${id}: cancel requested; its supervisor stops the workers within its grace period\n`);
      } finally {
        await c.close();
      }
    });
}
