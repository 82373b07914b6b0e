import type { FastifyInstance } from 'fastify';
import { ArtifactLocations, ArtifactRoots, artifactProxyRoutes, openArtifactStore } from '../artifacts/index.js';
import { join } from 'node:path';
import type { JsonRoute } from '../core/route.js';
import type { Database } from '../store/index.js';
import { createRegistry, modelVersionArtifactRoutes, registeredVersionAt, registryRouteTable, withLoggedModelMetrics } from '../registry/index.js';
import { createTracking, experimentRootUnder, runArtifactRoutes, runEventRoutes, trackingRoutes, trackingUiRoutes } from '../tracking/index.js';
import { createCollab } from '../collab/index.js';
import { auditRoutes } from '../audit/index.js';
import { StudyService, tuningRoutes } from '../tuning/index.js';
import { ElasticJobRecord, JobLiveLogs, JobsService, jobEventRoutes, launchRoutes, NodePlacement, RendezvousService, rendezvousRoutes } from '../launch/index.js';
import { createPipelines, pipelineEventRoutes, type Pipelines } from '../pipelines/index.js';
import { createAgents } from '../agents/index.js';
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
export interface DomainOptions {
  home: string;
  artifacts?: string;
  serverUrl?: () => string | undefined;
  /**
   * A server's extra artifact roots (`--allowed-artifact-roots`): when given (even empty), local
   * artifact locations must lie inside the store's root or one of these. Absent (the embedded
   * SDK, the user's own process): no such limit.
   */
  allowedArtifactRoots?: string[];
  /** `--allow-private-webhooks`: webhooks may target loopback/private/link-local addresses. */
  allowPrivateWebhooks?: boolean;
}

export function createDomains(db: Database, opts: DomainOptions): Domains {
  const roots = opts.allowedArtifactRoots ? new ArtifactRoots([opts.artifacts || join(opts.home, 'artifacts'), ...opts.allowedArtifactRoots]) : undefined;
  const locations = new ArtifactLocations(openArtifactStore(opts.artifacts, { home: opts.home }), roots);
  const tracking = createTracking(db, { artifactRoots: roots });
  // The registry's lineage asks the pipelines domain about a pipeline run (created just below).
  let pipelinesRef: Pipelines | undefined;
  const registry = createRegistry(db, {
    tracking,
    locations,
    pipelineRuns: async (id) => (pipelinesRef ? pipelinesRef.service.runSummary(id) : null),
    ...(opts.allowPrivateWebhooks ? { allowPrivateWebhooks: true } : {}),
  });
  const tuning = new StudyService(db, { tracking });
  const collab = createCollab(db, tracking);
  const routes: JsonRoute[] = [];
  const jobs = new JobsService(db);
  const liveLogs = new JobLiveLogs(opts.home);
  // TypeScript pipeline steps get an SDK on these same routes, in-process (no HTTP hop).
  // Remote executors (Kubernetes pods) report to this server: its URL once it listens.
  // Agents drain the work queue; the `agents` pipeline executor finds them in the services.
  const agents = createAgents(db);
  const rdzv = new RendezvousService(db, Date.now, new ElasticJobRecord(db, tracking));
  const rendezvous = rendezvousRoutes(rdzv, new NodePlacement(agents.service, rdzv));
  const pipelines = createPipelines(db, { home: opts.home, trainyard: pipelineStepSdk(routes, locations), services: { agents: agents.service }, ...(opts.serverUrl ? { hostUrl: opts.serverUrl } : {}) });
  pipelinesRef = pipelines;
  routes.push(
    ...withLoggedModelMetrics(trackingRoutes(tracking), registry.loggedModels),
    ...registryRouteTable(registry),
    ...tuningRoutes(tuning),
    ...trackingUiRoutes(tracking),
    ...collab.routes,
    ...launchRoutes(jobs, liveLogs),
    ...rendezvous,
    ...pipelines.routes,
    ...agents.routes,
    ...auditRoutes(db),
  );
  return {
    routes,
    pipelines,
    plugins: [artifactProxyRoutes(locations.defaultStore, { experimentRootUnder: (path) => experimentRootUnder(db, path), registeredVersionAt: (path, op) => registeredVersionAt(db, path, op) }), runArtifactRoutes(tracking, locations, { registeredVersionAt: (path, op) => registeredVersionAt(db, path, op) }), modelVersionArtifactRoutes(registry.versions, locations), runEventRoutes(tracking), pipelineEventRoutes(pipelines.service), jobEventRoutes(jobs, liveLogs)],
    locations,
    close: async () => {
      await pipelines.close();
      agents.close();
      await registry.close();
      await locations.close();
    },
  };
}
