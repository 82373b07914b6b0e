/**
 * @module The elastic rendezvous as a pure state machine: nodes join, the server waits for MIN
 * (and a last-call window for more, up to MAX), then fixes a round: dense node ranks in join
 * order, WORLD, MASTER on node 0 (a port node 0 picked free). A node lost (heartbeat stopped) or
 * one whose workers failed ends the round; every member stops its workers and re-joins; the next
 * round restarts from the checkpoint. A node joining a running round below MAX ends it too
 * (scale-up), without using a restart (torchrun's rule, distributed-anchors.md 1.1). A node that
 * says it leaves (SIGTERM/SIGINT of its launcher) ends the round at once, not after the node
 * timeout, and uses no restart either; a leave that takes the job below MIN ends it `cancelled`
 * (`failed` if a node was lost from the same round). A hung rank
 * (its node's launcher watches the heartbeat files) ends the round like a failed one. Nodes also
 * send each rank's own compute time, so a straggler is judged against every rank of the job, not
 * only its node's. Time is a parameter, so each rule is tested without sleeping; the service
 * stores the result in one transaction per call.
 */
import { InvalidParameter, InvalidState } from '../../core/errors.js';
import { detectStragglers } from '../heartbeats.js';

export type NodeStatus = 'waiting' | 'member' | 'stopping' | 'done' | 'left';
export type Phase = 'joining' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type EndReason = 'scale-up' | 'worker-failure' | 'hang' | 'node-lost' | 'node-left';
/** Round ends that are no failure: they use no restart (torchrun counts only failures). */
const FREE_ENDS: EndReason[] = ['scale-up', 'node-left'];

export interface RdzvNode {
  id: string;
  host: string;
  /** Address the other nodes reach this one at (MASTER_ADDR when it is node 0). */
  addr: string;
  /** A port this node found free for the workers' store, used when it is node 0. */
  port: number;
  joinedAt: number;
  seenAt: number;
  status: NodeStatus;
  rank: number | null;
}

export interface RdzvConfig {
  min: number;
  max: number;
  nproc: number;
  maxRestarts: number;
  joinTimeoutMs: number;
  lastCallMs: number;
  nodeTimeoutMs: number;
}

export interface HistoryEntry {
  at: number;
  kind: 'round' | 'end' | 'joined' | 'lost' | 'left' | 'straggler' | 'succeeded' | 'failed' | 'cancelled';
  round: number;
  detail: Record<string, unknown>;
}

export interface RdzvState extends RdzvConfig {
  jobId: string;
  phase: Phase;
  /** The last round fixed (1 for the first); 0 before any. */
  round: number;
  /** Failures and lost nodes so far (TORCHELASTIC_RESTART_COUNT); scale-ups do not count. */
  restartCount: number;
  joiningSince: number;
  /** When MIN nodes were first waiting in this joining phase: the last call runs from here. */
  minReachedAt: number | null;
  master: { addr: string; port: number } | null;
  lastEnd: EndReason | null;
  message: string | null;
  nodes: RdzvNode[];
  history: HistoryEntry[];
  createdAt: number;
  /** Work items of the 'launch-node' tasks that place this job's nodes on agents, if any. */
  items?: number[];
  /** This round's per-rank own compute time (median ms outside backward), as the nodes last sent it. */
  rankTimes?: Record<string, RankTime & { node: string }>;
  /** Ranks flagged as stragglers in this round (each once). */
  flagged?: number[];
}

/** One rank's own compute, from its heartbeat file (see heartbeats.ts). */
export interface RankTime {
  rank: number;
  own_ms: number | null;
  own_samples: number;
}

export interface NodeView {
  job_id: string;
  phase: Phase;
  round: number;
  status: NodeStatus | 'unknown';
  message: string | null;
  /** Why the last round ended (the node picks its stop grace from it). */
  last_end: EndReason | null;
  /** Set when this node has workers to run in the current round. */
  assignment: { round: number; group_rank: number; group_world_size: number; nproc_per_node: number; master_addr: string; master_port: number; restart_count: number; max_restarts: number } | null;
}

