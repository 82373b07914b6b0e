/**
 * @module The environment each worker gets: torchrun's contract (distributed-anchors.md 1.4), so
 * any script using `init_process_group(init_method="env://")` runs unchanged, plus Trainyard's own.
 */
export interface GroupPlacement {
  jobId: string;
  /** Unique per supervisor session: the reaper kills by it, never a later session's workers. */
  nonce: string;
  masterAddr: string;
  masterPort: number;
  groupRank: number;
  groupWorldSize: number;
  nprocPerNode: number;
  restartCount: number;
  maxRestarts: number;
}

export interface RankFiles {
  heartbeat: string;
  error: string;
  metrics: string;
}

export interface TrainyardVars {
  runId?: string;
  checkpointDir: string;
  trackingUri?: string;
  resumeFrom?: string;
  pythonPath: string[];
}

export function workerEnv(base: NodeJS.ProcessEnv, p: GroupPlacement, localRank: number, files: RankFiles, ty: TrainyardVars, overrides: Record<string, string>): NodeJS.ProcessEnv {
  const rank = p.groupRank * p.nprocPerNode + localRank;
  const worldSize = p.groupWorldSize * p.nprocPerNode;
  const env: NodeJS.ProcessEnv = {
    ...base,
    RANK: String(rank),
    LOCAL_RANK: String(localRank),
    WORLD_SIZE: String(worldSize),
    LOCAL_WORLD_SIZE: String(p.nprocPerNode),
    GROUP_RANK: String(p.groupRank),
    GROUP_WORLD_SIZE: String(p.groupWorldSize),
    ROLE_NAME: 'default',
    ROLE_RANK: String(rank),
    ROLE_WORLD_SIZE: String(worldSize),
    MASTER_ADDR: p.masterAddr,
    MASTER_PORT: String(p.masterPort),
    TORCHELASTIC_RESTART_COUNT: String(p.restartCount),
    TORCHELASTIC_MAX_RESTARTS: String(p.maxRestarts),
    TORCHELASTIC_RUN_ID: p.jobId,
    TORCHELASTIC_USE_AGENT_STORE: 'False',
    TORCHELASTIC_ERROR_FILE: files.error + '.torchelastic.json',
    NCCL_ASYNC_ERROR_HANDLING: '1',
    PYTHONUNBUFFERED: '1',
    TRAINYARD_JOB_ID: p.jobId,
    TRAINYARD_LAUNCH_NONCE: p.nonce,
    TRAINYARD_CHECKPOINT_DIR: ty.checkpointDir,
    TRAINYARD_HEARTBEAT_FILE: files.heartbeat,
    TRAINYARD_ERROR_FILE: files.error,
    TRAINYARD_METRICS_FILE: files.metrics,
    PYTHONPATH: [...ty.pythonPath, base.PYTHONPATH].filter(Boolean).join(':'),
  };
  // torchrun sets 1 thread per worker when several share a node (they would oversubscribe cores).
  if (p.nprocPerNode > 1 && base.OMP_NUM_THREADS === undefined) env.OMP_NUM_THREADS = '1';
  if (ty.runId) env.TRAINYARD_RUN_ID = ty.runId;
  if (ty.resumeFrom) env.TRAINYARD_RESUME_FROM = ty.resumeFrom;
  if (ty.trackingUri) {
    env.TRAINYARD_TRACKING_URI = ty.trackingUri;
    if (/^https?:/.test(ty.trackingUri) && ty.runId) {
      env.MLFLOW_TRACKING_URI = ty.trackingUri;
      env.MLFLOW_RUN_ID = ty.runId;
    }
  }
  delete env._TRAINYARD_HOOKED;
  return { ...env, ...overrides };
}
