import type { FastifyInstance } from 'fastify';
import { ArtifactLocations, artifactProxyRoutes, openArtifactStore } from '../artifacts/index.js';
import type { JsonRoute } from '../core/route.js';
import type { Database } from '../store/index.js';
import { createRegistry, modelVersionArtifactRoutes, registryRouteTable, withLoggedModelMetrics } from '../registry/index.js';
import { createTracking, runArtifactRoutes, runEventRoutes, trackingRoutes, trackingUiRoutes } from '../tracking/index.js';
import { createCollab } from '../collab/index.js';
import { StudyService, tuningRoutes } from '../tuning/index.js';
import { JobsService, launchRoutes } from '../launch/index.js';
import { createPipelines, type Pipelines } from '../pipelines/index.js';
import { pipelineStepSdk } from './pipeline-step-sdk.js';

export interface Domains {
  /** JSON routes of every domain (served over HTTP, or called in-process by the embedded SDK). */
  routes: JsonRoute[];
  /** Streaming routes (artifacts) that need raw HTTP access. */
  plugins: ((app: FastifyInstance) => Promise<void> | void)[];
  locations: ArtifactLocations;
  /** The pipeline scheduler; the server calls `pipelines.scheduler.recover()` at start. */
  pipelines: Pipelines;
  close(): Promise<void>;
}

/**
 * Wires every domain to the store and the artifact store. The server serves the result over
 * HTTP; the embedded SDK calls the same routes in-process. This is the one place that knows the
 * list of domains: add a new domain's routes here.
 */
export function createDomains(db: Database, opts: { home: string; artifacts?: string; serverUrl?: () => string | undefined }): Domains {
  const locations = new ArtifactLocations(openArtifactStore(opts.artifacts, { home: opts.home }));
  const tracking = createTracking(db);
  // The registry's lineage asks the pipelines domain about a pipeline run (created just below).
  let pipelinesRef: Pipelines | undefined;
  const registry = createRegistry(db, { tracking, locations, pipelineRuns: async (id) => (pipelinesRef ? pipelinesRef.service.runSummary(id) : null) });
  const tuning = new StudyService(db, { tracking });
  const collab = createCollab(db, tracking);
  const routes: JsonRoute[] = [];
  // TypeScript pipeline steps get an SDK on these same routes, in-process (no HTTP hop).
  // Remote executors (Kubernetes pods) report to this server: its URL once it listens.
  const pipelines = createPipelines(db, { home: opts.home, trainyard: pipelineStepSdk(routes, locations), ...(opts.serverUrl ? { hostUrl: opts.serverUrl } : {}) });
  pipelinesRef = pipelines;
  routes.push(
    ...withLoggedModelMetrics(trackingRoutes(tracking), registry.loggedModels),
    ...registryRouteTable(registry),
    ...tuningRoutes(tuning),
    ...trackingUiRoutes(tracking),
    ...collab.routes,
    ...launchRoutes(new JobsService(db)),
    ...pipelines.routes,
  );
  return {
    routes,
    pipelines,
    plugins: [artifactProxyRoutes(locations.defaultStore), runArtifactRoutes(tracking, locations), modelVersionArtifactRoutes(registry.versions, locations), runEventRoutes(tracking)],
    locations,
    close: async () => {
      await pipelines.close();
      await registry.close();
      await locations.close();
    },
  };
}
