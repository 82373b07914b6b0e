import type { Fields } from './request-fields.js';

/**
 * @module A framework-free route description. Domains list their routes as data; the server binds
 * them to HTTP, so no domain imports the web framework.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestContext {
  /** The acting user: the authenticated one when auth is on, else the unverified X-Trainyard-User header. */
  user?: string;
  /** True when `user` was authenticated (auth on); false/absent when it is a client's claim. */
  authenticated?: boolean;
  /** True when the authenticated user is an admin (auth on only; an unverified caller is never one). */
  isAdmin?: boolean;
  /**
   * Auth on, caller not an admin: which of these resources (by permission kind, e.g. 'study',
   * 'pipeline_run', 'job') the caller may READ. Lists keep only those. Absent: the caller sees all.
   */
  readable?: (kind: string, ids: string[]) => Promise<Set<string>>;
  /** Base URL the client used, e.g. `http://127.0.0.1:5000`, for links in responses. */
  baseUrl: string;
  /** Aborted when the HTTP client goes away before its answer (a long poll stops waiting). */
  signal?: AbortSignal;
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
  /**
   * Who may call this route when the server runs with `--auth` (src/auth). A route without a rule
   * requires a signed-in admin, so a route nobody thought about is never open.
   */
  auth?: RouteAuth;
  /** Returns the JSON response body. */
  handler: (fields: Fields, ctx: RequestContext) => Promise<unknown>;
}

/**
 * The field holding a binary request body (a Buffer) where the server passed one through instead
 * of parsing JSON (the binary metric batch). A JSON body cannot produce a Buffer, so a route checks
 * `Buffer.isBuffer(fields[BINARY_BODY])`.
 */
export const BINARY_BODY = '$binary';

/**
 * A handler's answer already serialized as JSON (a search page whose runs the database wrote as
 * JSON): sent as is, as `application/json`, instead of through JSON.stringify.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;

/** MLflow's permission levels, weakest first (NO_PERMISSIONS grants nothing). */
export type PermissionLevel = 'READ' | 'EDIT' | 'MANAGE';

/**
 * A route's access rule, declared next to the route:
 * - `{ resource: 'experiment' | 'run' | 'model' | 'study', level }`: the caller needs `level` on the
 *   resource whose id `from(fields)` returns (default field: experiment_id, run_id, name, study);
 *   with `orCreate`, a resource that does not exist yet (or a request naming none) may be created by
 *   any signed-in user, who then gets MANAGE on it (on the ids named, else on `orCreate.id(result)`);
 * - `{ anyUser: true }`: any signed-in user (creating things, searches, one's own account);
 *   `creates` grants the creator MANAGE on what the response names (MLflow does the same);
 * - `{ admin: true }`: admins only (the same as declaring nothing);
 * - `{ public: true }`: no credentials (sign-in only).
 * `compute: true` on a resource or any-user rule: the route starts commands on the server's
 * executors or agents (a pipeline run, a resume, a schedule, an elastic job's placement), so the
 * caller also needs EDIT on `compute:server`, granted by an admin (never `--default-permission`).
 */
export type RouteAuth =
  | { resource: string; level: PermissionLevel; from?: (fields: Fields) => string | string[] | undefined; orCreate?: { id?: (result: any) => string | undefined }; compute?: true }
  | { anyUser: true; creates?: { resource: string; id: (result: any) => string | undefined }; compute?: true }
  | { admin: true }
  | { public: true };
