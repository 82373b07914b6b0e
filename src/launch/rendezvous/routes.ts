/**
 * @module The rendezvous over HTTP, for node launchers (`trainyard node join`).
 *
 * | Method | Path | Body | Answer |
 * |---|---|---|---|
 * | POST | /api/v1/rendezvous/:job_id/join | node_id, host, addr, port, min_nodes, max_nodes, nproc_per_node, max_restarts, join_timeout_ms, last_call_ms, node_timeout_ms | NodeView |
 * | POST | /api/v1/rendezvous/:job_id/heartbeat | node_id, round, workers (idle/running/failed/hung/succeeded), failure?, ranks? ([{rank, own_ms, own_samples}]) | NodeView |
 * | POST | /api/v1/rendezvous/:job_id/leave | node_id, reason? | NodeView (the node leaves on purpose; the round re-forms now) |
 * | GET | /api/v1/rendezvous/:job_id | | { rendezvous } (nodes, round, master, history) |
 * | POST | /api/v1/rendezvous/:job_id/place | spec, join_timeout_ms, last_call_ms, node_timeout_ms | { rendezvous, items } (nodes on agents) |
 * | POST | /api/v1/rendezvous/:job_id/release | | { cancelled } (the job's node tasks left) |
 * | POST | /api/v1/rendezvous/:job_id/checkpoint | node_id, step, path, sha256 | { recorded } (latest on the job and its run) |
 * | POST | /api/v1/rendezvous/:job_id/logs | node_id, round, files [{ rank, stream, artifact_path }] | {} (listed on the job) |
 *
 * A join may carry the node's `spec` (command, experiment, ...): the first one opens the job's
 * row in the jobs API and its tracking run. Join and heartbeat answers carry `run_id` and
 * `artifact_uri`, where the node sends rank 0's metrics and its rank logs.
 */
import { InvalidParameter } from '../../core/errors.js';
import { objectAt, optArray, optEnum, optInt, optString, reqInt, reqString, type Fields } from '../../core/request-fields.js';
import type { JsonRoute, RouteAuth } from '../../core/route.js';
import { validateSpec, type LaunchInput } from '../job-spec.js';
import type { ElasticSpec } from './elastic-job.js';
import type { NodePlacement } from './placement.js';
import type { RendezvousService } from './service.js';
import type { RankTime, RdzvConfig } from './state.js';

const R = '/api/v1/rendezvous';
const WORKERS = ['idle', 'running', 'failed', 'hung', 'succeeded'] as const;
const STREAMS = ['stdout', 'stderr'] as const;

/** `ranks`: each local rank's own compute time, as the node read it from the heartbeat files. */
function rankTimes(v: unknown): RankTime[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > 4096) throw new InvalidParameter("'ranks' must be a list of {rank, own_ms, own_samples} (at most 4096)");
  return v.map((x, i) => {
    const o = (x ?? {}) as Record<string, unknown>;
    const ok = Number.isInteger(o.rank) && (o.rank as number) >= 0 && (o.own_ms === null || (typeof o.own_ms === 'number' && Number.isFinite(o.own_ms) && o.own_ms >= 0)) && Number.isInteger(o.own_samples) && (o.own_samples as number) >= 0;
    if (!ok) throw new InvalidParameter(`ranks[${i}] must be {rank: int >= 0, own_ms: number >= 0 or null, own_samples: int >= 0}`);
    return { rank: o.rank as number, own_ms: o.own_ms as number | null, own_samples: o.own_samples as number };
  });
}

/** A joining node's spec: validated like a launch's, so a bad one is refused before anything is stored. */
function joinSpec(f: Fields): ElasticSpec | undefined {
  if (f.spec === undefined || f.spec === null) return undefined;
  return validateSpec(objectAt(f.spec, 'spec') as unknown as LaunchInput) as ElasticSpec;
}

function timing(f: Fields): Pick<RdzvConfig, 'joinTimeoutMs' | 'lastCallMs' | 'nodeTimeoutMs'> {
  return {
    joinTimeoutMs: optInt(f, 'join_timeout_ms', { min: 0 }) ?? 600_000,
    lastCallMs: optInt(f, 'last_call_ms', { min: 0 }) ?? 30_000,
    nodeTimeoutMs: optInt(f, 'node_timeout_ms', { min: 500 }) ?? 15_000,
  };
}

/**
 * With `--auth` a rendezvous is its job's (same id, same grants): the first node to join (or the
 * launcher placing nodes) on a new id manages it; EDIT to join, beat, place and release, READ to look.
 */
