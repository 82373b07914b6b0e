import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * @module Webhook signatures, as MLflow 3.3+ signs them: HMAC-SHA256 with the webhook's secret
 * over `<delivery id>.<unix seconds>.<raw body>`, sent base64-encoded as `v1,<signature>` in
 * `X-MLflow-Signature`, with the id and time in their own headers. Binding the id and time into
 * the MAC lets a receiver reject replays (same id) and stale deliveries (old time).
 */
export const SIGNATURE_HEADER = 'X-MLflow-Signature';
export const DELIVERY_ID_HEADER = 'X-MLflow-Delivery-Id';
export const TIMESTAMP_HEADER = 'X-MLflow-Timestamp';

export function signPayload(secret: string, deliveryId: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${deliveryId}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * True when `header` carries a valid signature for the body (for receivers and tests).
 * @example verifySignature(secret, req.headers['x-mlflow-delivery-id'], Number(req.headers['x-mlflow-timestamp']), rawBody, req.headers['x-mlflow-signature'])
 */
export function verifySignature(secret: string, deliveryId: string, timestamp: number, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signPayload(secret, deliveryId, timestamp, body));
  // Several space-separated signatures are allowed (secret rotation); any valid one passes.
  return header.split(' ').some((candidate) => {
    const got = Buffer.from(candidate);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
