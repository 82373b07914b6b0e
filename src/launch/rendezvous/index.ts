/** @module Elastic multi-node rendezvous: state machine, store-backed service, HTTP routes. */
export { RendezvousService, type NodeAnswer } from './service.js';
export { ElasticJobRecord } from './elastic-job.js';
export { rendezvousRoutes } from './routes.js';
export type { NodeView, RdzvState, RdzvNode, RdzvConfig, HistoryEntry, WorkersState, RankTime } from './state.js';
export { NodePlacement, LAUNCH_NODE_KIND, type LaunchNodePayload } from './placement.js';
