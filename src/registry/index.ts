/**
 * @module The model registry: registered models, versions, aliases and stages (MLflow's API),
 * version sources with recorded digests, lineage, promotion with review and gates, the audit
 * log, webhooks, model cards and model packages.
 */
import type { ArtifactLocations } from '../artifacts/index.js';
import type { JsonRoute } from '../core/route.js';
import type { Database } from '../store/index.js';
import type { Tracking } from '../tracking/index.js';
import { AliasesService } from './aliases-service.js';
import { AuditService } from './audit-log.js';
import { CardService } from './card-service.js';
import { LineageService, type PipelineRunReader } from './lineage-service.js';
import { LoggedModelsService } from './logged-models/logged-models-service.js';
import { loggedModelRoutes, withLoggedModelMetrics } from './logged-models/logged-model-routes.js';
import { ModelsService } from './models-service.js';
import { nativeRegistryRoutes } from './native-routes.js';
import { PolicyService } from './policy-service.js';
import { PromotionService } from './promotion-service.js';
import { registryRoutes } from './routes.js';
import { SourceResolver } from './version-source.js';
import { VersionsService } from './versions-service.js';
import { DEFAULT_DISPATCHER_OPTIONS, dispatcherOptionsFromEnv, WebhookDispatcher, type DispatcherOptions } from './webhooks/webhook-dispatcher.js';
import { WebhookOutbox } from './webhooks/webhook-outbox.js';
import { webhookRoutes } from './webhooks/webhook-routes.js';
import { WebhooksService } from './webhooks/webhooks-service.js';

export interface RegistryOptions {
  tracking: Tracking;
  locations: ArtifactLocations;
  /** Webhook delivery tuning; default: the TRAINYARD_WEBHOOK_* environment, else built-in defaults. */
  webhooks?: Partial<DispatcherOptions>;
  /** The pipelines domain's view of its runs, so a version's lineage reaches the pipeline run and step. */
  pipelineRuns?: PipelineRunReader;
  /** `--allow-private-webhooks` (also TRAINYARD_WEBHOOK_ALLOW_PRIVATE=true). */
  allowPrivateWebhooks?: boolean;
}

export interface Registry {
  db: Database;
  models: ModelsService;
  versions: VersionsService;
  aliases: AliasesService;
  policy: PolicyService;
  promotions: PromotionService;
  lineage: LineageService;
  cards: CardService;
  audit: AuditService;
  webhooks: WebhooksService;
  loggedModels: LoggedModelsService;
  dispatcher: WebhookDispatcher;
  close(): Promise<void>;
}

/** Wires the registry to the store, the tracking slice (runs) and the artifact locations. */
export function createRegistry(db: Database, opts: RegistryOptions): Registry {
  const { tracking, locations } = opts;
  const outbox = new WebhookOutbox();
  const dispatcherOptions = { ...DEFAULT_DISPATCHER_OPTIONS, ...(opts.webhooks ?? dispatcherOptionsFromEnv()), ...(opts.allowPrivateWebhooks ? { allowPrivate: true } : {}) };
  const dispatcher = new WebhookDispatcher(db, dispatcherOptions);
  outbox.onWake(() => dispatcher.kick());
  const loggedModels = new LoggedModelsService(db, tracking, locations);
  const readRun = (runId: string) => tracking.runs.get(runId);
  const policy = new PolicyService(db, async (runId) => new Map((await readRun(runId)).data.metrics.map((m) => [m.key, m.value])));
  const sources = new SourceResolver({
    runArtifactUri: async (runId) => (await tracking.runs.row(db, runId)).artifact_uri,
    loggedModel: async (id) => {
      const m = await loggedModels.get(id);
      return { artifactUri: m.info.artifact_uri, ...(m.info.source_run_id ? { runId: m.info.source_run_id } : {}) };
    },
    registeredVersion: async (name, ref) => {
      const { v } = await versions.resolveRef(name, ref);
      return { storage: v.storage_location, ...(v.run_id ? { runId: v.run_id } : {}), ...(v.model_id ? { modelId: v.model_id } : {}) };
    },
  }, locations);
  const versions = new VersionsService(db, outbox, sources, policy);
  const lineage = new LineageService(versions, readRun, opts.pipelineRuns);
  dispatcher.start();
  return {
    db,
    models: new ModelsService(db, outbox),
    versions,
    aliases: new AliasesService(db, outbox, versions, policy),
    policy,
    promotions: new PromotionService(db, outbox, policy, sources),
    lineage,
    cards: new CardService(db, versions, lineage, locations),
    audit: new AuditService(db),
    webhooks: new WebhooksService(db, dispatcherOptions.timeoutMs, dispatcherOptions.allowPrivate),
    loggedModels,
    dispatcher,
    close: () => dispatcher.close(),
  };
}

/** Every registry route: MLflow's registry, logged models and webhooks, and the native ones. */
export function registryRouteTable(r: Registry): JsonRoute[] {
  return [...registryRoutes(r), ...nativeRegistryRoutes(r), ...webhookRoutes(r.webhooks), ...loggedModelRoutes(r.loggedModels)];
}

/**
 * Tracking's metric routes, extended so a metric logged with `model_id` also lands on that
 * logged model (reference §3.4). Apply to the tracking routes once, where domains are wired.
 */
export { withLoggedModelMetrics };
export { registryRoutes, nativeRegistryRoutes, webhookRoutes };
export * from './entities.js';
export { REGISTRY_EVENTS, type RegistryEvent } from './events.js';
export { parseGate, evaluateGates, type Gate, type GateResult } from './gates.js';
export { packageDigest, type Lineage, type PipelineLineage, type PipelineRunReader, type PipelineRunSummary } from './lineage-service.js';
export type { PromotionJson } from './promotion-service.js';
export type { PolicyJson } from './policy-service.js';
export type { AuditRecord } from './audit-log.js';
export { signPayload, verifySignature, SIGNATURE_HEADER, DELIVERY_ID_HEADER, TIMESTAMP_HEADER } from './webhooks/webhook-signature.js';
export type { WebhookJson } from './webhooks/webhooks-service.js';
export type { DispatcherOptions } from './webhooks/webhook-dispatcher.js';
export * from './package/index.js';
export { modelVersionArtifactRoutes } from './artifact-routes.js';
export { registeredVersionAt } from './protected-files.js';
