import { InvalidParameter } from '../core/errors.js';
import { optArray, optBool, optInt, optString, reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute } from '../core/route.js';
import type { Registry } from './index.js';
import { actorOf } from './routes.js';

const M = '/api/v1/models/:name';

function stringList(f: Fields, name: string): string[] {
  return (optArray(f, name) ?? []).map((x, i) => {
    if (typeof x !== 'string') throw new InvalidParameter(`Invalid value ${JSON.stringify(x)?.slice(0, 60)} for parameter '${name}[${i}]': expected a string.`);
    return x;
  });
}

/** `override_reason`, or `override: {reason}`; an empty reason is no override. */
function overrideReason(f: Fields): string | undefined {
  const direct = optString(f, 'override_reason');
  const nested = f.override && typeof f.override === 'object' ? optString(f.override as Fields, 'reason') : undefined;
  return direct || nested || undefined;
}

/**
 * Trainyard's registry endpoints beyond MLflow: version files, lineage (both directions), model
 * cards, promotion requests and reviews, policies (gates) and the audit log.
 */
export function nativeRegistryRoutes(r: Registry): JsonRoute[] {
  const { versions, lineage, promotions, policy, cards } = r;
  return [
    { methods: ['GET'], scope: 'absolute', path: `${M}/resolve`, auth: { resource: 'model', level: 'READ' }, handler: async (f) => {
      const { v } = await versions.resolveRef(reqString(f, 'name'), reqString(f, 'ref'));
      return { model_version: await versions.get(v.name, String(v.version)) };
    } },
    { methods: ['GET'], scope: 'absolute', path: `${M}/versions/:version/files`, auth: { resource: 'model', level: 'READ' }, handler: async (f) => {
      const res = await versions.files(reqString(f, 'name'), reqString(f, 'version'));
      return { storage_location: res.storage, files: res.files };
    } },
    { methods: ['GET'], scope: 'absolute', path: `${M}/versions/:version/lineage`, auth: { resource: 'model', level: 'READ' }, handler: async (f) => lineage.forVersion(reqString(f, 'name'), reqString(f, 'version')) },
    { methods: ['GET'], scope: 'absolute', path: `${M}/versions/:version/card`, auth: { resource: 'model', level: 'READ' }, handler: async (f) => cards.card(reqString(f, 'name'), reqString(f, 'version')) },
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/runs/:run_id/model-versions', auth: { resource: 'run', level: 'READ' }, handler: async (f) =>
      lineage.forRun(reqString(f, 'run_id'), { maxResults: optInt(f, 'max_results'), pageToken: optString(f, 'page_token') }) },

    // Promotion with review
    { methods: ['POST'], scope: 'absolute', path: `${M}/promotions`, auth: { resource: 'model', level: 'EDIT' }, handler: async (f, ctx) => ({
      request: await promotions.request(reqString(f, 'name'), {
        version: reqString(f, 'version'),
        alias: optString(f, 'alias'),
        stage: optString(f, 'stage'),
        comment: optString(f, 'comment'),
        evaluationReport: optString(f, 'evaluation_report') || undefined,
        archiveExisting: optBool(f, 'archive_existing_versions') ?? false,
        overrideReason: overrideReason(f),
      }, actorOf(f, ctx)),
    }) },
    { methods: ['GET'], scope: 'absolute', path: `${M}/promotions`, auth: { resource: 'model', level: 'READ' }, handler: async (f) =>
      promotions.list(reqString(f, 'name'), { status: optString(f, 'status'), maxResults: optInt(f, 'max_results'), pageToken: optString(f, 'page_token') }) },
    { methods: ['GET'], scope: 'absolute', path: `${M}/promotions/:request_id`, auth: { resource: 'model', level: 'READ' }, handler: async (f) => ({
      request: await promotions.get(reqString(f, 'name'), reqString(f, 'request_id')),
    }) },
    { methods: ['POST'], scope: 'absolute', path: `${M}/promotions/:request_id/approve`, auth: { resource: 'model', level: 'MANAGE' }, handler: async (f, ctx) => ({
      request: await promotions.approve(reqString(f, 'name'), reqString(f, 'request_id'), { comment: optString(f, 'comment'), overrideReason: overrideReason(f), selfApproval: { reason: optString(f, 'self_approval_reason'), admin: Boolean(ctx.isAdmin) } }, actorOf(f, ctx)),
    }) },
    { methods: ['POST'], scope: 'absolute', path: `${M}/promotions/:request_id/reject`, auth: { resource: 'model', level: 'MANAGE' }, handler: async (f, ctx) => ({
      request: await promotions.reject(reqString(f, 'name'), reqString(f, 'request_id'), { comment: optString(f, 'comment') }, actorOf(f, ctx)),
    }) },
    { methods: ['POST'], scope: 'absolute', path: `${M}/promotions/:request_id/cancel`, auth: { resource: 'model', level: 'EDIT' }, handler: async (f, ctx) => ({
      request: await promotions.cancel(reqString(f, 'name'), reqString(f, 'request_id'), { comment: optString(f, 'comment') }, actorOf(f, ctx)),
    }) },

    // Policy and audit
    { methods: ['GET'], scope: 'absolute', path: `${M}/policy`, auth: { resource: 'model', level: 'READ' }, handler: async (f) => ({ policy: await policy.get(reqString(f, 'name')) }) },
    { methods: ['PUT'], scope: 'absolute', path: `${M}/policy`, auth: { resource: 'model', level: 'MANAGE' }, handler: async (f, ctx) => ({
      policy: await policy.set(reqString(f, 'name'), {
        gates: stringList(f, 'gates'), targets: stringList(f, 'targets'), requireReview: optBool(f, 'require_review') ?? false,
      }, actorOf(f, ctx)),
    }) },
    { methods: ['GET'], scope: 'absolute', path: `${M}/audit`, auth: { resource: 'model', level: 'READ' }, handler: async (f) =>
      r.audit.list(reqString(f, 'name'), { maxResults: optInt(f, 'max_results'), pageToken: optString(f, 'page_token'), version: optString(f, 'version') }) },
  ];
}
