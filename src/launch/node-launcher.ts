/**
 * @module The node launcher (`trainyard node join`, or `trainyard launch --server URL`): one per
 * machine. It joins the job's rendezvous on the server, and for each round it is a member of
 * spawns its local workers with torchrun's environment (GROUP_RANK, WORLD, MASTER from the round)
 * through the same WorkerGroup as the single-machine supervisor. It heartbeats what its workers
 * do; when the server ends the round (a node lost, a worker failed, a node joining) it stops its
 * workers (SIGTERM, grace, SIGKILL), re-joins, and the next round resumes from the checkpoint.
 * It watches its ranks' heartbeat files like the single-machine supervisor: a hang ends the round
 * for the whole job (reported as 'hung', naming this node and the rank), and every rank's own
 * compute time goes with the heartbeat so the server can flag a straggler among all the job's
 * ranks. Stopped (SIGTERM/SIGINT, an agent's cancel), it first tells the rendezvous it leaves, so
 * the others re-form at once instead of after the node timeout. The orphan guard kills its
 * workers if the launcher itself is killed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { ApiCaller } from './api-recorder.js';
import { freePort } from './free-port.js';
import type { LaunchSpec } from './job-spec.js';
import { detectHang, readBeat, type Hang } from './heartbeats.js';
import { NodeReporter } from './node-reporter.js';
import { killAllWithEnv } from './process-tree.js';
import { startReaper } from './reaper.js';
import type { NodeAnswer, RankTime, WorkersState } from './rendezvous/index.js';
import { rootCause, type Failure } from './root-cause.js';
import { newNonce, PYTHON_DIR } from './supervisor.js';
import { WorkerGroup } from './worker-group.js';

const POLL_MS = 250;
const SETTLE_MS = 300;
/** A group whose peer is gone cannot checkpoint consistently: a short grace is enough. */
const BROKEN_GROUP_GRACE_MS = 2000;
/** A hung rank will not act on SIGTERM (see supervisor.ts). */
const HANG_GRACE_MS = 500;
/**
 * When this node's ranks all wait in a collective, the hung rank is likely on another node: give
 * that node's launcher this long to report it (naming the right rank) before reporting our own.
 */
const COLLATERAL_HANG_WAIT_MS = 2000;

