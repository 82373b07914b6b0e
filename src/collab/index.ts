/** @module Collaboration on runs: comments with author and time (notes and tags are tracking's). */
import type { Database } from '../store/index.js';
import type { Tracking } from '../tracking/index.js';
import { CommentsService } from './comments-service.js';
import { collabRoutes } from './routes.js';

export function createCollab(db: Database, tracking: Tracking) {
  const comments = new CommentsService(db, tracking);
  return { comments, routes: collabRoutes(comments) };
}
export { CommentsService, type Comment } from './comments-service.js';
