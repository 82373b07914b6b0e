import type { Fields } from './request-fields.js';

/**
 * @module A framework-free route description. Domains list their routes as data; the server binds
 * them to HTTP, so no domain imports the web framework.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestContext {
  /** The authenticated user, when auth is on. */
  user?: string;
  /** Base URL the client used, e.g. `http://127.0.0.1:5000`, for links in responses. */
  baseUrl: string;
}

export interface JsonRoute {
  methods: HttpMethod[];
  /**
   * `mlflow`: `path` is relative to `/api/2.0/mlflow` and `/ajax-api/2.0/mlflow` (both served);
   * `ajax`: only under `/ajax-api/2.0/mlflow`; `absolute`: `path` is the full path (native `/api/v1/...`).
   * Path parameters use `:name` and are merged into the fields.
   */
  scope: 'mlflow' | 'ajax' | 'absolute';
  path: string;
  /** Returns the JSON response body. */
  handler: (fields: Fields, ctx: RequestContext) => Promise<unknown>;
}

export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;
