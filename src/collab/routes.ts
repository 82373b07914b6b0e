import { optString, reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute, RequestContext } from '../core/route.js';
import type { CommentsService } from './comments-service.js';

// With auth on, anyone who may read a run may discuss it (MLflow's READ); deleting is the author's
// own, checked in the service.
/** Anonymous while auth is off and the client names nobody; the acting user otherwise. */
export const ANONYMOUS = 'anonymous';
const actor = (ctx: RequestContext) => ctx.user ?? ANONYMOUS;
const runId = (f: Fields) => reqString(f, 'run_id');

/**
 * | GET | /api/v1/runs/:run_id/comments | | { comments: [{ id, run_id, author, body, created_at }] } |
 * | POST | /api/v1/runs/:run_id/comments | body | { comment } (author: the acting user) |
 * | DELETE | /api/v1/runs/:run_id/comments/:id | | {} (only the author) |
 */
export function collabRoutes(comments: CommentsService): JsonRoute[] {
  return [
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/runs/:run_id/comments', auth: { resource: 'run', level: 'READ' }, handler: async (f) => ({ comments: await comments.list(runId(f)) }) },
    { methods: ['POST'], scope: 'absolute', path: '/api/v1/runs/:run_id/comments', auth: { resource: 'run', level: 'READ' }, handler: async (f, ctx) => ({
      comment: await comments.add(runId(f), actor(ctx), optString(f, 'body') ?? ''),
    }) },
    { methods: ['DELETE'], scope: 'absolute', path: '/api/v1/runs/:run_id/comments/:id', auth: { resource: 'run', level: 'READ' }, handler: async (f, ctx) => {
      await comments.delete(runId(f), reqString(f, 'id'), actor(ctx));
      return {};
    } },
  ];
}
