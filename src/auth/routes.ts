import { NotFound, AppError } from '../core/errors.js';
import { optBool, optInt, optString, reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute, RequestContext } from '../core/route.js';
import { PERMISSIONS, type AuthStore, type StoredPermission, type User } from './auth-store.js';

/**
 * MLflow's auth REST API (`mlflow.server.auth.client.AuthServiceClient`): users, and
 * per-experiment / per-registered-model permissions; plus the caller's own account and tokens.
 */
export function authRoutes(store: AuthStore): JsonRoute[] {
  const me = async (ctx: RequestContext): Promise<User> => store.requireUser(ctx.user ?? '');
  const selfOrAdmin = async (ctx: RequestContext, username: string) => {
    const u = await me(ctx);
    if (!u.is_admin && u.username !== username) throw new AppError('PERMISSION_DENIED', `Permission denied: only an admin or '${username}' may do this.`);
  };
  const userJson = async (u: User) => {
    const perms = await store.permissionsOf(u.id);
    return {
      id: u.id, username: u.username, is_admin: u.is_admin,
      experiment_permissions: perms.filter((p) => p.resource_kind === 'experiment').map((p) => ({ experiment_id: p.resource_id, user_id: u.id, permission: p.permission })),
      registered_model_permissions: perms.filter((p) => p.resource_kind === 'model').map((p) => ({ name: p.resource_id, user_id: u.id, permission: p.permission })),
    };
  };
  const permission = (f: Fields) => reqString(f, 'permission').toUpperCase() as StoredPermission;
  const kinds = [
    { path: '/experiments/permissions', kind: 'experiment', idField: 'experiment_id', key: 'experiment_permission' },
    { path: '/registered-models/permissions', kind: 'model', idField: 'name', key: 'registered_model_permission' },
  ] as const;
  const permRoutes = kinds.flatMap(({ path, kind, idField, key }): JsonRoute[] => {
    const json = (id: string, u: User, p: string) => ({ [key]: { [idField]: id, user_id: u.id, permission: p } });
    const rule = { resource: kind, level: 'MANAGE' as const };
    return [
      { methods: ['POST'], scope: 'mlflow', path: `${path}/create`, auth: rule, handler: async (f) => {
        const u = await store.requireUser(reqString(f, 'username'));
        await store.grant(kind, reqString(f, idField), u.id, permission(f));
        return json(reqString(f, idField), u, permission(f));
      } },
      { methods: ['GET'], scope: 'mlflow', path: `${path}/get`, auth: rule, handler: async (f) => {
        const u = await store.requireUser(reqString(f, 'username'));
        const p = await store.permission(kind, reqString(f, idField), u.id);
        if (!p) throw new NotFound(`${kind} permission for ${idField}=${reqString(f, idField)} and username=${u.username} not found`);
        return json(reqString(f, idField), u, p);
      } },
      { methods: ['PATCH'], scope: 'mlflow', path: `${path}/update`, auth: rule, handler: async (f) => {
        const u = await store.requireUser(reqString(f, 'username'));
        if (!(await store.permission(kind, reqString(f, idField), u.id))) throw new NotFound(`No ${kind} permission for ${u.username} to update.`);
        await store.grant(kind, reqString(f, idField), u.id, permission(f));
        return {};
      } },
      { methods: ['DELETE'], scope: 'mlflow', path: `${path}/delete`, auth: rule, handler: async (f) => {
        const u = await store.requireUser(reqString(f, 'username'));
        if (!(await store.revoke(kind, reqString(f, idField), u.id))) throw new NotFound(`No ${kind} permission for ${u.username} to delete.`);
        return {};
      } },
    ];
  });
  return [
    { methods: ['POST'], scope: 'mlflow', path: '/users/create', auth: { admin: true }, handler: async (f) => ({
      user: await userJson(await store.createUser(reqString(f, 'username'), reqString(f, 'password'))),
    }) },
    { methods: ['GET'], scope: 'mlflow', path: '/users/get', auth: { anyUser: true }, handler: async (f, ctx) => {
      await selfOrAdmin(ctx, reqString(f, 'username'));
      return { user: await userJson(await store.requireUser(reqString(f, 'username'))) };
    } },
    { methods: ['PATCH'], scope: 'mlflow', path: '/users/update-password', auth: { anyUser: true }, handler: async (f, ctx) => {
      await selfOrAdmin(ctx, reqString(f, 'username'));
      await store.updatePassword(reqString(f, 'username'), reqString(f, 'password'));
      return {};
    } },
    { methods: ['PATCH'], scope: 'mlflow', path: '/users/update-admin', auth: { admin: true }, handler: async (f) => {
      await store.setAdmin(reqString(f, 'username'), optBool(f, 'is_admin') ?? false);
      return {};
    } },
    { methods: ['DELETE'], scope: 'mlflow', path: '/users/delete', auth: { admin: true }, handler: async (f) => {
      await store.deleteUser(reqString(f, 'username'));
      return {};
    } },
    // Beyond MLflow: the list of users, for the admin page.
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/users', auth: { admin: true }, handler: async () => ({ users: await store.listUsers() }) },
    ...permRoutes,
    // The caller's own account and personal API tokens (shown once, stored hashed).
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/auth/me', auth: { anyUser: true }, handler: async (_f, ctx) => ({ user: await userJson(await me(ctx)) }) },
    { methods: ['POST'], scope: 'absolute', path: '/api/v1/auth/tokens', auth: { anyUser: true }, handler: async (f, ctx) => {
      const u = await me(ctx);
      const t = await store.createToken(u.id, optString(f, 'name') || 'token', optInt(f, 'expires_in_days', { min: 1, max: 3650 }) ?? 90);
      return { token: t.token, id: t.id, expires_at: t.expires_at };
    } },
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/auth/tokens', auth: { anyUser: true }, handler: async (_f, ctx) => ({ tokens: await store.listTokens((await me(ctx)).id) }) },
    { methods: ['DELETE'], scope: 'absolute', path: '/api/v1/auth/tokens/:token_id', auth: { anyUser: true }, handler: async (f, ctx) => {
      await store.revokeToken((await me(ctx)).id, reqString(f, 'token_id'));
      return {};
    } },
  ];
}
export { PERMISSIONS };
