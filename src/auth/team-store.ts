import { AlreadyExists, InvalidParameter, NotFound } from '../core/errors.js';
import { isUniqueViolation, type Database } from '../store/index.js';
import { PERMISSIONS, type AuthStore, type StoredPermission } from './auth-store.js';

export interface Team {
  id: number;
  name: string;
}

/** Permission kinds a team can be granted, by the name the API and CLI use. */
export const TEAM_RESOURCE_KINDS = { experiment: 'experiment', registered_model: 'model' } as const;

/**
 * Teams: named groups of users. A permission granted to a team reaches every member; a user's
 * own grant on the same resource, when there is one, still decides (so one member can be held
 * back). Grants live in auth_permissions with principal_kind 'team'.
 */
export class TeamStore {
  constructor(readonly db: Database, private readonly users: AuthStore) {}

  async create(name: string): Promise<Team> {
    if (!/^[\w.@+-]{1,255}$/.test(name)) throw new InvalidParameter(`Invalid value for parameter 'team': use 1-255 letters, digits or . @ + - _`);
    try {
      await this.db.run('INSERT INTO auth_teams (name, created_at) VALUES (?, ?)', [name, Date.now()]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExists(`Team '${name}' already exists.`);
      throw e;
    }
    return this.require(name);
  }

  async require(name: string): Promise<Team> {
    const row = await this.db.one<{ id: number; name: string }>('SELECT id, name FROM auth_teams WHERE name = ?', [name]);
    if (!row) throw new NotFound(`Team '${name.slice(0, 200)}' not found.`);
    return { id: Number(row.id), name: row.name };
  }

  async list(): Promise<{ name: string; members: string[] }[]> {
    const rows = await this.db.all<{ name: string; username: string | null }>(
      'SELECT t.name, u.username FROM auth_teams t LEFT JOIN auth_team_members m ON m.team_id = t.id LEFT JOIN auth_users u ON u.id = m.user_id ORDER BY t.name, u.username');
    const out = new Map<string, string[]>();
    for (const r of rows) {
      if (!out.has(r.name)) out.set(r.name, []);
      if (r.username) out.get(r.name)!.push(r.username);
    }
    return [...out].map(([name, members]) => ({ name, members }));
  }

  async describe(name: string) {
    const t = await this.require(name);
    const members = await this.db.all<{ username: string }>('SELECT u.username FROM auth_team_members m JOIN auth_users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.username', [t.id]);
    const perms = await this.db.all<{ resource_kind: string; resource_id: string; permission: string }>(
      "SELECT resource_kind, resource_id, permission FROM auth_permissions WHERE principal_kind = 'team' AND principal_id = ? ORDER BY resource_kind, resource_id", [t.id]);
    return {
      name: t.name,
      members: members.map((m) => m.username),
      experiment_permissions: perms.filter((p) => p.resource_kind === 'experiment').map((p) => ({ experiment_id: p.resource_id, permission: p.permission })),
      registered_model_permissions: perms.filter((p) => p.resource_kind === 'model').map((p) => ({ name: p.resource_id, permission: p.permission })),
      // Studies, pipeline runs and schedules, jobs (granted through /api/v1/permissions).
      permissions: perms.filter((p) => p.resource_kind !== 'experiment' && p.resource_kind !== 'model').map((p) => ({ resource: `${p.resource_kind}:${p.resource_id}`, permission: p.permission })),
    };
  }

  async delete(name: string): Promise<void> {
    const t = await this.require(name);
    await this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM auth_permissions WHERE principal_kind = 'team' AND principal_id = ?", [t.id]);
      await tx.run('DELETE FROM auth_team_members WHERE team_id = ?', [t.id]);
      await tx.run('DELETE FROM auth_teams WHERE id = ?', [t.id]);
    });
  }

  async addMember(name: string, username: string): Promise<void> {
    const t = await this.require(name);
    const u = await this.users.requireUser(username);
    await this.db.run('INSERT INTO auth_team_members (team_id, user_id) VALUES (?, ?) ON CONFLICT (team_id, user_id) DO NOTHING', [t.id, u.id]);
  }

  async removeMember(name: string, username: string): Promise<void> {
    const t = await this.require(name);
    const u = await this.users.requireUser(username);
    const res = await this.db.run('DELETE FROM auth_team_members WHERE team_id = ? AND user_id = ?', [t.id, u.id]);
    if (!res.changes) throw new NotFound(`User '${username}' is not a member of team '${name}'.`);
  }

  async grant(name: string, kind: string, resourceId: string, permission: StoredPermission): Promise<void> {
    if (!PERMISSIONS.includes(permission)) throw new InvalidParameter(`Invalid value for parameter 'permission': expected one of ${PERMISSIONS.join(', ')}`);
    const t = await this.require(name);
    await this.db.run(
      `INSERT INTO auth_permissions (resource_kind, resource_id, principal_kind, principal_id, permission) VALUES (?, ?, 'team', ?, ?)
       ON CONFLICT (resource_kind, resource_id, principal_kind, principal_id) DO UPDATE SET permission = excluded.permission`,
      [kind, resourceId, t.id, permission]);
  }

  async revoke(name: string, kind: string, resourceId: string): Promise<void> {
    const t = await this.require(name);
    const res = await this.db.run("DELETE FROM auth_permissions WHERE resource_kind = ? AND resource_id = ? AND principal_kind = 'team' AND principal_id = ?", [kind, resourceId, t.id]);
    if (!res.changes) throw new NotFound(`Team '${name}' has no permission on ${kind} '${resourceId}'.`);
  }
}
