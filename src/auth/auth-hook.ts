import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { Fields } from '../core/request-fields.js';
import type { PermissionLevel, RouteAuth } from '../core/route.js';
import type { AuthStore, StoredPermission, User } from './auth-store.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import { COMPUTE, isNativeKind, nativeResourceExists, pipelineRunTarget } from './native-resources.js';
import { sameToken, SessionStore, type Session } from './sessions.js';

const RANK: Record<StoredPermission, number> = { NO_PERMISSIONS: 0, READ: 1, EDIT: 2, MANAGE: 3 };

/** Routes that never need credentials: liveness and the version (the only exceptions). */
export const PUBLIC_PATHS = new Set(['/health', '/version']);

export interface AuthOptions {
  store: AuthStore;
  /** Permission a user has on a resource nobody granted them anything on (MLflow's default_permission). */
  defaultPermission: StoredPermission;
  /** Browser sessions (the UI's cookie); one on the same database when absent. */
  sessions?: SessionStore;
  /** Mark the session cookie Secure (the server is reached over https, `--public-url https://...`). */
  secureCookies?: boolean;
}

/** The header a cookie-authenticated write must carry, holding the session's CSRF token. */
export const CSRF_HEADER = 'x-trainyard-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Which field names a resource id by default, and which permission kind a resource maps to. */
const DEFAULT_FIELD: Record<string, string[]> = {
  experiment: ['experiment_id'],
  run: ['run_id', 'run_uuid'],
  model: ['name'],
  logged_model: ['model_id'],
  study: ['study'],
  pipeline_run: ['run'],
  pipeline_schedule: ['schedule'],
  job: ['job_id'],
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

export type AuthedRequest = FastifyRequest & {
  user?: string;
  authUser?: User;
  session?: Session;
  /** Which of these resources the (non-admin) caller may read; lists filter with it. */
  readable?: (kind: string, ids: string[]) => Promise<Set<string>>;
  /** Resources this request creates under an `orCreate` rule: the caller gets MANAGE once it succeeds. */
  creating?: { resource: string; ids: string[] };
};

/** The user named by an Authorization header (Basic: password or token as password; Bearer: token). */
async function authenticate(req: FastifyRequest, store: AuthStore, sessions: SessionStore): Promise<User | undefined> {
  const header = req.headers.authorization;
  if (!header) {
    // No Authorization header: the UI's session cookie, if any.
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    const session = secret ? await sessions.check(secret) : undefined;
    if (!session) return undefined;
    (req as AuthedRequest).session = session;
    return session.user;
  }
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
    return store.checkRequestPassword(username, password);
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
  if (resource === 'artifact_path') return artifactPathTarget(store, id);
  if (resource === 'logged_model') {
    const row = await store.db.one<{ experiment_id: number }>('SELECT experiment_id FROM logged_models WHERE model_id = ?', [id]);
    return row ? { kind: 'experiment', id: String(row.experiment_id) } : undefined;
  }
  if (resource === 'pipeline_run') return pipelineRunTarget(store.db, id);
  if (resource === 'grant_target') {
    // `/api/v1/permissions?resource=kind:id`: only Trainyard's own kinds (MLflow's have their own API).
    const i = id.indexOf(':');
    const kind = id.slice(0, i);
    return i > 0 && isNativeKind(kind) && i < id.length - 1 ? permissionTarget(store, kind, id.slice(i + 1)) : undefined;
  }
  if (resource === 'audit_target') {
    // `GET /api/v1/audit?target=kind:id`: reading a target's log needs READ on the target.
    const i = id.indexOf(':');
    return i > 0 ? permissionTarget(store, id.slice(0, i), id.slice(i + 1)) : undefined;
  }
  return { kind: resource, id };
}

/**
 * The experiment that owns a path in the server's artifact store (the mlflow-artifacts proxy):
 * the experiment whose `mlflow-artifacts:/...` root is the longest prefix of the path. MLflow's
 * basic-auth reads the experiment id from the first segment; matching the stored root also covers
 * experiments created with their own proxied location. A path no experiment owns is admins' only.
 */
async function artifactPathTarget(store: AuthStore, path: string): Promise<{ kind: string; id: string } | undefined> {
  const segments = path.split('/').filter(Boolean);
  if (!segments.length) return undefined;
  const roots = segments.slice(0, 8).map((_, i) => segments.slice(0, i + 1).join('/'));
  const candidates = roots.flatMap((r) => [`mlflow-artifacts:/${r}`, `mlflow-artifacts:///${r}`]);
  const rows = await store.db.all<{ experiment_id: number; artifact_location: string }>(
    `SELECT experiment_id, artifact_location FROM experiments WHERE artifact_location IN (${candidates.map(() => '?').join(', ')})`, candidates);
  const best = rows.sort((a, b) => b.artifact_location.length - a.artifact_location.length)[0];
  return best ? { kind: 'experiment', id: String(best.experiment_id) } : undefined;
}

/**
 * Authenticates every request and enforces the route's rule before its handler runs. Routes are
 * found through Fastify's route config, which JSON routes and plugin routes both carry; a route
 * without a rule is admin-only.
 */
export function installAuth(app: FastifyInstance, opts: AuthOptions, fieldsOf: (req: FastifyRequest) => Fields): void {
  const sessions = opts.sessions ?? new SessionStore(opts.store.db);
  app.addHook('preHandler', async (req) => {
    const url = req.routeOptions.url;
    if (url && PUBLIC_PATHS.has(url)) return;
    const rule = (req.routeOptions.config as { auth?: RouteAuth } | undefined)?.auth;
    if (rule && 'public' in rule) return;
    const user = await authenticate(req, opts.store, sessions);
    if (!user) throw new Unauthenticated();
    // A browser sends the cookie on cross-site requests too: a write must prove it came from our
    // own page by echoing the session's CSRF token, which another site cannot read.
    const session = (req as AuthedRequest).session;
    if (session && !SAFE_METHODS.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      if (!sameToken(typeof sent === 'string' ? sent : undefined, session.csrfToken)) {
        throw new Forbidden(`Permission denied: a write signed in by session cookie needs the session's CSRF token in the X-Trainyard-CSRF header (GET /api/v1/auth/session returns it).`);
      }
    }
    (req as AuthedRequest).user = user.username;
    (req as AuthedRequest).authUser = user;
    if (user.is_admin) return;
    const level = async (resource: string, id: string): Promise<StoredPermission> => {
      const target = await permissionTarget(opts.store, resource, id);
      // Compute is only what was granted: `--default-permission` opens resources to read, never the executors.
      const fallback = target?.kind === COMPUTE.kind ? 'NO_PERMISSIONS' : opts.defaultPermission;
      return target ? (await opts.store.effectivePermission(target.kind, target.id, user.id)) ?? fallback : fallback;
    };
    (req as AuthedRequest).readable = async (kind, candidates) => {
      const out = new Set<string>();
      for (const id of candidates) if (RANK[await level(kind, id)] >= RANK.READ) out.add(id);
      return out;
    };
    if (!rule || 'admin' in rule) throw new Forbidden(`Permission denied: ${req.method} ${url ?? req.url} is for admins.`);
    if (('compute' in rule && rule.compute) && RANK[(await opts.store.effectivePermission(COMPUTE.kind, COMPUTE.id, user.id)) ?? 'NO_PERMISSIONS'] < RANK.EDIT) {
      throw new Forbidden(
        `Permission denied: user '${user.username}' needs EDIT on compute '${COMPUTE.id}' to start commands on this server's executors or agents (${req.method} ${url ?? req.url}); ` +
          `an admin grants it: trainyard users grant ${user.username} --compute --permission EDIT, or POST /api/v1/permissions {"resource": "compute:server", "username": "${user.username}", "permission": "EDIT"}.`,
      );
    }
    if ('anyUser' in rule) return;
    const targets = ids(rule, fieldsOf(req));
    if (rule.orCreate) {
      // Creating what does not exist yet is open to any user (who will manage it); joining or
      // reusing an existing one needs the rule's level on it like any other route.
      const absent: string[] = [];
      for (const id of targets) if (!(await nativeResourceExists(opts.store.db, rule.resource, id))) absent.push(id);
      if (absent.length === targets.length) {
        (req as AuthedRequest).creating = { resource: rule.resource, ids: targets };
        return;
      }
    }
    if (!targets.length) throw new Forbidden(`Permission denied: the request names no ${rule.resource} to check ${rule.level} permission on.`);
    for (const id of targets) {
      // An artifact path no experiment owns belongs to nobody but the admins.
      if (rule.resource === 'artifact_path' && !(await permissionTarget(opts.store, rule.resource, id))) throw new Forbidden(`Permission denied: artifact path '${id.slice(0, 200)}' belongs to no experiment; only admins may touch it.`);
      if (rule.resource === 'grant_target' && !(await permissionTarget(opts.store, rule.resource, id))) throw new Forbidden(`Permission denied: '${id.slice(0, 200)}' is not a resource this API grants on (kinds: study, pipeline_run, pipeline_schedule, job, compute:server).`);
      const has = await level(rule.resource, id);
      if (RANK[has] < RANK[rule.level as PermissionLevel]) throw new Forbidden(`Permission denied: user '${user.username}' needs ${rule.level} on ${rule.resource} '${id}'.`);
    }
  });
  // The creator of an experiment / registered model / study manages it (MLflow's after-request hook).
  app.addHook('preSerialization', async (req, reply, payload) => {
    const rule = (req.routeOptions.config as { auth?: RouteAuth } | undefined)?.auth;
    const user = (req as AuthedRequest).authUser;
    const creating = (req as AuthedRequest).creating;
    if (user && rule && 'orCreate' in rule && rule.orCreate && creating && reply.statusCode < 300) {
      const made = creating.ids.length ? creating.ids : [rule.orCreate.id?.(payload)].filter((x): x is string => typeof x === 'string');
      // A name can be reused after a delete: the new resource starts with its creator's grant only.
      for (const id of made) await opts.store.resetGrants(creating.resource, id, user.id, 'MANAGE');
      return payload;
    }
    if (!user || !rule || !('anyUser' in rule) || !rule.creates || reply.statusCode >= 300) return payload;
    const id = rule.creates.id(payload);
    if (id !== undefined) await opts.store.grant(rule.creates.resource, id, user.id, 'MANAGE');
    return payload;
  });
}
