import { InvalidParameter } from '../../core/errors.js';
import { optArray, optEnum, optInt, optString, reqString, type Fields } from '../../core/request-fields.js';
import type { JsonRoute } from '../../core/route.js';
import { WEBHOOK_STATUSES, type WebhookInput, type WebhooksService } from './webhooks-service.js';

function input(f: Fields): WebhookInput {
  const events = optArray(f, 'events');
  return {
    name: optString(f, 'name'),
    url: optString(f, 'url'),
    ...(events !== undefined ? { events } : {}),
    description: optString(f, 'description'),
    secret: optString(f, 'secret'),
    status: optEnum(f, 'status', WEBHOOK_STATUSES, { caseInsensitive: true }),
  };
}

/** MLflow 3.3+'s `/webhooks` endpoints (reference §3.3) and the native delivery log. */
export function webhookRoutes(webhooks: WebhooksService): JsonRoute[] {
  return [
    { methods: ['POST'], scope: 'mlflow', path: '/webhooks', handler: async (f, ctx) => {
      const i = input(f);
      if (!i.name) throw new InvalidParameter(`Missing value for required parameter 'name'.`);
      return { webhook: await webhooks.create(i, ctx) };
    } },
    { methods: ['GET'], scope: 'mlflow', path: '/webhooks', handler: async (f) => webhooks.list({ maxResults: optInt(f, 'max_results'), pageToken: optString(f, 'page_token') }) },
    { methods: ['GET'], scope: 'mlflow', path: '/webhooks/:webhook_id', handler: async (f) => ({ webhook: await webhooks.get(reqString(f, 'webhook_id')) }) },
    { methods: ['PATCH'], scope: 'mlflow', path: '/webhooks/:webhook_id', handler: async (f, ctx) => ({ webhook: await webhooks.update(reqString(f, 'webhook_id'), input(f), ctx) }) },
    { methods: ['DELETE'], scope: 'mlflow', path: '/webhooks/:webhook_id', handler: async (f, ctx) => {
      await webhooks.delete(reqString(f, 'webhook_id'), ctx);
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/webhooks/:webhook_id/test', handler: async (f, ctx) => webhooks.test(reqString(f, 'webhook_id'), f.event ?? undefined, ctx) },
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/webhooks/:webhook_id/deliveries', handler: async (f) =>
      webhooks.deliveries(reqString(f, 'webhook_id'), { maxResults: optInt(f, 'max_results'), status: optEnum(f, 'status', ['PENDING', 'DELIVERED', 'FAILED'] as const, { caseInsensitive: true }) }) },
  ];
}