const HISTORY_KEEP = 200;

function note(s: RdzvState, now: number, kind: HistoryEntry['kind'], detail: Record<string, unknown>): void {
  s.history.push({ at: now, kind, round: s.round, detail });
  if (s.history.length > HISTORY_KEEP) s.history.splice(0, s.history.length - HISTORY_KEEP);
}

const live = (n: RdzvNode) => n.status !== 'left';
const inRound = (n: RdzvNode) => n.status === 'member' || n.status === 'done';

export function newState(jobId: string, cfg: RdzvConfig, now: number): RdzvState {
  return { ...cfg, jobId, phase: 'joining', round: 0, restartCount: 0, joiningSince: now, minReachedAt: null, master: null, lastEnd: null, message: null, nodes: [], history: [], createdAt: now };
}

function fail(s: RdzvState, now: number, message: string): void {
  s.phase = 'failed';
  s.message = message;
  s.master = null;
  note(s, now, 'failed', { message });
}

/** Ends the running round: members stop their workers and re-join. */
function endRound(s: RdzvState, now: number, reason: EndReason, detail: Record<string, unknown>): void {
  for (const n of s.nodes) if (inRound(n)) n.status = 'stopping';
  s.phase = 'joining';
  s.joiningSince = now;
  s.minReachedAt = null;
  s.master = null;
  s.lastEnd = reason;
  note(s, now, 'end', { reason, ...detail });
  if (FREE_ENDS.includes(reason)) return;
  s.restartCount++;
  const where = `${detail.node ? ` on node ${detail.node}` : ''}${typeof detail.rank === 'number' ? `, rank ${detail.rank}` : ''}`;
  if (s.restartCount > s.maxRestarts) fail(s, now, `round ${s.round} ended (${reason}${where}) and the ${s.maxRestarts} restart(s) of --max-restarts are used up`);
}

function closeRound(s: RdzvState, now: number): void {
  const members = s.nodes.filter((n) => n.status === 'waiting').sort((a, b) => a.joinedAt - b.joinedAt || a.id.localeCompare(b.id)).slice(0, s.max);
  members.forEach((n, i) => {
    n.status = 'member';
    n.rank = i;
  });
  for (const n of s.nodes) if (!members.includes(n)) n.rank = null;
  s.round++;
  s.rankTimes = {};
  s.flagged = [];
  s.phase = 'running';
  s.master = { addr: members[0]!.addr, port: members[0]!.port };
  s.message = null;
  note(s, now, 'round', { nodes: members.map((n) => n.id), world_size: members.length * s.nproc, master: `${s.master.addr}:${s.master.port}`, restart_count: s.restartCount });
}

/** The time-driven rules: lost nodes, the join timeout, closing a round. Run on every call. */
export function advance(s: RdzvState, now: number): void {
  if (isOver(s)) return;
  for (const n of s.nodes) {
    if (!live(n) || n.status === 'done' || now - n.seenAt <= s.nodeTimeoutMs) continue;
    const wasMember = n.status === 'member';
    n.status = 'left';
    n.rank = null;
    note(s, now, 'lost', { node: n.id, silent_ms: now - n.seenAt });
    if (wasMember && s.phase === 'running') {
      endRound(s, now, 'node-lost', { node: n.id });
      if ((s.phase as Phase) === 'failed') return;
    }
  }
  // Nodes long gone stay out of the document (it is rewritten on every call).
  s.nodes = s.nodes.filter((n) => n.status !== 'left' || now - n.seenAt < 60_000);
  if (s.phase !== 'joining') return;
  const waiting = s.nodes.filter((n) => n.status === 'waiting').length;
  const stopping = s.nodes.filter((n) => n.status === 'stopping').length;
  if (waiting >= s.min) {
    s.minReachedAt ??= now;
    // The first round waits the last call for more nodes; a re-rendezvous only waits until every
    // member of the last round has re-joined or been declared lost.
    const lastCallOver = s.round > 0 || now - s.minReachedAt >= s.lastCallMs;
    if (waiting >= s.max || (stopping === 0 && lastCallOver)) closeRound(s, now);
    return;
  }
  s.minReachedAt = null;
  if (now - s.joiningSince > s.joinTimeoutMs) {
    const have = waiting + stopping;
    fail(s, now, `join timeout: ${have} of ${s.min} required node(s) joined within ${Math.round(s.joinTimeoutMs / 1000)} s (--nnodes ${s.min}:${s.max}); start more nodes or lower MIN`);
  }
}