const EDIT: RouteAuth = { resource: 'job', level: 'EDIT' };
const EDIT_OR_CREATE: RouteAuth = { resource: 'job', level: 'EDIT', orCreate: {} };

export function rendezvousRoutes(rdzv: RendezvousService, placement?: NodePlacement): JsonRoute[] {
  const post = (path: string, handler: JsonRoute['handler'], auth: RouteAuth = EDIT): JsonRoute => ({ methods: ['POST'], scope: 'absolute', path, auth, handler });
  const needPlacement = (): NodePlacement => {
    if (!placement) throw new InvalidParameter('this server has no agents domain: --executor agents is not available');
    return placement;
  };
  return [
    post(`${R}/:job_id/place`, async (f: Fields) => {
      const spec = validateSpec((f.spec && typeof f.spec === 'object' ? f.spec : {}) as unknown as LaunchInput);
      return needPlacement().place(reqString(f, 'job_id'), { min: spec.nnodes.min, max: spec.nnodes.max, nproc: spec.nprocPerNode, maxRestarts: spec.maxRestarts, ...timing(f) }, spec);
    }, { ...EDIT_OR_CREATE, compute: true }),
    post(`${R}/:job_id/release`, async (f: Fields) => ({ cancelled: await needPlacement().release(reqString(f, 'job_id')) })),
    post(`${R}/:job_id/join`, async (f: Fields) => {
      const min = reqInt(f, 'min_nodes', { min: 1 });
      const max = reqInt(f, 'max_nodes', { min: 1 });
      if (min > max) throw new InvalidParameter(`--nnodes MIN:MAX needs MIN <= MAX (got ${min}:${max})`);
      return rdzv.join(
        reqString(f, 'job_id'),
        {
          min,
          max,
          nproc: reqInt(f, 'nproc_per_node', { min: 1 }),
          maxRestarts: optInt(f, 'max_restarts', { min: 0 }) ?? 3,
          ...timing(f),
        },
        { nodeId: reqString(f, 'node_id'), host: reqString(f, 'host'), addr: reqString(f, 'addr'), port: reqInt(f, 'port', { min: 1, max: 65535 }) },
        joinSpec(f),
      );
    }, EDIT_OR_CREATE),
    post(`${R}/:job_id/checkpoint`, async (f: Fields) =>
      rdzv.checkpoint(reqString(f, 'job_id'), reqString(f, 'node_id'), { step: reqInt(f, 'step', { min: 0 }), path: reqString(f, 'path'), sha256: reqString(f, 'sha256') }),
    ),
    post(`${R}/:job_id/logs`, async (f: Fields) => {
      const files = (optArray(f, 'files') ?? []).slice(0, 1000).map((x, i) => {
        const o = objectAt(x, `files[${i}]`) as Fields;
        const stream = optEnum(o, 'stream', STREAMS);
        if (!stream) throw new InvalidParameter(`files[${i}].stream must be one of ${STREAMS.join(', ')}`);
        return { rank: reqInt(o, 'rank', { min: 0 }), stream, artifact_path: reqString(o, 'artifact_path') };
      });
      await rdzv.logs(reqString(f, 'job_id'), reqString(f, 'node_id'), reqInt(f, 'round', { min: 0 }), files);
      return {};
    }),
    post(`${R}/:job_id/heartbeat`, async (f: Fields) => {
      const workers = optEnum(f, 'workers', WORKERS);
      if (!workers) throw new InvalidParameter(`Missing value for required parameter 'workers' (one of ${WORKERS.join(', ')}).`);
      return rdzv.report(reqString(f, 'job_id'), {
        nodeId: reqString(f, 'node_id'),
        round: reqInt(f, 'round', { min: 0 }),
        workers,
        failure: f.failure === undefined || f.failure === null ? undefined : objectAt(f.failure, 'failure'),
        ranks: rankTimes(f.ranks),
      });
    }),
    post(`${R}/:job_id/leave`, async (f: Fields) => {
      return rdzv.leave(reqString(f, 'job_id'), reqString(f, 'node_id'), optString(f, 'reason')?.slice(0, 200) || undefined);
    }),
    { methods: ['GET'], scope: 'absolute', path: `${R}/:job_id`, auth: { resource: 'job', level: 'READ' }, handler: async (f: Fields) => ({ rendezvous: await rdzv.get(reqString(f, 'job_id')) }) },
  ];
}
