/**
 * @module Distributed training launch: a job spec, the single-machine supervisor (torchrun's
 * worker environment, restarts from checkpoints, hang and straggler detection, no orphans), the
 * jobs service and its HTTP routes, and config writers for DDP, FSDP, DeepSpeed, pipeline
 * parallelism and Horovod.
 *
 * @example
 * import { launchJob } from './launch/index.js';
 * const result = await launchJob(connection, { command: ['train.py', '--epochs', '5'], nprocPerNode: 2, maxRestarts: 3, python: '/usr/bin/python3' }, { home });
 */
export { validateSpec, parseNodeRange, type LaunchSpec, type LaunchInput, type NodeRange } from './job-spec.js';
export { JobsService, SUPERVISOR_STALE_MS, type Job, type JobEvent } from './jobs-service.js';
export { launchRoutes } from './routes.js';
export { jobEventRoutes } from './event-routes.js';
export { JobLiveLogs, LIVE_LOG_MAX_BYTES, type LiveLogChunk } from './live-logs.js';
export { RendezvousService, ElasticJobRecord, type NodeAnswer, rendezvousRoutes, NodePlacement, LAUNCH_NODE_KIND, type LaunchNodePayload, type NodeView, type RdzvState } from './rendezvous/index.js';
export { launchJob, type LaunchOptions, type LaunchResult } from './launch-job.js';
export { Supervisor, PYTHON_DIR, type JobOutcome, type SuperviseOptions } from './supervisor.js';
export { JOB_STATES, TERMINAL, type JobState, type JobRecorder, type CheckpointInfo } from './recorder.js';
export { pidsWithEnv } from './process-tree.js';
export { runNode, defaultNodeAddr, type NodeOptions, type NodeOutcome } from './node-launcher.js';
export { preflight } from './preflight.js';
export { workerEnv } from './worker-env.js';
export type { ApiCaller } from './api-recorder.js';
export * from './strategies/index.js';
// Kubernetes (src/launch/kubernetes/index.ts) is imported on its own: @kubernetes/client-node is heavy and only that path needs it.