export function isOver(s: RdzvState): boolean {
  return s.phase === 'succeeded' || s.phase === 'failed' || s.phase === 'cancelled';
}

/** Someone cancelled the job (`trainyard jobs cancel`): every node stops its workers and leaves. */
export function cancel(s: RdzvState, now: number): void {
  if (isOver(s)) return;
  stop(s, now, 'cancelled', {});
}

/** Ends the job `cancelled`: a deliberate stop (a cancel, or its nodes leaving on purpose). */
function stop(s: RdzvState, now: number, message: string, detail: Record<string, unknown>): void {
  s.phase = 'cancelled';
  s.master = null;
  s.message = message;
  note(s, now, 'cancelled', message === 'cancelled' ? detail : { ...detail, message });
}

function sameConfig(s: RdzvState, cfg: RdzvConfig): void {
  if (s.min !== cfg.min || s.max !== cfg.max) throw new InvalidParameter(`--nnodes ${cfg.min}:${cfg.max} differs from the ${s.min}:${s.max} job ${s.jobId} was started with`);
  if (s.nproc !== cfg.nproc) throw new InvalidParameter(`--nproc-per-node ${cfg.nproc} differs from the ${s.nproc} job ${s.jobId} was started with (every node runs the same number of workers)`);
}

export interface JoinInput {
  nodeId: string;
  host: string;
  addr: string;
  port: number;
}

/** A node (re-)joins: it waits for the next round; below MAX, a running round ends for it. */
export function join(s: RdzvState, cfg: RdzvConfig, node: JoinInput, now: number): void {
  advance(s, now);
  if (isOver(s)) throw new InvalidState(`job ${s.jobId} has ${s.phase}${s.message ? `: ${s.message}` : ''}; start a new job id`);
  sameConfig(s, cfg);
  const existing = s.nodes.find((n) => n.id === node.nodeId);
  const fresh = !existing || existing.status === 'left';
  const n: RdzvNode = existing ?? { id: node.nodeId, host: node.host, addr: node.addr, port: node.port, joinedAt: now, seenAt: now, status: 'waiting', rank: null };
  if (!existing) s.nodes.push(n);
  Object.assign(n, { host: node.host, addr: node.addr, port: node.port, seenAt: now, status: 'waiting', rank: null });
  if (fresh) {
    // A node that comes back after being declared lost queues behind the ones that stayed.
    n.joinedAt = now;
    note(s, now, 'joined', { node: n.id, host: n.host });
  }
  if (s.phase === 'running' && fresh && s.nodes.filter(inRound).length < s.max) endRound(s, now, 'scale-up', { node: n.id });
  advance(s, now);
}

/** 'hung': the node's launcher saw no step for the stall time; `failure` names the rank. */
export type WorkersState = 'idle' | 'running' | 'failed' | 'hung' | 'succeeded';

export interface ReportInput {
  nodeId: string;
  /** The round the node's workers run (or ran) in. */
  round: number;
  workers: WorkersState;
  failure?: Record<string, unknown>;
  /** Own compute time of the node's ranks (straggler input). */
  ranks?: RankTime[];
}

