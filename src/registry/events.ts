import type { Executor } from '../store/index.js';

/**
 * @module Registry events. Services publish inside the transaction that makes the change, so an
 * event exists exactly when its change committed (the webhook outbox); delivery happens after.
 * Names follow MLflow 3.3+'s `<entity>.<action>` webhook events; `promotion.*` and the stage
 * transition are Trainyard's own.
 */
export const REGISTRY_EVENTS = [
  'registered_model.created',
  'model_version.created',
  'model_version_tag.set',
  'model_version_tag.deleted',
  'model_version_alias.created',
  'model_version_alias.deleted',
  'model_version.stage_transitioned',
  'promotion.requested',
  'promotion.approved',
  'promotion.rejected',
] as const;
export type RegistryEvent = (typeof REGISTRY_EVENTS)[number];

export interface EventSink {
  /** Records the event in `tx`; it is delivered once `tx` commits. */
  publish(tx: Executor, event: RegistryEvent, data: Record<string, unknown>): Promise<void>;
  /** Tells the deliverer there is new work (call after the commit). */
  wake(): void;
}
