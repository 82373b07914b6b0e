import { reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute } from '../core/route.js';
import type { StoredPermission } from './auth-store.js';
import type { TeamStore } from './team-store.js';

const T = '/api/v1/teams/:team';

/**
 * Teams over HTTP: admins create teams and manage members; whoever manages an experiment or a
 * registered model may grant a team a permission on it (as they may grant a user).
 */
export function teamRoutes(teams: TeamStore): JsonRoute[] {
  const permission = (f: Fields) => reqString(f, 'permission').toUpperCase() as StoredPermission;
  const grants = [
    { path: 'experiment-permissions', kind: 'experiment', idField: 'experiment_id', resource: 'experiment' },
    { path: 'registered-model-permissions', kind: 'model', idField: 'name', resource: 'model' },
  ] as const;
  return [
    { methods: ['POST'], scope: 'absolute', path: '/api/v1/teams', auth: { admin: true }, handler: async (f) => {
      const t = await teams.create(reqString(f, 'name'));
      return { team: await teams.describe(t.name) };
    } },
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/teams', auth: { anyUser: true }, handler: async () => ({ teams: await teams.list() }) },
    { methods: ['GET'], scope: 'absolute', path: T, auth: { anyUser: true }, handler: async (f) => ({ team: await teams.describe(reqString(f, 'team')) }) },
    { methods: ['DELETE'], scope: 'absolute', path: T, auth: { admin: true }, handler: async (f) => {
      await teams.delete(reqString(f, 'team'));
      return {};
    } },
    { methods: ['POST'], scope: 'absolute', path: `${T}/members`, auth: { admin: true }, handler: async (f) => {
      await teams.addMember(reqString(f, 'team'), reqString(f, 'username'));
      return { team: await teams.describe(reqString(f, 'team')) };
    } },
    { methods: ['DELETE'], scope: 'absolute', path: `${T}/members/:username`, auth: { admin: true }, handler: async (f) => {
      await teams.removeMember(reqString(f, 'team'), reqString(f, 'username'));
      return {};
    } },
    ...grants.flatMap(({ path, kind, idField, resource }): JsonRoute[] => [
      { methods: ['POST'], scope: 'absolute', path: `${T}/${path}`, auth: { resource, level: 'MANAGE', from: (f) => (typeof f[idField] === 'string' || typeof f[idField] === 'number' ? String(f[idField]) : undefined) }, handler: async (f) => {
        await teams.grant(reqString(f, 'team'), kind, reqString(f, idField), permission(f));
        return { team: await teams.describe(reqString(f, 'team')) };
      } },
      { methods: ['DELETE'], scope: 'absolute', path: `${T}/${path}`, auth: { resource, level: 'MANAGE', from: (f) => (typeof f[idField] === 'string' || typeof f[idField] === 'number' ? String(f[idField]) : undefined) }, handler: async (f) => {
        await teams.revoke(reqString(f, 'team'), kind, reqString(f, idField));
        return {};
      } },
    ]),
  ];
}