/** A node's heartbeat, with what its workers of `round` are doing. */
export function report(s: RdzvState, r: ReportInput, now: number): void {
  const n = s.nodes.find((x) => x.id === r.nodeId);
  if (n && n.status !== 'left') n.seenAt = now;
  advance(s, now);
  if (!n || s.phase !== 'running' || r.round !== s.round || !inRound(n)) return;
  if (r.workers === 'failed' || r.workers === 'hung') endRound(s, now, r.workers === 'hung' ? 'hang' : 'worker-failure', { node: n.id, ...(r.failure ?? {}) });
  else if (r.workers === 'running' && r.ranks?.length) flagStragglers(s, n, r.ranks, now);
  else if (r.workers === 'succeeded' && n.status === 'member') {
    n.status = 'done';
    // The exit barrier: the job succeeded when every member's workers did.
    if (s.nodes.filter((x) => x.status === 'member').length === 0) {
      s.phase = 'succeeded';
      note(s, now, 'succeeded', { round: s.round });
    }
  }
}

/**
 * Every rank of the round against the others: all-reduce equalises wall time per step across
 * nodes too, so only the own compute time can show which rank (and so which node) is slow.
 * Flagged once per round, never killed.
 */
function flagStragglers(s: RdzvState, n: RdzvNode, ranks: RankTime[], now: number): void {
  const times = (s.rankTimes ??= {});
  const flagged = (s.flagged ??= []);
  const world = s.nodes.filter(inRound).length * s.nproc;
  for (const t of ranks) if (t.rank >= 0 && t.rank < world) times[t.rank] = { ...t, node: n.id };
  const all = Array.from({ length: world }, (_, r) => times[r]);
  for (const st of detectStragglers(all)) {
    if (flagged.includes(st.rank)) continue;
    flagged.push(st.rank);
    note(s, now, 'straggler', { node: times[st.rank]!.node, rank: st.rank, own_ms: Math.round(st.ownMs), others_ms: Math.round(st.othersMs) });
  }
}

/**
 * A node leaves on purpose (its launcher got SIGTERM/SIGINT and says so before stopping its
 * workers): the survivors re-form now instead of after the node timeout, and no restart is used.
 * If fewer than MIN nodes remain once the job has run, it ends: nobody is coming back for it.
 */
export function leave(s: RdzvState, nodeId: string, reason: string | undefined, now: number): void {
  advance(s, now);
  const n = s.nodes.find((x) => x.id === nodeId);
  if (!n || n.status === 'left' || isOver(s)) return;
  const wasMember = n.status === 'member';
  n.status = 'left';
  n.rank = null;
  note(s, now, 'left', { node: n.id, ...(reason ? { reason } : {}) });
  if (wasMember && s.phase === 'running') endRound(s, now, 'node-left', { node: n.id });
  const remain = s.nodes.filter(live).length;
  if (s.round > 0 && remain < s.min && (s.phase as Phase) !== 'failed') {
    const why = `node ${n.id} left${reason ? ` (${reason})` : ''} and ${remain} node(s) remain, fewer than the ${s.min} of --nnodes ${s.min}:${s.max}: the job ends`;
    // Leaving is deliberate (torchrun's SIGTERM is a stop, not a failure): a job its nodes walked
    // away from is cancelled. If a node crashed out of this round, the job broke: that is a failure.
    const crashed = s.history.some((h) => h.kind === 'lost' && h.round === s.round);
    if (crashed) fail(s, now, `${why} (a lower MIN lets fewer nodes go on)`);
    else stop(s, now, `${why}: every node that went left on purpose (a lower MIN lets fewer nodes go on)`, { reason: 'nodes-left', node: n.id });
    return;
  }
  advance(s, now);
}

export function view(s: RdzvState, nodeId: string): NodeView {
  const n = s.nodes.find((x) => x.id === nodeId);
  const assigned = n && s.phase === 'running' && n.status === 'member' && n.rank !== null && s.master;
  return {
    job_id: s.jobId,
    phase: s.phase,
    round: s.round,
    status: n?.status ?? 'unknown',
    message: s.message,
    last_end: s.lastEnd,
    assignment: assigned
      ? { round: s.round, group_rank: n.rank!, group_world_size: s.nodes.filter(inRound).length, nproc_per_node: s.nproc, master_addr: s.master!.addr, master_port: s.master!.port, restart_count: s.restartCount, max_restarts: s.maxRestarts }
      : null,
  };
}
