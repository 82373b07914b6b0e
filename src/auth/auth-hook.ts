import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { Fields } from '../core/request-fields.js';
import type { PermissionLevel, RouteAuth } from '../core/route.js';
import type { AuthStore, StoredPermission, User } from './auth-store.js';

const RANK: Record<StoredPermission, number> = { NO_PERMISSIONS: 0, READ: 1, EDIT: 2, MANAGE: 3 };

/** Routes that never need credentials: liveness and the version (the only exceptions). */
export const PUBLIC_PATHS = new Set(['/health', '/version']);

export interface AuthOptions {
  store: AuthStore;
  /** Permission a user has on a resource nobody granted them anything on (MLflow's default_permission). */
  defaultPermission: StoredPermission;
}

/** Which field names a resource id by default, and which permission kind a resource maps to. */
const DEFAULT_FIELD: Record<string, string[]> = {
  experiment: ['experiment_id'],
  run: ['run_id', 'run_uuid'],
  model: ['name'],
  logged_model: ['model_id'],
  study: ['study'],
};

class Unauthenticated extends AppError {
  constructor() {
    super('UNAUTHENTICATED', 'Authentication required: send HTTP Basic credentials or a bearer token (MLFLOW_TRACKING_USERNAME/PASSWORD, MLFLOW_TRACKING_TOKEN or TRAINYARD_TOKEN).');
  }
}
class Forbidden extends AppError {
  constructor(message: string) {
    super('PERMISSION_DENIED', message);
  }
}

export type AuthedRequest = FastifyRequest & { user?: string; authUser?: User };

/** The user named by an Authorization header (Basic: password or token as password; Bearer: token). */
async function authenticate(req: FastifyRequest, store: AuthStore): Promise<User | undefined> {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (/^bearer$/i.test(scheme ?? '')) return store.checkToken(value.trim());
  if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    const username = decoded.slice(0, i);
    const password = decoded.slice(i + 1);
    if (password.startsWith('ty_')) {
      const byToken = await store.checkToken(password);
      if (byToken && byToken.username === username) return byToken;
    }
    return store.checkPassword(username, password);
  }
  return undefined;
}

function ids(rule: Extract<RouteAuth, { resource: string }>, fields: Fields): string[] {
  if (rule.from) {
    const v = rule.from(fields);
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }
  for (const name of DEFAULT_FIELD[rule.resource] ?? []) {
    const v = fields[name];
    if (typeof v === 'string' || typeof v === 'number') return [String(v)];
    if (Array.isArray(v)) return v.map(String);
  }
  return [];
}

/** Maps a resource reference to the kind and id permissions are stored under. */
async function permissionTarget(store: AuthStore, resource: string, id: string): Promise<{ kind: string; id: string } | undefined> {
  if (resource === 'run') {
    const row = await store.db.one<{ experiment_id: number }>('SELECT experiment_id FROM runs WHERE run_uuid = ?', [id]);
    return row ? { kind: 'experiment', id: String(row.experiment_id) } : undefined;
  }
  if (resource === 'experiment_name') {
    const row = await store.db.one<{ experiment_id: number }>("SELECT experiment_id FROM experiments WHERE name = ? ORDER BY CASE lifecycle_stage WHEN 'active' THEN 0 ELSE 1 END", [id]);
    return row ? { kind: 'experiment', id: String(row.experiment_id) } : undefined;
  }
  if (resource === 'logged_model') {
    const row = await store.db.one<{ experiment_id: number }>('SELECT experiment_id FROM logged_models WHERE model_id = ?', [id]);
    return row ? { kind: 'experiment', id: String(row.experiment_id) } : undefined;
  }
  if (resource === 'audit_target') {
    // `GET /api/v1/audit?target=kind:id`: reading a target's log needs READ on the target.
    const i = id.indexOf(':');
    return i > 0 ? permissionTarget(store, id.slice(0, i), id.slice(i + 1)) : undefined;
  }
  return { kind: resource, id };
}

/**
 * Authenticates every request and enforces the route's rule before its handler runs. Routes are
 * found through Fastify's route config, which JSON routes and plugin routes both carry; a route
 * without a rule is admin-only.
 */
export function installAuth(app: FastifyInstance, opts: AuthOptions, fieldsOf: (req: FastifyRequest) => Fields): void {
  app.addHook('preHandler', async (req) => {
    const url = req.routeOptions.url;
    if (url && PUBLIC_PATHS.has(url)) return;
    const rule = (req.routeOptions.config as { auth?: RouteAuth } | undefined)?.auth;
    if (rule && 'public' in rule) return;
    const user = await authenticate(req, opts.store);
    if (!user) throw new Unauthenticated();
    (req as AuthedRequest).user = user.username;
    (req as AuthedRequest).authUser = user;
    if (user.is_admin) return;
    if (!rule || 'admin' in rule) throw new Forbidden(`Permission denied: ${req.method} ${url ?? req.url} is for admins.`);
    if ('anyUser' in rule) return;
    const targets = ids(rule, fieldsOf(req));
    if (!targets.length) throw new Forbidden(`Permission denied: the request names no ${rule.resource} to check ${rule.level} permission on.`);
    for (const id of targets) {
      const target = await permissionTarget(opts.store, rule.resource, id);
      const has = target ? (await opts.store.permission(target.kind, target.id, user.id)) ?? opts.defaultPermission : opts.defaultPermission;
      if (RANK[has] < RANK[rule.level as PermissionLevel]) throw new Forbidden(`Permission denied: user '${user.username}' needs ${rule.level} on ${rule.resource} '${id}'.`);
    }
  });
  // The creator of an experiment / registered model / study manages it (MLflow's after-request hook).
  app.addHook('preSerialization', async (req, reply, payload) => {
    const rule = (req.routeOptions.config as { auth?: RouteAuth } | undefined)?.auth;
    const user = (req as AuthedRequest).authUser;
    if (!user || !rule || !('anyUser' in rule) || !rule.creates || reply.statusCode >= 300) return payload;
    const id = rule.creates.id(payload);
    if (id !== undefined) await opts.store.grant(rule.creates.resource, id, user.id, 'MANAGE');
    return payload;
  });
}