export interface NodeOptions {
  api: ApiCaller;
  jobId: string;
  /** Where this node's logs go (`<home>/launch/<job>/nodes/<node>/round-<r>`) and, by default, checkpoints. */
  home: string;
  /** The address other nodes reach this one at (MASTER_ADDR when it is node 0). */
  addr?: string;
  nodeId?: string;
  joinTimeoutSeconds: number;
  lastCallSeconds: number;
  /** A node silent this long is lost (torch's c10d: 3 missed 5 s beats). */
  nodeTimeoutSeconds: number;
  trackingUri?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface NodeOutcome {
  state: 'succeeded' | 'failed' | 'cancelled';
  nodeId: string;
  /** Rounds this node ran workers in. */
  rounds: number[];
  message?: string;
}

/** The first non-loopback IPv4 address, else loopback. */
export function defaultNodeAddr(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runNode(spec: LaunchSpec, opts: NodeOptions): Promise<NodeOutcome> {
  const nodeId = opts.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const addr = opts.addr ?? defaultNodeAddr();
  const log = (l: string) => opts.log?.(`node ${nodeId}: ${l}`);
  const path = `/api/v1/rendezvous/${encodeURIComponent(opts.jobId)}`;
  const jobDir = join(opts.home, 'launch', opts.jobId);
  const checkpointDir = spec.checkpointDir ?? join(jobDir, 'checkpoints');
  const nodeDir = join(jobDir, 'nodes', nodeId);
  mkdirSync(checkpointDir, { recursive: true });
  mkdirSync(join(nodeDir, 'metrics'), { recursive: true });
  const nonce = newNonce();
  const reaper = startReaper(nonce);
  let cancelled = opts.signal?.aborted ?? false;
  const onAbort = () => (cancelled = true);
  opts.signal?.addEventListener('abort', onAbort);
  // Rank 0's metrics, checkpoints and rank logs go to the job's tracking run through the server.
  const reporter = new NodeReporter(opts.api, path, nodeId, join(nodeDir, 'metrics'), checkpointDir);
  const forward = () => reporter.forward().catch((e) => log(`metrics/checkpoint not recorded: ${(e as Error).message}`));

  const joinRdzv = async (): Promise<NodeAnswer> => {
    const answer = await opts.api.call<NodeAnswer>('POST', `${path}/join`, {
      spec,
      node_id: nodeId,
      host: hostname(),
      addr,
      // Picked fresh for every round: used as MASTER_PORT if this node becomes node 0.
      port: await freePort('0.0.0.0'),
      min_nodes: spec.nnodes.min,
      max_nodes: spec.nnodes.max,
      nproc_per_node: spec.nprocPerNode,
      max_restarts: spec.maxRestarts,
      join_timeout_ms: Math.round(opts.joinTimeoutSeconds * 1000),
      last_call_ms: Math.round(opts.lastCallSeconds * 1000),
      node_timeout_ms: Math.round(opts.nodeTimeoutSeconds * 1000),
    });
    reporter.seen(answer);
    return answer;
  };

  let group: WorkerGroup | null = null;
  let groupRound = 0;
  /** When this node first saw its ranks hung while waiting in a collective (see COLLATERAL_HANG_WAIT_MS). */
  let hangSeenAt: number | null = null;
  const hangFailure = (hang: Hang, rank: number): Failure => ({
    rank,
    exitCode: null,
    signal: null,
    message: `hang on node ${nodeId}: ${hang.reason}; rank ${rank} ${hang.inCollective ? 'waits in a collective (no rank of this node is outside one)' : 'was outside a collective the longest'}`,
    collateral: hang.inCollective,
  });
  const rounds: number[] = [];
  // Stopping workers can take the whole grace period: the node keeps beating meanwhile, or the
  // server would declare it lost (an 'idle' beat changes nothing in the round).
  const beatingWhile = async <T>(work: Promise<T>): Promise<T> => {
    const timer = setInterval(() => void opts.api.call('POST', `${path}/heartbeat`, { node_id: nodeId, round: groupRound, workers: 'idle' }).catch(() => undefined), POLL_MS * 2);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  };
  const stop = async (graceMs: number) => {
    if (!group) return;
    const g = group;
    await beatingWhile(g.stop(graceMs));
    group = null;
    await forward();
    await reporter.attachLogs(groupRound, g.files).catch((e) => log(`round ${groupRound} logs not attached: ${(e as Error).message}`));
  };
  try {
    let v = await joinRdzv();
    log(`joined job ${opts.jobId} (--nnodes ${spec.nnodes.min}:${spec.nnodes.max}) as ${addr}${v.assignment ? '' : `; waiting for ${spec.nnodes.min} node(s)`}`);
    for (;;) {
      if (cancelled) {
        // Leave first: the other nodes re-form now, and our workers' going is no failure of theirs.
        const reason = typeof opts.signal?.reason === 'string' ? opts.signal.reason : undefined;
        const left = await opts.api.call<NodeAnswer>('POST', `${path}/leave`, { node_id: nodeId, reason }).catch((e: Error) => {
          log(`could not tell the rendezvous this node leaves (${e.message}); the others notice after --node-timeout`);
          return undefined;
        });
        log(`leaving the job${(left?.phase === 'failed' || left?.phase === 'cancelled') && left.message && left.message !== 'cancelled' ? ` (${left.message})` : ''}: stopping workers (${spec.graceSeconds} s grace)`);
        await stop(spec.graceSeconds * 1000);
        return { state: 'cancelled', nodeId, rounds, message: left?.phase === 'failed' || left?.phase === 'cancelled' ? (left.message ?? undefined) : undefined };
      }
      let workers: WorkersState = 'idle';
      let failure: Failure | undefined;
      let ranks: RankTime[] | undefined;
      if (group) {
        if (group.exits.some((e) => e.code !== 0 || e.signal)) {
          await sleep(SETTLE_MS);
          failure = rootCause([...group.exits])!;
          workers = 'failed';
        } else if (group.allExited) workers = 'succeeded';
        else {
          workers = 'running';
          const beats = group.files.map((f) => readBeat(f.heartbeat));
          ranks = group.files.flatMap((f, i) => (beats[i] ? [{ rank: f.rank, own_ms: beats[i]!.own_ms, own_samples: beats[i]!.own_samples }] : []));
          const hang = detectHang(beats, Date.now(), group.startedAt, spec.stallSeconds, spec.startupSeconds);
          if (!hang) hangSeenAt = null;
          else if (!hang.inCollective || Date.now() - (hangSeenAt ??= Date.now()) >= COLLATERAL_HANG_WAIT_MS) {
            failure = hangFailure(hang, group.files[hang.rank]?.rank ?? hang.rank);
            workers = 'hung';
          }
        }
      }
      try {
        v = await opts.api.call<NodeAnswer>('POST', `${path}/heartbeat`, { node_id: nodeId, round: groupRound, workers, failure, ranks });
        reporter.seen(v);
      } catch (e) {
        // The server restarting is no reason to stop training; the round ends if it stays away.
        log(`heartbeat failed: ${(e as Error).message}`);
        await sleep(POLL_MS);
        continue;
      }
      if (failure) {
        log(`round ${groupRound}: ${failure.message}; stopping this node's workers`);
        await stop(workers === 'hung' ? HANG_GRACE_MS : BROKEN_GROUP_GRACE_MS);
        hangSeenAt = null;
      }
      if (v.phase === 'failed') {
        await stop(BROKEN_GROUP_GRACE_MS);
        return { state: 'failed', nodeId, rounds, message: v.message ?? 'the job failed' };
      }
      if (v.phase === 'cancelled') {
        log(`job cancelled: stopping workers (${spec.graceSeconds} s grace)`);
        await stop(spec.graceSeconds * 1000);
        return { state: 'cancelled', nodeId, rounds, message: v.message ?? 'cancelled' };
      }
      if (v.phase === 'succeeded') {
        await stop(BROKEN_GROUP_GRACE_MS);
        return { state: 'succeeded', nodeId, rounds };
      }
      if (group && ((v.status !== 'member' && v.status !== 'done') || v.round !== groupRound)) {
        // Scale-up or a node leaving on purpose: the workers are healthy and save a checkpoint on
        // SIGTERM (the leaving node's stop at the same step); a hung group will not; otherwise a peer is gone.
        const grace = v.last_end === 'scale-up' || v.last_end === 'node-left' ? spec.graceSeconds * 1000 : v.last_end === 'hang' ? HANG_GRACE_MS : BROKEN_GROUP_GRACE_MS;
        log(`round ${groupRound} ended (${v.last_end ?? 'round closed'}): stopping workers`);
        await stop(grace);
        hangSeenAt = null;
      }
      if (!group && (v.status === 'stopping' || v.status === 'left' || v.status === 'unknown')) v = await joinRdzv();
      const a = v.assignment;
      if (!group && a && a.round !== groupRound) {
        groupRound = a.round;
        rounds.push(a.round);
        log(`round ${a.round}: node rank ${a.group_rank} of ${a.group_world_size}, world size ${a.group_world_size * a.nproc_per_node}, master ${a.master_addr}:${a.master_port}, restart ${a.restart_count}`);
        group = new WorkerGroup(
          { ...spec, env: { ...spec.env, TRAINYARD_ROUND: String(a.round), TRAINYARD_NODE_ID: nodeId } },
          { jobId: opts.jobId, nonce, masterAddr: a.master_addr, masterPort: a.master_port, groupRank: a.group_rank, groupWorldSize: a.group_world_size, nprocPerNode: spec.nprocPerNode, restartCount: a.restart_count, maxRestarts: a.max_restarts },
          join(nodeDir, `round-${a.round}`),
          join(nodeDir, 'metrics'),
          { runId: reporter.runId ?? undefined, checkpointDir, trackingUri: opts.trackingUri, resumeFrom: spec.resumeFrom, pythonPath: [join(PYTHON_DIR, 'trainyard_launch_hook'), PYTHON_DIR] },
        );
      }
      await forward();
      await sleep(POLL_MS);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await stop(BROKEN_GROUP_GRACE_MS).catch(() => undefined);
    await killAllWithEnv('TRAINYARD_LAUNCH_NONCE', nonce);
    reaper.stop();
  }
}
