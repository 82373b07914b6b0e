import { newId } from '../../core/ids.js';
import type { Executor } from '../../store/index.js';
import type { EventSink, RegistryEvent } from '../events.js';

/**
 * @module The webhook outbox: publishing an event writes one delivery row per subscribed active
 * webhook, in the transaction of the change itself. A change that rolls back sends nothing; one
 * that commits is delivered even if the process dies right after (the dispatcher, in this or any
 * other replica, finds the row).
 */
export class WebhookOutbox implements EventSink {
  private waker: () => void = () => {};

  /** The dispatcher registers how to wake it. */
  onWake(fn: () => void): void {
    this.waker = fn;
  }

  async publish(tx: Executor, event: RegistryEvent, data: Record<string, unknown>): Promise<void> {
    const hooks = await tx.all<{ id: string; events: string }>("SELECT id, events FROM webhooks WHERE status = 'ACTIVE'");
    const subscribed = hooks.filter((h) => (JSON.parse(h.events) as string[]).includes(event));
    if (!subscribed.length) return;
    const now = Date.now();
    const payload = JSON.stringify(eventPayload(event, data, now));
    for (const h of subscribed) {
      await tx.run(
        "INSERT INTO webhook_deliveries (id, webhook_id, event, payload, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'PENDING', 0, ?, ?)",
        [newId('d-'), h.id, event, payload, now, now],
      );
    }
  }

  wake(): void {
    this.waker();
  }
}

/** The body receivers get: MLflow's `{entity, action, timestamp, data}` envelope. */
export function eventPayload(event: string, data: Record<string, unknown>, at: number) {
  const [entity, action] = event.split('.') as [string, string];
  return { entity, action, timestamp: new Date(at).toISOString(), data };
}
