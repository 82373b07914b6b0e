/** @module Tracking: experiments, runs, params, metrics, tags, dataset inputs and search. */
import type { ArtifactRoots } from '../artifacts/index.js';
import type { Database } from '../store/index.js';
import { ExperimentsService } from './experiments-service.js';
import { InputsService } from './inputs-service.js';
import { RunsService } from './runs-service.js';

export interface Tracking {
  db: Database;
  experiments: ExperimentsService;
  runs: RunsService;
  inputs: InputsService;
}

export function createTracking(db: Database, opts: { artifactRoots?: ArtifactRoots } = {}): Tracking {
  const experiments = new ExperimentsService(db, opts.artifactRoots);
  const runs = new RunsService(db, experiments);
  return { db, experiments, runs, inputs: new InputsService(db, runs) };
}

export { ExperimentsService, RunsService, InputsService };
export { searchRuns, searchRunsJson, type RunSearchInput } from './run-search.js';
export { metricHistory, metricHistoryBulk } from './metric-history.js';
export { bucketedSeries, sampledHistory, type Bucket } from './metric-series.js';
export { trackingRoutes } from './routes.js';
export { runArtifactRoutes } from './artifact-routes.js';
export type { Projection } from './run-loader.js';
export * from './entities.js';
export type { MetricPoint } from './metric-writer.js';
export { unpackChunk } from './metric-chunks.js';
// Search building blocks other domains (registry) reuse: the filter grammar, keyset pages, SQL comparisons.
export { afterPosition, decodePageToken, encodePageToken, orderByClause, positionColumns, queryFingerprint, readPosition, type SortKey, type Position } from './keyset.js';
export { compareColumn, type SqlPart } from './sql-compare.js';
export * from './search/index.js';
export { trackingUiRoutes } from './ui-routes.js';
export { runEventRoutes } from './run-events.js';
export { experimentRootUnder } from './artifact-roots.js';
