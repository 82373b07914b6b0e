import { InvalidParameter, NotFound } from '../core/errors.js';
import { optString, reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute } from '../core/route.js';
import { PERMISSIONS, type AuthStore, type StoredPermission } from './auth-store.js';
import { COMPUTE, isNativeKind, NATIVE_RESOURCE_KINDS, pipelineRunTarget } from './native-resources.js';
import type { TeamStore } from './team-store.js';

/**
 * Grants on Trainyard's own resources (studies, pipeline runs, schedules, jobs), for whoever
 * MANAGEs one: MLflow's experiment-permission API has no place for them, so one native route
 * takes `resource: "<kind>:<id>"` (e.g. `study:churn-tpe`, `job:job-3f2a`, or `compute:server`,
 * the right to start runs on this server's executors and agents) and a `username` or a `team`.
 *
 * | Method | Path | Body / query | Answer |
 * |---|---|---|---|
 * | GET | /api/v1/permissions | resource | { permissions: [{ username? , team?, permission }] } |
 * | POST | /api/v1/permissions | resource, username or team, permission | { permission } |
 * | DELETE | /api/v1/permissions | resource, username or team | {} |
 */
export function nativePermissionRoutes(users: AuthStore, teams: TeamStore): JsonRoute[] {
  const rule = { resource: 'grant_target', level: 'MANAGE' as const, from: (f: Fields) => (typeof f.resource === 'string' ? f.resource : undefined) };
  /** The kind and id grants are stored under (a run a schedule fired is the schedule's). */
  const target = async (f: Fields): Promise<{ kind: string; id: string }> => {
    const ref = reqString(f, 'resource');
    if (ref.length > 1000) throw new InvalidParameter(`Invalid value for parameter 'resource': at most 1000 characters (got ${ref.length}).`);
    const i = ref.indexOf(':');
    const kind = ref.slice(0, Math.max(i, 0));
    if (i <= 0 || !isNativeKind(kind) || i === ref.length - 1) {
      throw new InvalidParameter(`Invalid value for parameter 'resource': expected '<kind>:<id>' with kind one of ${NATIVE_RESOURCE_KINDS.join(', ')}.`);
    }
    const id = ref.slice(i + 1);
    if (kind === COMPUTE.kind && id !== COMPUTE.id) throw new InvalidParameter(`Invalid value for parameter 'resource': compute is granted as 'compute:${COMPUTE.id}' (this server's executors and agents).`);
    return kind === 'pipeline_run' ? pipelineRunTarget(users.db, id) : { kind, id };
  };
  const principal = (f: Fields): { username: string } | { team: string } => {
    const username = optString(f, 'username');
    const team = optString(f, 'team');
    if (Boolean(username) === Boolean(team)) throw new InvalidParameter(`Give 'username' or 'team' (one of them).`);
    return username ? { username } : { team: team! };
  };
  return [
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/permissions', auth: rule, handler: async (f) => {
      const t = await target(f);
      const rows = await users.db.all<{ principal_kind: string; username: string | null; team: string | null; permission: string }>(
        `SELECT p.principal_kind, u.username, t.name AS team, p.permission FROM auth_permissions p
         LEFT JOIN auth_users u ON p.principal_kind = 'user' AND u.id = p.principal_id
         LEFT JOIN auth_teams t ON p.principal_kind = 'team' AND t.id = p.principal_id
         WHERE p.resource_kind = ? AND p.resource_id = ? ORDER BY p.principal_kind DESC, u.username, t.name`, [t.kind, t.id]);
      return { permissions: rows.map((r) => (r.principal_kind === 'user' ? { username: r.username, permission: r.permission } : { team: r.team, permission: r.permission })) };
    } },
    { methods: ['POST'], scope: 'absolute', path: '/api/v1/permissions', auth: rule, handler: async (f) => {
      const t = await target(f);
      const who = principal(f);
      const permission = reqString(f, 'permission').toUpperCase() as StoredPermission;
      if (!PERMISSIONS.includes(permission)) throw new InvalidParameter(`Invalid value for parameter 'permission': expected one of ${PERMISSIONS.join(', ')}`);
      if ('username' in who) await users.grant(t.kind, t.id, (await users.requireUser(who.username)).id, permission);
      else await teams.grant(who.team, t.kind, t.id, permission);
      return { permission: { resource: `${t.kind}:${t.id}`, ...who, permission } };
    } },
    { methods: ['DELETE'], scope: 'absolute', path: '/api/v1/permissions', auth: rule, handler: async (f) => {
      const t = await target(f);
      const who = principal(f);
      if ('team' in who) await teams.revoke(who.team, t.kind, t.id);
      else if (!(await users.revoke(t.kind, t.id, (await users.requireUser(who.username)).id))) throw new NotFound(`User '${who.username}' has no permission on ${t.kind} '${t.id}'.`);
      return {};
    } },
  ];
}
