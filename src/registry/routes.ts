import { InvalidParameter } from '../core/errors.js';
import { optBool, optInt, optKeyValues, optString, optStringArray, reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute, RequestContext } from '../core/route.js';
import type { Registry } from './index.js';

/**
 * Who is acting: the authenticated user when auth is on, else the `user` field the client sent
 * (or the X-Trainyard-User header, which the server maps to the same place).
 */
export function actorOf(f: Fields, ctx: RequestContext): string | undefined {
  return ctx.user || optString(f, 'user') || undefined;
}

/** MLflow requires this boolean; a missing one is a 400 (its proto marks it required). */
function reqBool(f: Fields, name: string): boolean {
  const v = optBool(f, name);
  if (v === undefined) throw new InvalidParameter(`Missing value for required parameter '${name}'.`);
  return v;
}

/** Every model registry endpoint of reference §3.3 (webhooks are in webhook-routes.ts). */
export function registryRoutes(r: Registry): JsonRoute[] {
  const { models, versions, aliases } = r;
  const searchModels = async (f: Fields) => models.search({
    filter: optString(f, 'filter'), orderBy: optStringArray(f, 'order_by'), maxResults: optInt(f, 'max_results'), pageToken: optString(f, 'page_token'),
  });
  const searchVersions = async (f: Fields) => versions.search({
    filter: optString(f, 'filter'), orderBy: optStringArray(f, 'order_by'), maxResults: optInt(f, 'max_results'), pageToken: optString(f, 'page_token'),
  });
  return [
    // Registered models
    { methods: ['POST'], scope: 'mlflow', path: '/registered-models/create', auth: { anyUser: true, creates: { resource: 'model', id: (r) => r?.registered_model?.name } }, handler: async (f, ctx) => ({
      registered_model: await models.create({ name: reqString(f, 'name'), description: optString(f, 'description'), tags: optKeyValues(f, 'tags'), userId: actorOf(f, ctx) }),
    }) },
    { methods: ['GET'], scope: 'mlflow', path: '/registered-models/get', auth: { resource: 'model', level: 'READ' }, handler: async (f) => ({ registered_model: await models.get(reqString(f, 'name')) }) },
    { methods: ['POST'], scope: 'mlflow', path: '/registered-models/rename', auth: { resource: 'model', level: 'MANAGE' }, handler: async (f) => ({
      registered_model: await models.rename(reqString(f, 'name'), reqString(f, 'new_name')),
    }) },
    { methods: ['PATCH'], scope: 'mlflow', path: '/registered-models/update', auth: { resource: 'model', level: 'EDIT' }, handler: async (f) => ({
      registered_model: await models.update(reqString(f, 'name'), optString(f, 'description')),
    }) },
    { methods: ['DELETE'], scope: 'mlflow', path: '/registered-models/delete', auth: { resource: 'model', level: 'MANAGE' }, handler: async (f) => {
      await models.delete(reqString(f, 'name'));
      return {};
    } },
    { methods: ['GET', 'POST'], scope: 'mlflow', path: '/registered-models/search', auth: { anyUser: true }, handler: searchModels },
    { methods: ['POST', 'GET'], scope: 'mlflow', path: '/registered-models/get-latest-versions', auth: { resource: 'model', level: 'READ' }, handler: async (f) => ({
      model_versions: await versions.latestVersions(reqString(f, 'name'), optStringArray(f, 'stages')),
    }) },
    { methods: ['POST'], scope: 'mlflow', path: '/registered-models/set-tag', auth: { resource: 'model', level: 'EDIT' }, handler: async (f) => {
      await models.setTag(reqString(f, 'name'), reqString(f, 'key'), optString(f, 'value') ?? '');
      return {};
    } },
    { methods: ['DELETE'], scope: 'mlflow', path: '/registered-models/delete-tag', auth: { resource: 'model', level: 'EDIT' }, handler: async (f) => {
      await models.deleteTag(reqString(f, 'name'), reqString(f, 'key'));
      return {};
    } },

    // Aliases
    { methods: ['POST'], scope: 'mlflow', path: '/registered-models/alias', auth: { resource: 'model', level: 'EDIT' }, handler: async (f, ctx) => {
      await aliases.set(reqString(f, 'name'), reqString(f, 'alias'), reqString(f, 'version'), actorOf(f, ctx));
      return {};
    } },
    { methods: ['DELETE'], scope: 'mlflow', path: '/registered-models/alias', auth: { resource: 'model', level: 'EDIT' }, handler: async (f, ctx) => {
      await aliases.delete(reqString(f, 'name'), reqString(f, 'alias'), actorOf(f, ctx));
      return {};
    } },
    { methods: ['GET'], scope: 'mlflow', path: '/registered-models/alias', auth: { resource: 'model', level: 'READ' }, handler: async (f) => ({
      model_version: await aliases.get(reqString(f, 'name'), reqString(f, 'alias')),
    }) },

    // Model versions
    { methods: ['POST'], scope: 'mlflow', path: '/model-versions/create', auth: { resource: 'model', level: 'EDIT' }, handler: async (f, ctx) => ({
      model_version: await versions.create({
        name: reqString(f, 'name'),
        source: reqString(f, 'source'),
        runId: optString(f, 'run_id') || undefined,
        modelId: optString(f, 'model_id') || undefined,
        tags: optKeyValues(f, 'tags'),
        runLink: optString(f, 'run_link') || undefined,
        description: optString(f, 'description'),
        userId: actorOf(f, ctx),
      }),
    }) },
    { methods: ['GET'], scope: 'mlflow', path: '/model-versions/get', auth: { resource: 'model', level: 'READ' }, handler: async (f) => ({
      model_version: await versions.get(reqString(f, 'name'), reqString(f, 'version')),
    }) },
    { methods: ['PATCH'], scope: 'mlflow', path: '/model-versions/update', auth: { resource: 'model', level: 'EDIT' }, handler: async (f) => ({
      model_version: await versions.update(reqString(f, 'name'), reqString(f, 'version'), optString(f, 'description')),
    }) },
    { methods: ['POST'], scope: 'mlflow', path: '/model-versions/transition-stage', auth: { resource: 'model', level: 'EDIT' }, handler: async (f, ctx) => ({
      model_version: await versions.transitionStage(reqString(f, 'name'), reqString(f, 'version'), reqString(f, 'stage'), reqBool(f, 'archive_existing_versions'), actorOf(f, ctx)),
    }) },
    { methods: ['DELETE'], scope: 'mlflow', path: '/model-versions/delete', auth: { resource: 'model', level: 'MANAGE' }, handler: async (f) => {
      await versions.delete(reqString(f, 'name'), reqString(f, 'version'));
      return {};
    } },
    { methods: ['GET', 'POST'], scope: 'mlflow', path: '/model-versions/search', auth: { anyUser: true }, handler: searchVersions },
    { methods: ['GET'], scope: 'mlflow', path: '/model-versions/get-download-uri', auth: { resource: 'model', level: 'READ' }, handler: async (f) => ({
      artifact_uri: await versions.downloadUri(reqString(f, 'name'), reqString(f, 'version')),
    }) },
    { methods: ['POST'], scope: 'mlflow', path: '/model-versions/set-tag', auth: { resource: 'model', level: 'EDIT' }, handler: async (f) => {
      await versions.setTag(reqString(f, 'name'), reqString(f, 'version'), reqString(f, 'key'), optString(f, 'value') ?? '');
      return {};
    } },
    { methods: ['DELETE'], scope: 'mlflow', path: '/model-versions/delete-tag', auth: { resource: 'model', level: 'EDIT' }, handler: async (f) => {
      await versions.deleteTag(reqString(f, 'name'), reqString(f, 'version'), reqString(f, 'key'));
      return {};
    } },
  ];
}
